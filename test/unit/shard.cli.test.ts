/**
 * `--shard i/n` through the real command line (commander program, in process): bad values
 * are exit 1 before any host is contacted (a TCP listener stands in for the hosts and counts
 * connections), an empty shard is a journaled run of nothing (exit 0), and `runs merge`
 * over journals written by the journal module: complete, missing, interrupted, refused.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram, type CommandTable } from '../../src/cli/program.js';
import { ExitError } from '../../src/errors.js';
import { Journal, newRunId, readRun, type JournalEvent } from '../../src/journal/journal.js';
import { mergeShardRuns } from '../../src/journal/merge.js';
import { shardOf, shardRecord } from '../../src/inventory/shard.js';

const COMMANDS: CommandTable = {
  apply: async () => (await import('../../src/cli/apply.js')).registerApply,
  runs: async () => (await import('../../src/cli/runs.js')).registerRuns,
  catalog: async () => (await import('../../src/cli/catalog.js')).registerCatalog,
  schedule: async () => (await import('../../src/cli/schedule.js')).registerSchedule,
};

async function crane(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const l = vi.spyOn(console, 'log').mockImplementation((...a) => void (out += a.join(' ') + '\n'));
  const argv = ['node', 'crane-fix', ...args];
  try {
    const program = await buildProgram(COMMANDS, argv);
    await program.parseAsync(argv);
    return { code: 0, out, err };
  } catch (x) {
    if (x instanceof ExitError) return { code: x.code, out, err: err + x.message };
    if (x instanceof CommanderError) return { code: x.exitCode === 0 ? 0 : 1, out, err };
    throw x;
  } finally {
    o.mockRestore();
    e.mockRestore();
    l.mockRestore();
  }
}

let work: string;
let server: net.Server;
let connections = 0;
let inventory: string;
const HOSTS = ['node01', 'node02', 'node03', 'node04', 'node05', 'node06', 'node07'];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-21-shardcli-'));
  server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  inventory = path.join(work, 'hosts.ini');
  fs.writeFileSync(inventory, `[kube-node]\n${HOSTS.map((h) => `${h} ansible_host=127.0.0.1 ansible_port=${port}`).join('\n')}\n\n[all:vars]\nansible_ssh_user=root\n`);
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(work, { recursive: true, force: true });
});

describe('--shard on the command line', () => {
  it('bad values are exit 1 with the reason; no host is contacted', async () => {
    const cases: Array<[string, RegExp]> = [
      ['0/3', /--shard: shard 0 is out of range for 3 shard\(s\): it must be from 1 to 3/],
      ['4/3', /--shard: shard 4 is out of range for 3 shard\(s\)/],
      ['x', /--shard: expects i\/n \(shard i of n, i from 1 to n, e\.g\. 1\/3\), got "x"/],
      ['1/0', /--shard: the number of shards must be from 1/],
    ];
    for (const [v, re] of cases) {
      for (const cmd of [['apply', '-i', inventory, 'drop-caches', '--dry-run'], ['apply', '-i', inventory, 'drop-caches'], ['check', '-i', inventory]]) {
        const r = await crane([...cmd, '--shard', v, '--journal-dir', path.join(work, 'j-bad')]);
        expect(r.code, `${cmd.join(' ')} --shard ${v}`).toBe(1);
        expect(r.err).toMatch(re);
      }
    }
    expect(connections).toBe(0);
    expect(fs.existsSync(path.join(work, 'j-bad'))).toBe(false);
  });

  it('--syntax-check --shard lists only the shard\'s hosts and records the selection', async () => {
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const r = await crane(['apply', '-i', inventory, 'drop-caches', '--syntax-check', '--json', '--shard', `${i}/3`]);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out);
      expect(doc.shard).toMatchObject({ shard: `${i}/3`, index: i - 1, count: 3, totalHosts: 7 });
      expect(doc.hosts).toEqual(HOSTS.filter((h) => shardOf(h, 3) === i - 1));
      seen.push(...doc.hosts);
    }
    expect(seen.sort()).toEqual(HOSTS);
    expect(connections).toBe(0);
  });

  it('an empty shard says so, exits 0, contacts nobody, and is journaled with its shard record', async () => {
    // One host among as many shards as it takes to leave shard 1 without it.
    const one = path.join(work, 'one.ini');
    fs.writeFileSync(one, fs.readFileSync(inventory, 'utf8').split('\n').filter((l) => !/^node0[2-7] /.test(l)).join('\n'));
    const n = 2 + [2, 3, 4, 5, 6].findIndex((k) => shardOf('node01', k) !== 0);
    expect(shardOf('node01', n)).not.toBe(0);
    const jd = path.join(work, 'j-empty');
    const r = await crane(['apply', '-i', one, 'drop-caches', '--dry-run', '--json', '--shard', `1/${n}`, '--journal-dir', jd]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`shard 1/${n} has no hosts`);
    const doc = JSON.parse(r.out);
    expect(doc.hosts).toEqual({});
    expect(doc.shard).toMatchObject({ shard: `1/${n}`, hosts: 0, totalHosts: 1 });
    expect(connections).toBe(0);
    const run = readRun(jd, doc.runId);
    expect(run.meta.shard).toEqual(shardRecord(['node01'], { index: 0, count: n }));
    expect(run.events.at(-1)!.ev).toMatchObject({ type: 'end', exitCode: 0 });
  });

  it('check --shard with an empty shard contacts nobody', async () => {
    const one = path.join(work, 'one.ini');
    const n = 2 + [2, 3, 4, 5, 6].findIndex((k) => shardOf('node01', k) !== 0);
    const r = await crane(['check', '-i', one, '--shard', `1/${n}`, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ hosts: {}, shard: { hosts: 0, totalHosts: 1, count: n } });
    expect(connections).toBe(0);
  });
});

/** A finished (or not) shard run written the way runApply writes one. */
function writeShardRun(root: string, all: string[], index: number, count: number, status: (h: string) => string, opts: { finished?: boolean; mode?: 'apply' | 'dry-run' } = {}): string {
  const rec = shardRecord(all, { index, count });
  const mine = all.filter((h) => shardOf(h, count) === index);
  const runId = newRunId();
  const j = Journal.create(root, { runId, mode: opts.mode ?? 'apply', startedAt: new Date().toISOString(), argv: [], playbooks: ['/p/fix.yaml'], hosts: Object.fromEntries(mine.map((h) => [h, { host: h, port: 22, user: 'root' } as never])), shard: rec });
  const summary = { ok: 0, changed: 0, failed: 0, unreachable: 0, rolledBack: 0 };
  for (const h of mine) {
    const s = status(h);
    if (s === 'skip') continue;
    j.append({ type: 'host-result', host: h, status: s, ...(s === 'failed' ? { error: 'boom' } : {}) } as JournalEvent);
    if (s === 'ok' || s === 'changed' || s === 'failed' || s === 'unreachable') summary[s]++;
  }
  if (opts.finished !== false) j.append({ type: 'end', summary, exitCode: summary.failed ? 2 : 0 });
  j.close();
  return runId;
}

