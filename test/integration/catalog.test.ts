/**
 * Issue 4's "done when", for every host-level catalogue entry on a 12-node lab where each
 * problem is seeded on some nodes and not others:
 * detector says affected -> dry-run shows the diff (and changes nothing) -> apply -> detector
 * says clean -> second apply changes nothing -> rollback restores the original (where the fix
 * is reversible) and the detector says affected again. Healthy nodes: no false positive.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { cli, skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-test-catalog';

interface Case {
  id: string;
  vars: string[];
  files: string[];
  /** Hosts expected clean before any fix (healthy nodes); undefined = derive from seeding. */
  healthy?: (n: LabNode) => boolean;
  affected: (n: LabNode) => boolean;
  reversible: boolean;
  yes?: boolean;
  /** Extra state to compare besides files (e.g. the running hostname). */
  extra?: string;
}

const CASES: Case[] = [
  { id: 'resolv-conf-trim', vars: [], files: ['/etc/resolv.conf'], affected: (n) => n.resolv === 'five', reversible: true },
  { id: 'resolv-conf-nameserver', vars: ['-e', 'resolv_nameserver=10.100.20.105'], files: ['/etc/resolv.conf'], affected: (n) => n.resolv === 'none', reversible: true },
  { id: 'kubelet-csimigration', vars: [], files: ['/var/lib/kubelet/config.yaml'], affected: (n) => !n.csiMigrationOff, reversible: true },
  {
    id: 'kube-proxy-nodeport-addresses',
    vars: ['-e', '{"kube_proxy_node_port_addresses": ["10.200.0.0/16"]}'],
    files: ['/var/lib/kube-proxy/config.conf'],
    affected: (n) => n.nodePortAddresses === null,
    reversible: true,
  },
  { id: 'docker-storage-driver', vars: [], files: ['/etc/docker/daemon.json'], affected: (n) => n.storageDriver !== 'overlay2', reversible: true },
  {
    id: 'apiserver-service-cidr',
    vars: ['-e', 'service_cluster_ip_range=10.9.0.0/16'],
    files: ['/etc/kubernetes/manifests/kube-apiserver.yaml'],
    affected: (n) => n.groups.includes('kube-master'),
    healthy: () => false, // workers have no apiserver manifest: 'unknown', by design
    reversible: true,
  },
  {
    id: 'clusterip-dns',
    vars: ['-e', 'dns_cluster_ip=10.9.0.10'],
    files: ['/etc/systemd/system/kubelet.service.d/10-kubelet.conf', '/var/lib/kubelet/config.yaml'],
    affected: () => true,
    healthy: () => false, // every node starts on the old IP; the cluster-wide change is the point
    reversible: true,
  },
  { id: 'hostname-lowercase', vars: [], files: ['/etc/hostname'], affected: (n) => /[A-Z]/.test(n.hostname), reversible: true, yes: true, extra: 'hostname' },
  { id: 'ctl-path', vars: [], files: ['/usr/bin/ctr'], affected: (n) => n.ctlPathOffPath, reversible: true },
  {
    id: 'istio-init-prune',
    vars: [],
    files: ['/etc/cron.d/docker-prune'],
    affected: (n) => n.dockerPruneCron === 'unfiltered',
    healthy: (n) => n.dockerPruneCron === 'keeps-istio-init', // no cron job at all: 'unknown'
    reversible: true,
    yes: true,
  },
  { id: 'xfs-ftype', vars: [], files: [], affected: (n) => n.diskFtype === 0, reversible: false, yes: true, extra: 'xfs_info /var/lib/docker 2>/dev/null | grep -o "ftype=[01]" || echo unmounted' },
];

async function snapshot(n: LabNode, c: Case): Promise<string> {
  const cmd = c.files.map((f) => `if [ -e ${f} ] || [ -L ${f} ]; then stat -c '%n %a %u %g %F' ${f}; sha256sum ${f} 2>/dev/null || readlink ${f}; else echo "${f} absent"; fi`);
  if (c.extra) cmd.push(c.extra);
  return (await nodeExec(n, cmd.join('; '))).stdout;
}

