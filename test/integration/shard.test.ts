/**
 * Issue 21 part 4 on real lab nodes (subnet 40, 8 sshd nodes), through the installed CLI:
 * a catalogue fix applied as three shard runs (`--shard 1/3`, `2/3`, `3/3`, three journals)
 * touches every node exactly once — counted in each node's own sshd log, not in what
 * crane-fix reports — and `runs merge` shows the three as one complete run. Then a node is
 * added to the inventory: the three shards (dry-run) cover all eight exactly once again, the
 * seven keep their shards (the hash's property), and merging an old shard with a new one is
 * refused (different fleet digests). Bad --shard values contact no node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labDown, labUp, type LabState } from '../../src/lab/lab.js';
import { shardOf } from '../../src/inventory/shard.js';
import { cli, skipReason, connectionsSeen } from './labHelpers.js';

const DIR = '/tmp/crane-fix-21-shard';
const NODES = 8;

describe.skipIf(skipReason)('--shard and runs merge on real SSH nodes', () => {
  let state: LabState;
  let work: string;
  let inv7: string;
  let inv8: string;
  const names = () => state.nodes.map((n) => n.name);
  const firstRuns: string[] = [];

  beforeAll(async () => {
    await labDown({ dir: DIR }).catch(() => undefined);
    state = await labUp({ nodes: NODES, dir: DIR, disks: false, subnet: 40 });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-21-shard-'));
    inv8 = state.inventoryIni;
    const last = state.nodes[NODES - 1]!.name;
    inv7 = path.join(work, 'nodes7.ini');
    fs.writeFileSync(inv7, fs.readFileSync(inv8, 'utf8').split('\n').filter((l) => !l.startsWith(`${last} `)).join('\n'));
    // labUp's readiness probe is logged by each sshd a little later: counts start once the
    // logs have settled (every node has logged it, and nothing changed for a second).
    let prev = '';
    for (let t = 0; t < 60; t++) {
      const now = state.nodes.map(connectionsSeen);
      if (now.every((c) => c >= 1) && now.join() === prev) break;
      prev = now.join();
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 240_000);

  afterAll(async () => {
    await labDown({ dir: DIR });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('bad --shard values are exit 1 and contact no node', async () => {
    const before = state.nodes.map(connectionsSeen);
    for (const v of ['0/3', '4/3', 'x']) {
      const r = await cli(['apply', '-i', inv7, 'resolv-conf-trim', '--shard', v, '--journal-dir', path.join(work, 'j-bad')]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/--shard: /);
    }
    expect(state.nodes.map(connectionsSeen)).toEqual(before);
  });

  it('apply --shard 1/3, 2/3, 3/3 touches each of 7 nodes exactly once; runs merge shows one complete run', async () => {
    const seven = names().slice(0, NODES - 1);
    const before = state.nodes.map(connectionsSeen);
    const journal = path.join(work, 'j7');
    const hostsPerShard: string[][] = [];
    for (const i of [1, 2, 3]) {
      const r = await cli(['apply', '-i', inv7, 'resolv-conf-trim', '--shard', `${i}/3`, '--journal-dir', journal, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.shard).toMatchObject({ shard: `${i}/3`, totalHosts: 7 });
      hostsPerShard.push(Object.keys(r.json.hosts));
      firstRuns.push(r.json.runId);
    }
    // Every node exactly once, as the nodes saw it: one SSH connection each, none on the 8th.
    const after = state.nodes.map(connectionsSeen);
    expect(after.map((a, k) => a - before[k]!)).toEqual([...seven.map(() => 1), 0]);
    expect(hostsPerShard.flat().sort()).toEqual([...seven].sort());
    hostsPerShard.forEach((hs, k) => expect(hs.every((h) => shardOf(h, 3) === k)).toBe(true));

    const m = await cli(['runs', 'merge', '--journal-dir', journal, '--json', ...firstRuns]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.json).toMatchObject({ shards: 3, totalHosts: 7, complete: true, missing: [], problems: [], exitCode: 0 });
    expect(Object.keys(m.json.hosts).sort()).toEqual([...seven].sort());
    for (const h of seven) expect(['ok', 'changed']).toContain(m.json.hosts[h].status);
    // The journal directory alone gives the same view (a Kubernetes Job's volume).
    const byDir = await cli(['runs', 'merge', journal]);
    expect(byDir.code, byDir.stderr).toBe(0);
    expect(byDir.stdout).toMatch(/^3 shard run\(s\) of 3 over fleet [0-9a-f]{16} \(7 hosts\): complete$/m);
  });

  it('schedule once --shard: apply and check jobs, each shard journaled; merged complete', async () => {
    const sched = path.join(work, 'jobs.yaml');
    fs.writeFileSync(
      sched,
      `jobs:\n  - name: trim\n    cron: "0 3 * * *"\n    inventory: ${inv7}\n    fixes: [resolv-conf-trim]\n    mode: apply\n` +
        `  - name: trim-check\n    cron: "0 3 * * *"\n    inventory: ${inv7}\n    fixes: [resolv-conf-trim]\n    mode: check\n`,
    );
    for (const job of ['trim', 'trim-check']) {
      const journal = path.join(work, `j-sched-${job}`);
      const before = state.nodes.map(connectionsSeen);
      // All three at once, as an Indexed Job's pods start: the shards' locks are separate.
      const rs = await Promise.all([1, 2, 3].map((i) => cli(['schedule', 'once', sched, job, '--shard', `${i}/3`, '--journal-dir', journal, '--json'])));
      for (const r of rs) expect(r.code, r.stderr).toBe(0);
      expect(rs.some((r) => r.json.skipped)).toBe(false);
      expect(state.nodes.map(connectionsSeen).map((a, k) => a - before[k]!)).toEqual([...names().slice(0, NODES - 1).map(() => 1), 0]);
      const m = await cli(['runs', 'merge', journal, '--json']);
      expect(m.code, m.stderr).toBe(0);
      expect(m.json, JSON.stringify(m.json.warnings)).toMatchObject({ shards: 3, totalHosts: 7, complete: true, warnings: [] });
      for (const x of Object.values(m.json.hosts as Record<string, { status: string }>)) expect(job === 'trim' ? ['ok', 'changed'] : ['clean']).toContain(x.status);
    }
  });

  it('a node added: the shards cover all 8 exactly once again, the 7 keep their shard, old and new shards do not merge', async () => {
    const before = state.nodes.map(connectionsSeen);
    const journal = path.join(work, 'j8');
    const runs: string[] = [];
    const shardOfHost = new Map<string, number>();
    for (const i of [1, 2, 3]) {
      const r = await cli(['apply', '-i', inv8, 'resolv-conf-trim', '--dry-run', '--shard', `${i}/3`, '--journal-dir', journal, '--json']);
      expect(r.code, r.stderr).toBe(0);
      runs.push(r.json.runId);
      for (const h of Object.keys(r.json.hosts)) {
        expect(shardOfHost.has(h), `${h} in two shards`).toBe(false);
        shardOfHost.set(h, i - 1);
      }
    }
    expect([...shardOfHost.keys()].sort()).toEqual([...names()].sort());
    expect(state.nodes.map(connectionsSeen).map((a, k) => a - before[k]!)).toEqual(names().map(() => 1));
    // Adding a host moves no other host: each of the 7 is where the first round put it.
    const old = await cli(['runs', 'merge', '--journal-dir', path.join(work, 'j7'), '--json', ...firstRuns]);
    for (const [h, x] of Object.entries(old.json.hosts as Record<string, { shard: string }>)) expect(`${shardOfHost.get(h)! + 1}/3`).toBe(x.shard);
    const m = await cli(['runs', 'merge', journal, '--json']);
    expect(m.json).toMatchObject({ totalHosts: 8, complete: true });
    // A shard of the 7-node fleet with a shard of the 8-node one: refused.
    const mixed = await cli(['runs', 'merge', path.join(work, 'j7', firstRuns[0]!), path.join(journal, runs[1]!)]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toMatch(/problem: the shards were cut from different host selections/);
  });
});
