/**
 * Issue 19 part 4: every catalogue fix that edits a file, applied to its real target file (the
 * lab's seeded content) in four forms at once: LF (node01), CRLF (node02), with a UTF-8
 * BOM (node03) and without the final newline (node04). A user wants the same edit on each and
 * the file's own form kept — no LF lines among CRLF ones, no lost BOM — so node02 must end with
 * node01's bytes in CRLF, node03 with node01's bytes behind a BOM, node04 with node01's bytes
 * without the final newline (or with it, where the fix added the last line). Then: a second apply changes nothing and rollback restores the
 * exact bytes; the human dry-run marks the CRs; the detector says affected before and clean after
 * on all four.
 * Subnet 24, lab dir /tmp/crane-fix-19-oddcat.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { apiserverManifest, dockerDaemonJson, kubeletConfig, kubeletDropIn, kubeProxyConfig, resolvConf } from '../../src/lab/seed.js';
import type { NodeSpec } from '../../src/lab/layout.js';
import { cli, skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-19-oddcat';
const spec = (s: Partial<NodeSpec>) => s as NodeSpec;
const CRON = '# nightly docker clean-up\n30 3 * * * root docker system prune -af --volumes\n';

interface Case {
  id: string;
  /** When one fix has two cases. */
  label?: string;
  vars: string[];
  files: Record<string, string>;
  yes?: boolean;
}
const CASES: Case[] = [
  { id: 'clusterip-dns', vars: ['-e', 'dns_cluster_ip=10.9.0.10'], files: { '/etc/systemd/system/kubelet.service.d/10-kubelet.conf': kubeletDropIn(), '/var/lib/kubelet/config.yaml': kubeletConfig() } },
  { id: 'kubelet-csimigration', vars: [], files: { '/var/lib/kubelet/config.yaml': kubeletConfig() } },
  { id: 'kube-proxy-nodeport-addresses', vars: ['-e', '{"kube_proxy_node_port_addresses": ["10.200.0.0/16"]}'], files: { '/var/lib/kube-proxy/config.conf': kubeProxyConfig() } },
  { id: 'docker-storage-driver', vars: [], files: { '/etc/docker/daemon.json': dockerDaemonJson(spec({ storageDriver: 'devicemapper' })) } },
  { id: 'apiserver-service-cidr', vars: ['-e', 'service_cluster_ip_range=10.9.0.0/16'], files: { '/etc/kubernetes/manifests/kube-apiserver.yaml': apiserverManifest() } },
  { id: 'resolv-conf-trim', vars: [], files: { '/etc/resolv.conf': resolvConf(spec({ resolv: 'five' })) } },
  { id: 'resolv-conf-trim', label: 'nameservers last', vars: [], files: { '/etc/resolv.conf': '# nameservers only\n' + [1, 2, 3, 4, 5].map((i) => `nameserver 10.0.0.${i}\n`).join('') } },
  { id: 'resolv-conf-nameserver', vars: ['-e', 'resolv_nameserver=10.100.20.105'], files: { '/etc/resolv.conf': resolvConf(spec({ resolv: 'none' })) } },
  { id: 'istio-init-prune', vars: [], files: { '/etc/cron.d/docker-prune': CRON }, yes: true },
];

const FORMS = [(t: string) => t, (t: string) => t.replace(/\n/g, '\r\n'), (t: string) => '\ufeff' + t, (t: string) => t.replace(/\n$/, '')];

