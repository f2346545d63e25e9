/**
 * Ansible's own module semantics (issue 20): the cases in test/parity/upstream are written
 * from ansible/ansible's integration targets (test/integration/targets/<module>/tasks) for
 * lineinfile, replace, copy, file, command/shell and systemd/service — each upstream case
 * our subset supports, in our own words — and run the way test/integration/parity.test.ts
 * runs its module cases: `ansible-playbook` on one twin lab node, `crane-fix apply` on the
 * other, same playbook, same-shaped inventories; per task the same status in check mode
 * (`--check --diff` vs `--dry-run`), apply and a second apply, the same diff bodies, the same
 * files (content, mode, owner) and the same state-changing systemctl calls. A case with a
 * failing task runs on a slot of its own (`fails: true`), and both tools must exit alike.
 * The upstream cases outside the subset are load-time errors: test/unit/upstream-refused.test.ts.
 * docs/parity.md "## Ansible's integration targets" maps every upstream case to its case here.
 *
 * Lab: subnet 31, /tmp/crane-fix-20-upstream. Needs root and ansible-playbook; skipped with
 * the reason otherwise. PARITY_KEEP=1 keeps the generated files and both tools' reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, type LabNode, type LabState } from '../../src/lab/lab.js';
import { systemctlCalls } from '../../src/lab/faults.js';
import {
  alignIgnored,
  ansibleEnv,
  ansibleResults,
  CASE_ROOT,
  caseFiles,
  caseInventory,
  caseResults,
  closeControlMasters,
  CLI,
  craneResults,
  diffPairs,
  loadCases,
  mutatingCalls,
  parseAnsibleJson,
  PARITY_DIR,
  ROOT,
  runProc,
  setupNode,
  snapshotNode,
  statusPairs,
  which,
  writeText,
  type AnsibleEnv,
  type CraneJson,
  type NodeSetup,
  type ParityCase,
  type Slot,
  type Snapshot,
} from '../parity/harness.js';
import { assignShards, isolated, type JobRun } from '../parity/shards.js';
import { skipReason } from './labHelpers.js';

const LAB_DIR = '/tmp/crane-fix-20-upstream';
const SUBNET = 31;
const UPSTREAM = join(PARITY_DIR, 'upstream');
const DOCS = join(ROOT, 'docs', 'parity.md');

const why = skipReason ?? (which('ansible-playbook') ? undefined : 'ansible-playbook is not installed (CRANE_FIX_WITH_ANSIBLE=1 bash scripts/setup.sh installs ansible-core)');
if (why && !skipReason) console.warn(`[parity-upstream] SKIPPED: ${why}`);

type Pass = 'check' | 'apply' | 'again';
const PASSES: Pass[] = ['check', 'apply', 'again'];
const LABEL: Record<Pass, string> = { check: '--check --diff vs --dry-run', apply: 'apply', again: 'second apply' };

/**
 * Notes only these cases use. `ansibleBackups`: files (relative to the case directory) that
 * get `backup: yes`; Ansible writes `<file>.<pid>.<date>~` beside each, crane-fix writes none
 * (its journal snapshot is the backup, docs/parity.md#ansibles-integration-targets), so the
 * test asserts exactly that and compares the rest. `checkDiffs: false`: in check mode only
 * statuses are compared (with `check: first`, a loop whose items build on each other).
 */
type UpstreamCase = ParityCase & { notes: ParityCase['notes'] & { ansibleBackups?: string[]; checkDiffs?: boolean } };
const CASES = loadCases(UPSTREAM) as UpstreamCase[];
const SHARDS = 2;
const slotName = (i: number) => `u${String(i + 1).padStart(2, '0')}`;

describe('upstream cases (test/parity/upstream)', () => {
  it("docs/parity.md names every case, and says for each module of issue 20 whether it has cases yet", () => {
    const docs = readFileSync(DOCS, 'utf8');
    const at = docs.indexOf("\n## Ansible's integration targets");
    expect(at, "docs/parity.md has no \"## Ansible's integration targets\" section").toBeGreaterThan(0);
    const section = docs.slice(at + 1).split('\n## ')[0]!;
    for (const c of CASES) expect(section, `docs/parity.md must name case ${c.id}`).toContain(c.id);
    // template (no such module here) and hostname (no hostnamed on the lab) say why they have no cases.
    expect(section).toContain('### template and hostname');
    expect(section).toContain('template is not supported by crane-fix');
    // A module without cases here must be listed as such, so the gap stays visible.
    for (const g of ['lineinfile', 'replace', 'copy', 'file', 'command', 'systemd']) {
      if (!CASES.some((c) => c.group === g)) expect(section, `module ${g} has no cases: docs/parity.md must say so`).toContain(`\`${g}\`: no cases yet`);
    }
  });
});

