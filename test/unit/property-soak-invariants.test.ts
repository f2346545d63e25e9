/**
 * The soak's invariant checker must itself be able to fail: for synthetic observations it
 * flags exactly the torn files, exactly the hosts not at the stage their journal claims,
 * exactly the exit codes that do not follow from the --json summary, and uncovered changes.
 * (A checker that always says "0 violations" would make the soak worthless.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRun, expectedExit, type Observed } from '../../src/soak/invariants.js';
import type { FileSnap, NodeSnap } from '../../src/soak/nodes.js';
import type { StoredRun } from '../../src/journal/journal.js';

const NODES = ['n1', 'n2'];
const PATHS = ['/a', '/b', '/c'];
const snap = (sha: string): FileSnap => ({ exists: true, type: 'regular file', mode: '644', uid: 0, gid: 0, sha256: sha });

/** stages[k][node][path]: every file differs between stages. */
const stages: Record<string, NodeSnap>[] = [0, 1, 2, 3].map((k) => Object.fromEntries(NODES.map((n) => [n, Object.fromEntries(PATHS.map((p) => [p, snap(`${n}${p}@${k}`)]))])));

function run(hostResults: Record<string, string[]>, snapshotted: Record<string, string[]>, exitCode: number, summary: Record<string, number>): StoredRun {
  const events: StoredRun['events'] = [];
  for (const [h, ps] of Object.entries(snapshotted))
    for (const p of ps) events.push({ at: '', ev: { type: 'snapshot', host: h, snap: { path: p, existed: true, type: 'file', mode: 0o644, uid: 0, gid: 0, sha256: `${h}${p}@0` } } });
  for (const [h, rs] of Object.entries(hostResults)) for (const s of rs) events.push({ at: '', ev: { type: 'host-result', host: h, status: s } });
  events.push({ at: '', ev: { type: 'end', summary, exitCode } });
  return { meta: { runId: 'r', mode: 'apply', startedAt: '', argv: [], playbooks: [], hosts: {} }, events, dir: '' };
}

function observed(after: Record<string, NodeSnap>, r: StoredRun, exit: number, json: Observed['json']): Observed {
  return {
    nodes: NODES,
    stages,
    after,
    json,
    exit: { code: exit, signal: null },
    stderr: json ? `hosts: ok=${json.summary.ok} changed=${json.summary.changed} failed=${json.summary.failed} unreachable=${json.summary.unreachable} rolled-back=${json.summary.rolledBack}\n` : '',
    run: r,
    fault: { kind: 'disk-full', node: 'n1', injected: true },
    finishedByItself: true,
    hangBoundMs: 60_000,
  };
}

describe('property: the soak invariant checker catches what it claims to (issue 8)', () => {
  it('torn files and hosts off the stage their journal claims are flagged, and only those', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: NODES.length, maxLength: NODES.length }),
        fc.array(fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 3 })), { minLength: PATHS.length, maxLength: PATHS.length }), { minLength: NODES.length, maxLength: NODES.length }),
        (reached, fileStage) => {
          // node i reached stage reached[i] per its journal; file j of node i is at fileStage[i][j] (-1 = torn)
          const after: Record<string, NodeSnap> = {};
          NODES.forEach((n, i) => (after[n] = Object.fromEntries(PATHS.map((p, j) => [p, fileStage[i]![j]! < 0 ? snap('torn') : stages[fileStage[i]![j]!]![n]![p]!]))));
          const results = Object.fromEntries(NODES.map((n, i) => [n, Array.from({ length: reached[i]! }, () => 'changed')]));
          const snapshotted = Object.fromEntries(NODES.map((n) => [n, PATHS]));
          const summary = { ok: 0, changed: NODES.length, failed: 0, unreachable: 0, rolledBack: 0 };
          const json = { runId: 'r', hosts: Object.fromEntries(NODES.map((n) => [n, { status: 'changed', tasks: [] }])), summary };
          const v = checkRun(observed(after, run(results, snapshotted, 0, summary), 0, json));
          const torn = NODES.flatMap((n, i) => PATHS.filter((_, j) => fileStage[i]![j]! < 0).map((p) => `${n} ${p}`));
          expect(v.filter((x) => x.invariant === 'no-torn-file').map((x) => x.detail.split(' is ')[0])).toEqual(torn);
          const off = NODES.flatMap((n, i) => PATHS.filter((_, j) => fileStage[i]![j]! !== Math.min(reached[i]!, 3)).map((p) => `${n} ${p}`));
          expect(v.filter((x) => x.invariant === 'status-truthful').length).toBe(off.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a changed file without a journal snapshot is flagged', () => {
    const after = Object.fromEntries(NODES.map((n) => [n, { ...stages[0]![n]!, '/b': stages[1]![n]!['/b']! }]));
    const summary = { ok: 0, changed: 2, failed: 0, unreachable: 0, rolledBack: 0 };
    const json = { runId: 'r', hosts: { n1: { status: 'changed', tasks: [] }, n2: { status: 'changed', tasks: [] } }, summary };
    const v = checkRun(observed(after, run({ n1: [], n2: [] }, { n1: ['/b'], n2: [] }, 0, summary), 0, json));
    expect(v.filter((x) => x.invariant === 'journal-covers-changes').map((x) => x.detail)).toEqual(['n2 /b changed but the journal has no snapshot of it']);
  });

  it('an exit code that does not follow from the --json summary is flagged, and only then', () => {
    const st = fc.constantFrom('ok', 'changed', 'failed', 'unreachable', 'rolled-back');
    fc.assert(
      fc.property(st, st, fc.constantFrom(0, 2, 4), fc.boolean(), (s1, s2, exit, interrupted) => {
        const hosts = { n1: { status: s1, tasks: [] }, n2: { status: s2, tasks: [] } };
        const summary = { ok: 0, changed: 0, failed: 0, unreachable: 0, rolledBack: 0 } as Record<string, number>;
        for (const s of [s1, s2]) summary[s === 'rolled-back' ? 'rolledBack' : s]!++;
        const json = { runId: 'r', hosts, summary, ...(interrupted ? { interrupted: 'SIGINT' } : {}) };
        const results = { n1: [s1], n2: [s2] };
        const o = observed(stages[0]!, run(results, {}, exit, summary), exit, json as Observed['json']);
        o.stages = [stages[0]!, stages[0]!];
        const flagged = checkRun(o).some((x) => x.invariant === 'exit-code-matches-summary');
        expect(flagged).toBe(exit !== expectedExit(summary, interrupted));
      }),
      { numRuns: 300 },
    );
  });
});
