/**
 * examples/node-maintenance.yaml (issue 20 part 4) through the built CLI on a 5-node lab shaped
 * like inventory.example.yaml (kube-master, kube-node, k8s-cluster): --dry-run shows diffs and
 * changes nothing; apply changes the kubelet files and resolv.conf; a second apply changes
 * nothing but the drop_caches action (always a change, like the catalogue's drop-caches).
 * Also syntax-checked (no host contacted) against the Crane inventories in the fixtures.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { cli, connectionsSeen, ROOT, skipReason } from './labHelpers.js';

const PLAYBOOK = path.join(ROOT, 'examples', 'node-maintenance.yaml');
const DIR = '/tmp/crane-fix-20b-maint';
const VARS = ['-e', 'dns_cluster_ip=10.9.0.10'];
const FILES = ['/etc/systemd/system/kubelet.service.d/10-kubelet.conf', '/var/lib/kubelet/config.yaml', '/etc/resolv.conf'];
const DROP = 'sync and drop the page cache';

async function snapshot(n: LabNode): Promise<string> {
  return (await nodeExec(n, FILES.map((f) => `sha256sum ${f}`).join('; '))).stdout;
}

describe.skipIf(skipReason)('examples/node-maintenance.yaml on a Crane-shaped lab', () => {
  let state: LabState;
  let journal: string;
  const run = (extra: string[]) => cli(['apply', '-i', state.inventoryYaml, PLAYBOOK, ...VARS, '--journal-dir', journal, '--json', ...extra]);

  beforeAll(async () => {
    state = await labUp({ nodes: 5, dir: DIR, subnet: 35, disks: false });
    journal = fs.mkdtempSync('/tmp/crane-fix-20b-journal-');
  }, 120_000);

  afterAll(async () => {
    await labDown({ dir: DIR });
    if (journal) fs.rmSync(journal, { recursive: true, force: true });
  });

  it('dry-run shows the diffs and changes nothing; apply changes; a second apply only drops caches again', async () => {
    const before = await Promise.all(state.nodes.map(snapshot));
    const dry = await run(['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    for (const n of state.nodes) {
      const tasks = dry.json.hosts[n.name].tasks as any[];
      expect(tasks.filter((t) => t.diff).length, `${n.name} shows kubelet diffs`).toBeGreaterThanOrEqual(2);
    }
    expect(await Promise.all(state.nodes.map(snapshot))).toEqual(before);

    // Without --yes the irreversible drop_caches refuses before any host is contacted.
    const seen = state.nodes.map(connectionsSeen);
    const refused = await run([]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/without --yes/);
    expect(state.nodes.map(connectionsSeen)).toEqual(seen);

    const ap = await run(['--yes']);
    expect(ap.code, ap.stderr).toBe(0);
    for (const n of state.nodes) {
      const names = (ap.json.hosts[n.name].tasks as any[]).filter((t) => t.status === 'changed').map((t) => t.name);
      expect(names, `${n.name}: kubelet files changed and the handler ran`).toEqual(expect.arrayContaining(['kubelet drop-in passes the new --cluster-dns', 'restart kubelet', DROP]));
    }
    for (const n of state.nodes) {
      const out = (await nodeExec(n, `cat ${FILES.join(' ')}; cat /proc/sys/vm/drop_caches`)).stdout;
      expect(out, n.name).toContain('10.9.0.10');
      expect(out, n.name).not.toMatch(/\b10\.96\.0\.10\b/);
      const ns = (await nodeExec(n, 'grep -c ^nameserver /etc/resolv.conf || true')).stdout.trim();
      expect(Number(ns), `${n.name} nameservers`).toBeLessThanOrEqual(3);
      expect(out.trim().endsWith('1'), `${n.name} drop_caches written`).toBe(true);
    }
    expect(state.nodes.some((n) => n.resolv === 'five'), 'the lab seeds a 5-nameserver resolv.conf').toBe(true);

    const after = await Promise.all(state.nodes.map(snapshot));
    const again = await run(['--yes']);
    expect(again.code, again.stderr).toBe(0);
    for (const n of state.nodes) {
      const changed = (again.json.hosts[n.name].tasks as any[]).filter((t) => t.status === 'changed').map((t) => t.name);
      expect(changed, `${n.name}: only the always-run action changes`).toEqual([DROP]);
    }
    expect(await Promise.all(state.nodes.map(snapshot))).toEqual(after);
  }, 300_000);
});

describe('examples/node-maintenance.yaml loads against Crane inventories (no host contacted)', () => {
  const home = fs.mkdtempSync('/tmp/crane-fix-20b-home-');
  fs.mkdirSync(path.join(home, '.ssh'));
  // The inventories name these key files; syntax-check insists they exist (never read here).
  for (const k of ['id_rsa', 'kube-simple', 'config']) fs.writeFileSync(path.join(home, '.ssh', k), '');
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  const check = (inv: string) =>
    cli(['apply', '-i', inv, PLAYBOOK, ...VARS, '--syntax-check', '-F', path.join(home, '.ssh', 'config')], { env: { HOME: home } });
  const fx = (p: string) => path.join(ROOT, 'test', 'fixtures', 'real-inventories', p);

  for (const inv of ['inventory.example.yaml', 'crane-2020-3nodes/crane/nodes', 'crane-kube-simple/kube-simple/nodes', 'crane-master/crane/nodes', 'crane-v1.23-groupvars-dirs/crane/nodes']) {
    it(`passes with ${inv}`, async () => {
      const r = await check(inv === 'inventory.example.yaml' ? path.join(ROOT, inv) : fx(inv));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/syntax check passed: .*3 play\(s\) on \d+ host\(s\); no host was contacted/);
    });
  }

  it('crane-2019-add-node: its key /Users/shilei/.ssh/id_rsa is absent here, so exit 1 naming file:line:col', async () => {
    const r = await check(fx('crane-2019-add-node/nodes'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/crane-2019-add-node\/nodes:3:1: ansible_ssh_private_key_file \/Users\/shilei\/\.ssh\/id_rsa .* does not exist/);
  });
});