describe.skipIf(why)('upstream cases: ansible-playbook and crane-fix on twin lab nodes', () => {
  let lab: LabState;
  let tmp: string;
  let aenv: AnsibleEnv;
  let slots: Slot[];
  const hostOf = new Map<string, string>();
  const jobOf = new Map<string, string>();
  const results = {} as Record<Pass, { jobs: Map<string, JobRun>; snapA: Snapshot; snapB: Snapshot; callsA: Record<string, string[]>; callsB: Record<string, string[]> }>;
  let start: { snapA: Snapshot; snapB: Snapshot };
  const nSlots = SHARDS + CASES.filter(isolated).length;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'crane-fix-20-upstream-'));
    aenv = ansibleEnv(join(tmp, 'ansible'));
    lab = await labUp({ nodes: 2 * nSlots, dir: LAB_DIR, disks: false, subnet: SUBNET });
    slots = Array.from({ length: nSlots }, (_, i) => ({ name: slotName(i), a: lab.nodes[i]!, b: lab.nodes[nSlots + i]! }));
    const keys = { privateKey: lab.privateKey, knownHosts: lab.knownHosts };

    assignShards(CASES, SHARDS, slotName, hostOf, jobOf);
    const job = (id: string, list: ParityCase[]) => {
      const groups: [string, string][] = list.flatMap((c) => [...(c.notes.groups ?? []).map((g): [string, string] => [g, hostOf.get(c.id)!]), [c.id, hostOf.get(c.id)!] as [string, string]]);
      const dir = join(tmp, id);
      if (existsSync(join(UPSTREAM, 'files'))) cpSync(join(UPSTREAM, 'files'), join(dir, 'files'), { recursive: true });
      return {
        id,
        pb: writeText(join(dir, 'upstream.yaml'), list.map((c) => c.text).join('\n')),
        invA: writeText(join(dir, 'side-a.ini'), caseInventory('a', slots, groups, keys)),
        invB: writeText(join(dir, 'side-b.ini'), caseInventory('b', slots, groups, keys)),
      };
    };
    const shards = Array.from({ length: SHARDS }, (_, k) => job(`cases-${k + 1}`, CASES.filter((c) => jobOf.get(c.id) === `cases-${k + 1}`)));
    const own = CASES.filter(isolated).map((c) => job(`case-${c.id}`, [c]));

    const unitPaths = [...new Set(CASES.flatMap((c) => Object.keys(c.notes.units ?? {})))].flatMap((u) => ['active', 'enabled'].map((k) => `/var/lib/crane-lab/units/${u}.service.${k}`));
    await Promise.all(
      slots.flatMap((s) => {
        const mine = CASES.filter((c) => hostOf.get(c.id) === s.name);
        const setup: NodeSetup = { wipe: [CASE_ROOT], files: mine.flatMap(caseFiles), units: Object.assign({}, ...mine.map((c) => c.notes.units ?? {})), truncate: ['/var/log/crane-lab/systemctl.log'], hostname: `upstream-${s.name}` };
        return [setupNode(s.a, setup), setupNode(s.b, setup)];
      }),
    );
    const snap = (n: LabNode) => snapshotNode(n, [CASE_ROOT], unitPaths);
    const snapAll = async () => {
      const out = { snapA: {} as Snapshot, snapB: {} as Snapshot, callsA: {} as Record<string, string[]>, callsB: {} as Record<string, string[]> };
      for (const s of slots) {
        for (const [p, e] of Object.entries(await snap(s.a))) out.snapA[`${s.name}:${p}`] = e;
        for (const [p, e] of Object.entries(await snap(s.b))) out.snapB[`${s.name}:${p}`] = e;
        out.callsA[s.name] = mutatingCalls(await systemctlCalls(s.a));
        out.callsB[s.name] = mutatingCalls(await systemctlCalls(s.b));
      }
      return out;
    };
    start = await snapAll();

    const runJob = async (pass: Pass, j: ReturnType<typeof job>): Promise<JobRun> => {
      const check = pass === 'check';
      const [a, c] = await Promise.all([
        runProc('ansible-playbook', ['-i', j.invA, j.pb, ...(check ? ['--check', '--diff'] : ['--diff'])], { env: aenv.env, cwd: tmp, timeoutMs: 420_000 }),
        runProc(process.execPath, [CLI, 'apply', '-i', j.invB, j.pb, '--json', '--diff', '--yes', '--no-rollback', '--forks', '20', '--journal-dir', join(tmp, 'journal'), ...(check ? ['--dry-run'] : [])], { cwd: tmp, timeoutMs: 420_000 }),
      ]);
      writeText(join(tmp, 'reports', `${pass}-${j.id}-ansible.txt`), `${a.stdout}\n--- stderr\n${a.stderr}`);
      writeText(join(tmp, 'reports', `${pass}-${j.id}-crane.txt`), `${c.stdout}\n--- stderr\n${c.stderr}`);
      const run: JobRun = { ansible: new Map(), crane: new Map(), ansibleCode: a.code, craneCode: c.code, stderr: `ansible-playbook:\n${a.stderr.slice(-1500)}\ncrane-fix:\n${c.stderr.slice(-1500)}` };
      try {
        run.ansible = ansibleResults(parseAnsibleJson(a.stdout));
      } catch (e) {
        run.error = new Error(`ansible-playbook (${pass}, ${j.id}) exit ${a.code}: ${(e as Error).message}\n${a.stderr.slice(-3000)}`);
      }
      try {
        run.crane = craneResults(JSON.parse(c.stdout) as CraneJson);
      } catch {
        run.error ??= new Error(`crane-fix (${pass}, ${j.id}) exit ${c.code}, no JSON report:\n${c.stderr.slice(-3000)}`);
      }
      return run;
    };
    for (const pass of PASSES) {
      const jobs = new Map<string, JobRun>();
      // Two invocation pairs at a time: ansible-playbook is latency-bound, the machine has 2 cores.
      const queue = pass === 'again' ? [...shards] : [...shards, ...own];
      await Promise.all(
        Array.from({ length: 2 }, async () => {
          for (let j = queue.shift(); j; j = queue.shift()) jobs.set(j.id, await runJob(pass, j));
        }),
      );
      await closeControlMasters(aenv);
      results[pass] = { jobs, ...(await snapAll()) };
    }
  }, 1_200_000);

  afterAll(async () => {
    if (aenv) await closeControlMasters(aenv);
    await labDown({ dir: LAB_DIR });
    if (tmp && process.env.PARITY_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
    else if (tmp) console.log(`[parity-upstream] kept ${tmp}`);
  });

  const caseSnap = (snap: Snapshot, c: ParityCase) => {
    const host = hostOf.get(c.id)!;
    const units = Object.keys(c.notes.units ?? {});
    const out: Snapshot = {};
    for (const [k, v] of Object.entries(snap)) {
      const i = k.indexOf(':');
      const p = k.slice(i + 1);
      if (k.slice(0, i) === host && (p === `${CASE_ROOT}/${c.id}` || p.startsWith(`${CASE_ROOT}/${c.id}/`) || units.some((u) => p.startsWith(`/var/lib/crane-lab/units/${u}.service.`)))) out[p] = v;
    }
    return out;
  };

  it('the twins start identical; check mode changes nothing on either side', () => {
    expect(start.snapB).toEqual(start.snapA);
    expect(results.check.snapA).toEqual(start.snapA);
    expect(results.check.snapB).toEqual(start.snapB);
    for (const calls of [...Object.values(results.check.callsA), ...Object.values(results.check.callsB)]) expect(calls).toEqual([]);
  });

  for (const pass of PASSES) {
    it(`${pass}: the shared runs exit 0 in both tools; the same state-changing systemctl calls`, () => {
      for (let k = 1; k <= SHARDS; k++) {
        const r = results[pass].jobs.get(`cases-${k}`)!;
        expect({ ansible: r.ansibleCode, crane: r.craneCode }, r.stderr).toEqual({ ansible: 0, crane: 0 });
      }
      const differ = Object.keys(results[pass].callsA).filter((h) => JSON.stringify(results[pass].callsA[h]) !== JSON.stringify(results[pass].callsB[h]));
      expect(results[pass].callsB, differ.map((h) => `${h}: ansible ${JSON.stringify(results[pass].callsA[h])}\ncrane   ${JSON.stringify(results[pass].callsB[h])}`).join('\n')).toEqual(results[pass].callsA);
    });
  }

  for (const c of CASES) {
    describe(`${c.id} — ${c.notes.about}`, () => {
      for (const pass of PASSES) {
        if (pass === 'again' && isolated(c)) continue;
        const diffs = pass !== 'again' && c.notes.diff !== 'statuses' && !(pass === 'check' && (c.notes.check === 'statuses' || c.notes.checkDiffs === false));
        it(`${pass}: ${LABEL[pass]}: same task statuses${diffs ? ' and diffs' : ''}${pass !== 'check' ? ', same files' : ''}`, () => {
          const run = results[pass].jobs.get(jobOf.get(c.id)!)!;
          if (run.error) throw run.error;
          const host = hostOf.get(c.id)!;
          const names = [...c.taskNames, ...c.handlerNames];
          let a = caseResults(run.ansible, host, names);
          let k = caseResults(run.crane, host, names);
          const context = `${c.id} (${pass})\nansible: ${JSON.stringify(a.map((t) => [t.name, t.status, t.msg]))}\ncrane:   ${JSON.stringify(k.map((t) => [t.name, t.status, t.msg]))}\n${run.stderr}`;
          const d = c.notes.differs;
          if (d) {
            // A stated difference (docs/parity.md names the case): each tool's statuses are pinned.
            const key = pass === 'check' ? 'check' : 'apply';
            expect(statusPairs(a), context).toEqual(d.ansible[key] ?? statusPairs(k));
            expect(statusPairs(k), context).toEqual(d.crane[key] ?? statusPairs(a));
            if (pass !== 'check') {
              const sa = caseSnap(results[pass].snapA, c);
              const sb = caseSnap(results[pass].snapB, c);
              if (d.files === 'same') expect(sb, context).toEqual(sa);
              else expect(sb, context).not.toEqual(sa);
            }
            return;
          }
          if (pass === 'check' && c.notes.check === 'first') {
            a = a.filter((t) => t.name === c.taskNames[0]);
            k = k.filter((t) => t.name === c.taskNames[0]);
          }
          expect(a.length, `ansible ran none of the case's tasks: ${context}`).toBeGreaterThan(0);
          const pa = statusPairs(a);
          expect(alignIgnored(pa, statusPairs(k)), context).toEqual(pa);
          if (diffs) for (const p of diffPairs(a, k, aenv.localTmp)) expect(p.crane, `diff of '${p.name}' — ${context}`).toEqual(p.ansible);
          if (isolated(c)) expect(run.craneCode, `exit codes — ${context}`).toBe(run.ansibleCode);
          if (pass !== 'check') {
            const snapA = caseSnap(results[pass].snapA, c);
            const snapB = caseSnap(results[pass].snapB, c);
            for (const rel of c.notes.ansibleBackups ?? []) {
              const path = `${CASE_ROOT}/${c.id}/${rel}`;
              const isBackup = (p: string) => p.startsWith(`${path}.`) && p.endsWith('~');
              const backups = Object.keys(snapA).filter(isBackup);
              const original = c.notes.files?.[rel];
              expect(backups.length, `Ansible's backup of ${rel} after ${pass}`).toBe(1);
              expect(snapA[backups[0]!]?.content, `Ansible's backup of ${rel} holds the file before the change`).toBe(typeof original === 'string' ? original : original?.content);
              expect(Object.keys(snapB).filter(isBackup), `crane-fix writes no backup file of ${rel}`).toEqual([]);
              delete snapA[backups[0]!];
            }
            expect(snapB, `files of ${c.id} after ${pass}\n${context}`).toEqual(snapA);
          }
        });
      }
    });
  }
});