describe.skipIf(skipReason)('catalogue fixes on seeded lab nodes', () => {
  let state: LabState;
  let journal: string;
  const inv = () => state.inventoryIni;

  async function check(id: string, vars: string[]) {
    const r = await cli(['check', '-i', inv(), id, ...vars, '--json']);
    expect([0, 3], r.stderr).toContain(r.code);
    return Object.fromEntries(Object.entries<any>(r.json.hosts).map(([h, row]) => [h, row.results[id].status as string]));
  }

  beforeAll(async () => {
    state = await labUp({ nodes: 12, dir: DIR, subnet: 5 });
    journal = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-catalog-'));
  }, 120_000);

  afterAll(async () => {
    await labDown({ dir: DIR });
    fs.rmSync(journal, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.id}: detect -> dry-run diff -> apply -> clean -> idempotent${c.reversible ? ' -> rollback' : ''}`, async () => {
      const affected = state.nodes.filter(c.affected);
      const healthy = state.nodes.filter((n) => !c.affected(n) && (c.healthy ? c.healthy(n) : true));
      expect(affected.length, 'the lab seeds this problem somewhere').toBeGreaterThan(0);
      const before = await check(c.id, c.vars);
      for (const n of affected) expect(before[n.name], `${n.name} affected`).toBe('affected');
      for (const n of healthy) expect(before[n.name], `${n.name} must not be a false positive`).toBe('clean');

      const limit = affected.map((n) => n.name).join(',');
      const yes = c.yes ? ['--yes'] : [];
      const original = await Promise.all(affected.map((n) => snapshot(n, c)));
      const dry = await cli(['apply', '-i', inv(), c.id, ...c.vars, '--limit', limit, '--dry-run', '--journal-dir', journal, '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      for (const n of affected) expect(dry.json.hosts[n.name].status, `${n.name} dry-run`).toBe('changed');
      if (c.files.length) for (const n of affected) expect(dry.json.hosts[n.name].tasks.some((t: any) => t.diff), `${n.name} dry-run shows a diff`).toBe(true);
      expect(await Promise.all(affected.map((n) => snapshot(n, c)))).toEqual(original);

      const ap = await cli(['apply', '-i', inv(), c.id, ...c.vars, ...yes, '--limit', limit, '--journal-dir', journal, '--json']);
      expect(ap.code, ap.stderr).toBe(0);
      const after = await check(c.id, c.vars);
      for (const n of affected) expect(after[n.name], `${n.name} after the fix`).toBe('clean');

      const again = await cli(['apply', '-i', inv(), c.id, ...c.vars, ...yes, '--limit', limit, '--journal-dir', journal, '--json']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.json.summary.changed, again.stderr).toBe(0);

      if (c.reversible) {
        const rb = await cli(['rollback', ap.json.runId, '--journal-dir', journal, '--json']);
        expect(rb.code, rb.stderr).toBe(0);
        expect(await Promise.all(affected.map((n) => snapshot(n, c)))).toEqual(original);
        const back = await check(c.id, c.vars);
        for (const n of affected) expect(back[n.name]).toBe('affected');
      }
    });
  }

  it('irreversible and destructive fixes refuse to run without --yes (nothing contacted)', async () => {
    const before = state.nodes.map((n) => fs.readFileSync(path.join(n.dir, 'sshd.log'), 'utf8').length);
    const ftype0 = state.nodes.filter((n) => n.diskFtype === 0).map((n) => n.name).join(',');
    for (const [id, limit] of [['xfs-ftype', ftype0], ['hostname-lowercase', 'all'], ['drop-caches', 'all']] as const) {
      const r = await cli(['apply', '-i', inv(), id, '--limit', limit, '--journal-dir', journal]);
      expect(r.code, id).toBe(1);
      expect(r.stderr).toMatch(/without --yes/);
    }
    expect(state.nodes.map((n) => fs.readFileSync(path.join(n.dir, 'sshd.log'), 'utf8').length)).toEqual(before);
  });

  it('drop-caches: syncs and writes 1 to drop_caches (a per-node recorder in the lab)', async () => {
    const r = await cli(['apply', '-i', inv(), 'drop-caches', '--yes', '--journal-dir', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const n of state.nodes) expect((await nodeExec(n, 'cat /proc/sys/vm/drop_caches')).stdout.trim()).toBe('1');
  });

  it('detectors that cannot be seeded here report clean on every node, and their fixes are no-ops', async () => {
    // kernel-min-version: one kernel for all nodes; calico-tunl0: tunl0 lives in a network
    // namespace and lab nodes share this machine's (see README, "The lab").
    const k = await check('kernel-min-version', []);
    expect(Object.values(k).every((s) => s === 'clean')).toBe(true);
    const t = await check('calico-tunl0', ['-e', 'calico_type=Off']);
    expect(Object.values(t).every((s) => s === 'clean')).toBe(true);
    const r = await cli(['apply', '-i', inv(), 'calico-tunl0', '-e', 'calico_type=Off', '--yes', '--journal-dir', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.summary.changed).toBe(0);
  });
});