describe.skipIf(skipReason)('catalogue fixes on CRLF and BOM versions of their target files', () => {
  let lab: LabState;
  let inv: string;
  const journal = path.join(DIR, 'work', 'j');

  const write = (n: LabNode, files: Record<string, string>) =>
    nodeExec(n, Object.entries(files).map(([p, t]) => `mkdir -p ${path.dirname(p)} && printf %s ${Buffer.from(t).toString('base64')} | base64 -d > ${p}`).join('\n'));
  const read = async (n: LabNode, files: string[]) => {
    const out = (await nodeExec(n, files.map((p) => `base64 -w0 ${p}; echo`).join('\n'))).stdout.split('\n');
    return Object.fromEntries(files.map((p, i) => [p, Buffer.from(out[i]!, 'base64').toString('utf8')]));
  };

  const statuses = async (c: Case) => {
    const r = await cli(['check', '-i', inv, c.id, ...c.vars, '--json']);
    expect([0, 3], r.stdout + r.stderr).toContain(r.code);
    return Object.fromEntries(Object.entries<any>(r.json.hosts).map(([h, row]) => [h, row.results[c.id].status as string]));
  };

  beforeAll(async () => {
    lab = await labUp({ nodes: 4, dir: DIR, disks: false, subnet: 24 });
    fs.mkdirSync(path.join(DIR, 'work'), { recursive: true });
    inv = path.join(DIR, 'work', 'inv.ini');
    // Every node in every group the fixes' plays name (the lab makes node01 the only master).
    fs.writeFileSync(
      inv,
      `[kube-master]\n${lab.nodes.map((n) => `${n.name} ansible_host=${n.ip} ansible_user=root`).join('\n')}\n[k8s-cluster:children]\nkube-master\n[all:vars]\n` +
        `ansible_ssh_private_key_file=${lab.privateKey}\nansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'\n`,
    );
  }, 120_000);

  afterAll(async () => {
    if (lab) await labDown({ dir: DIR });
  });

  for (const c of CASES) {
    it(`${c.id}${c.label ? ` (${c.label})` : ''}: the CRLF, BOM and no-final-newline files get the LF file's edit in their own form; idempotent; rollback restores the bytes`, async () => {
      const paths = Object.keys(c.files);
      const seeded = FORMS.map((f) => Object.fromEntries(Object.entries(c.files).map(([p, t]) => [p, f(t)])));
      await Promise.all(lab.nodes.map((n, i) => write(n, seeded[i]!)));
      const yes = c.yes ? ['--yes'] : [];

      expect(await statuses(c)).toEqual(Object.fromEntries(lab.nodes.map((n) => [n.name, 'affected'])));
      const dry = await cli(['apply', '-i', inv, c.id, ...c.vars, '--dry-run', '--journal-dir', journal]);
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(dry.stdout).toContain('^M\n');
      expect(dry.stdout).not.toMatch(/[\r\ufeff]/);
      for (const [i, n] of lab.nodes.entries()) expect(await read(n, paths)).toEqual(seeded[i]);

      const ap = await cli(['apply', '-i', inv, c.id, ...c.vars, ...yes, '--journal-dir', journal, '--json']);
      expect(ap.code, ap.stdout + ap.stderr).toBe(0);
      for (const n of lab.nodes) expect(ap.json.hosts[n.name].status, n.name).toBe('changed');
      const [lf, crlf, bom, nonl] = await Promise.all(lab.nodes.map((n) => read(n, paths)));
      for (const p of paths) {
        expect(lf![p], `${p} was edited`).not.toBe(c.files[p]);
        expect(lf![p]!.endsWith('\n'), `${p} still ends in a newline`).toBe(true);
        expect(crlf![p], `${p} on the CRLF node`).toBe(lf![p]!.replace(/\n/g, '\r\n'));
        expect(bom![p], `${p} on the BOM node`).toBe('\ufeff' + lf![p]);
        // Still without it, unless the fix added a line at the end (then that line has one).
        expect([lf![p]!.replace(/\n$/, ''), lf![p]], `${p} on the no-final-newline node`).toContain(nonl![p]);
      }

      // The detector reads the CRLF and BOM files as the programs that use them do.
      expect(await statuses(c)).toEqual(Object.fromEntries(lab.nodes.map((n) => [n.name, 'clean'])));

      const again = await cli(['apply', '-i', inv, c.id, ...c.vars, ...yes, '--journal-dir', journal, '--json']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.json.summary.changed, JSON.stringify(again.json.hosts)).toBe(0);

      const rb = await cli(['rollback', ap.json.runId, '--journal-dir', journal, '--json']);
      expect(rb.code, rb.stdout + rb.stderr).toBe(0);
      for (const [i, n] of lab.nodes.entries()) expect(await read(n, paths)).toEqual(seeded[i]);
    }, 180_000);
  }
});