describe('runs merge', () => {
  const fleet = Array.from({ length: 12 }, (_, i) => `w${i}.dc1`);

  it('three shards are one complete run: every host once, totals added up; --json and text', async () => {
    const root = path.join(work, 'm-complete');
    const ids = [0, 1, 2].map((i) => writeShardRun(root, fleet, i, 3, (h) => (h === 'w3.dc1' ? 'changed' : 'ok')));
    const r = await crane(['runs', 'merge', '--journal-dir', root, '--json', ...ids]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v).toMatchObject({ shards: 3, totalHosts: 12, complete: true, present: ['1/3', '2/3', '3/3'], missing: [], problems: [], exitCode: 0 });
    expect(Object.keys(v.hosts).sort()).toEqual([...fleet].sort());
    expect(v.hosts['w3.dc1']).toMatchObject({ status: 'changed', shard: `${shardOf('w3.dc1', 3) + 1}/3` });
    expect(v.totals).toMatchObject({ ok: 11, changed: 1, failed: 0 });
    // A journal directory (the Kubernetes Job's volume) gives the same view.
    const byDir = await crane(['runs', 'merge', root]);
    expect(byDir.code).toBe(0);
    expect(byDir.out).toMatch(/^3 shard run\(s\) of 3 over fleet [0-9a-f]{16} \(12 hosts\): complete$/m);
    expect(byDir.out).toMatch(/totals: ok=11 changed=1 failed=0 unreachable=0 rolledBack=0; hosts 12 of 12/);
    // `runs` and `runs show` name the shard.
    const list = await crane(['runs', '--journal-dir', root]);
    expect(list.out.match(/shard=[123]\/3 /g)?.sort()).toEqual(['shard=1/3 ', 'shard=2/3 ', 'shard=3/3 ']);
    const show = await crane(['runs', 'show', ids[1]!, '--journal-dir', root]);
    expect(show.out).toMatch(/^shard 2\/3: \d+ of 12 host\(s\), fleet [0-9a-f]{16} \(see crane-fix runs merge\)$/m);
    // Run directories too.
    const byRunDir = await crane(['runs', 'merge', '--json', ...ids.map((id) => path.join(root, id))]);
    expect(JSON.parse(byRunDir.out).complete).toBe(true);
  });

  it('a missing shard and an interrupted one: shown, incomplete, hosts not reached named', () => {
    const root = path.join(work, 'm-missing');
    const a = writeShardRun(root, fleet, 0, 3, () => 'ok');
    const b = writeShardRun(root, fleet, 2, 3, (h) => (h === fleet.find((x) => shardOf(x, 3) === 2) ? 'failed' : 'skip'), { finished: false });
    const v = mergeShardRuns([readRun(root, a), readRun(root, b)]);
    expect(v.complete).toBe(false);
    expect(v.missing).toEqual(['2/3']);
    expect(v.problems).toEqual([]);
    expect(v.warnings.join('\n')).toMatch(/missing shard\(s\) 2\/3/);
    expect(v.warnings.join('\n')).toMatch(/shard 3\/3 .* has no end record/);
    expect(v.exitCode).toBe(2);
    const third = fleet.filter((h) => shardOf(h, 3) === 2);
    expect(v.hosts[third[0]!]).toMatchObject({ status: 'failed', error: 'boom' });
    for (const h of third.slice(1)) expect(v.hosts[h]!.status).toBe('not reached');
  });

  it('refuses shards of different fleets, a shard twice, different shard counts and unsharded runs (exit 1)', async () => {
    const root = path.join(work, 'm-bad');
    const a = writeShardRun(root, fleet, 0, 3, () => 'ok');
    const grown = writeShardRun(root, [...fleet, 'w99.dc1'], 1, 3, () => 'ok');
    const r = await crane(['runs', 'merge', '--journal-dir', root, a, grown]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/REFUSED/);
    expect(r.out).toMatch(/problem: the shards were cut from different host selections .*fleet [0-9a-f]{16} \(12 hosts\) in run .*fleet [0-9a-f]{16} \(13 hosts\)/);
    const twice = writeShardRun(root, fleet, 0, 3, () => 'ok');
    const v2 = mergeShardRuns([readRun(root, a), readRun(root, twice)]);
    expect(v2.problems).toEqual([expect.stringMatching(/^shard 1\/3 is given 2 times/)]);
    const four = writeShardRun(root, fleet, 1, 4, () => 'ok');
    expect(mergeShardRuns([readRun(root, a), readRun(root, four)]).problems.join('\n')).toMatch(/different numbers of shards/);
    const plainId = newRunId();
    Journal.create(root, { runId: plainId, mode: 'apply', startedAt: new Date().toISOString(), argv: [], playbooks: [], hosts: {} }).close();
    expect(mergeShardRuns([readRun(root, plainId)]).problems).toEqual([expect.stringMatching(/is not a shard run/)]);
  });

  it('a host in two shards (journals edited, or another hash) is refused', () => {
    const root = path.join(work, 'm-overlap');
    const a = writeShardRun(root, fleet, 0, 2, () => 'ok');
    const b = writeShardRun(root, fleet, 1, 2, () => 'ok');
    const runB = readRun(root, b);
    const stray = fleet.find((h) => shardOf(h, 2) === 0)!;
    runB.events.unshift({ at: '', ev: { type: 'host-result', host: stray, status: 'ok' } });
    const v = mergeShardRuns([readRun(root, a), runB]);
    expect(v.problems).toEqual([`host ${stray} is in two shard runs (${a} and ${b}): the shards overlap`]);
    expect(v.complete).toBe(false);
  });
});
