/**
 * Issue 19 part 5: a lab node that boots the real systemd (252) as PID 1 of its own PID +
 * mount + UTS + cgroup namespace (src/lab/systemdNode.ts), with sshd and kubeadm's
 * kubelet.service (a stand-in that reads its config as kubelet does) as units. The catalogue's
 * cluster-DNS fix runs end to end on it: daemon-reload and restart are systemd's own, and so
 * are their failures. Subnet 29, lab dir /tmp/crane-fix-19-systemd.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labDown, nodeExec, readLabState, type LabState, type LabNode } from '../../src/lab/lab.js';
import { nodeCgroup, systemdUnavailableReason } from '../../src/lab/systemdNode.js';
import { KUBELET_CONFIG, KUBELET_DROPIN } from '../../src/catalog/entries/clusterip-dns.js';
import { cli, skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-19-systemd';
const CHECK_DROPIN = '/etc/systemd/system/kubelet.service.d/20-check.conf';
const why = skipReason ?? systemdUnavailableReason();
if (why && !skipReason) console.warn(`[systemdNode] SKIPPED: ${why}`);

describe.skipIf(why)('a lab node under the real systemd', () => {
  let lab: LabState;
  let node: LabNode;
  /** A plain node (the systemctl stand-in) in the same lab. */
  let plain: LabNode;
  let inv: string;
  let journal: string;
  let bootSeconds: number;
  const sh = async (cmd: string) => nodeExec(node, cmd);
  const ssh = async (cmd: string) =>
    (await promisify(execFile)('ssh', ['-i', lab.privateKey, '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${node.ip}`, cmd], { encoding: 'utf8' })).stdout;
  /**
   * The kubelet stand-in's log line for its process `pid` (what it read at start). systemd's
   * restart returns once the process is forked: the line may come a moment later.
   */
  const started = async (pid: string) =>
    (await sh(`for i in $(seq 40); do grep "^kubelet pid ${pid} " /var/log/crane-lab/kubelet.log && exit; sleep 0.05; done`)).stdout;
  /** kubelet as systemd sees it. */
  const kubelet = async () => {
    const out = (await sh('systemctl show --property=MainPID,ActiveState,SubState,NRestarts kubelet')).stdout;
    return Object.fromEntries(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
  };
  const files = async () => (await sh(`sha256sum ${KUBELET_DROPIN} ${KUBELET_CONFIG}; stat -c '%n %a %U %G' ${KUBELET_DROPIN} ${KUBELET_CONFIG}`)).stdout;
  const fix = (ip: string, more: string[] = [], limit = node.name) =>
    cli(['apply', '-i', inv, 'clusterip-dns', '-e', `dns_cluster_ip=${ip}`, '--yes', '--journal-dir', journal, '--json', '--limit', limit, ...more]);

  beforeAll(async () => {
    const t0 = Date.now();
    // Through the CLI, as a user would (labUp({ variants: { node01: { systemd: true } } }) underneath).
    const up = await cli(['lab', 'up', '--nodes', '2', '--dir', DIR, '--no-disks', '--subnet', '29', '--systemd', 'node01']);
    bootSeconds = (Date.now() - t0) / 1000;
    expect(up.code, up.stderr).toBe(0);
    lab = (await readLabState(DIR))!;
    [node, plain] = [lab.nodes[0]!, lab.nodes[1]!];
    const work = path.join(DIR, 'work');
    journal = path.join(work, 'journal');
    fs.mkdirSync(journal, { recursive: true });
    inv = path.join(work, 'nodes.ini');
    fs.writeFileSync(
      inv,
      `[k8s-cluster]\n${node.name} ansible_host=${node.ip} ansible_user=root\n${plain.name} ansible_host=${plain.ip} ansible_user=root\n[all:vars]\nansible_ssh_private_key_file=${lab.privateKey}\n` +
        `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'\n`,
    );
  }, 120_000);

  afterAll(async () => {
    if (!lab) return;
    const down = await labDown({ dir: DIR });
    expect(down.leftovers).toEqual([]);
    expect(fs.existsSync(nodeCgroup(node.dir)), 'the node cgroup is removed').toBe(false);
  });

  it('boots systemd as PID 1; systemctl in an SSH session reaches it over the node\'s own /run/systemd/private', async () => {
    console.log(`[systemdNode] crane-fix lab up, 1 systemd node + 1 plain node: ${bootSeconds.toFixed(2)} s`);
    const out = await ssh('cat /proc/1/comm; systemctl is-system-running; test -S /run/systemd/private && echo private; systemctl list-units --type=service --all --no-legend --plain | cut -d" " -f1 | sort');
    expect(out).toBe('systemd\nrunning\nprivate\ncrane-lab-sshd.service\ndbus.service\nkubelet.service\n');
    // Any other user's systemctl goes through the D-Bus system bus (dbus.socket): reads work,
    // changes are refused (no polkit).
    const nobody = await ssh("su -s /bin/sh nobody -c 'systemctl is-active kubelet; systemctl restart kubelet' 2>&1 || true");
    expect(nobody).toMatch(/^active\nFailed to restart kubelet\.service: Access denied\n/);
    // The session is a process of that systemd: it runs in sshd's unit, in the node's cgroup.
    expect(await ssh('cat /proc/self/cgroup')).toMatch(/^0::\/system\.slice\/crane-lab-sshd\.service$/m);
    const k = await kubelet();
    expect(k).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    const hostPids = fs.readFileSync(path.join(nodeCgroup(node.dir), 'system.slice', 'kubelet.service', 'cgroup.procs'), 'utf8').trim();
    expect(hostPids, 'kubelet is in the node cgroup on this machine').toMatch(/^\d+$/);
    // No systemctl stand-in on this node.
    expect((await sh('command -v systemctl; ls /var/log/crane-lab/systemctl.log 2>&1 || true')).stdout).toMatch(/^\/usr\/bin\/systemctl\n.*No such file/);
  });

  it('daemon-reload is really needed: a restart before it keeps the old drop-in and prints systemd\'s warning', async () => {
    await sh(`sleep 1; sed -i 's/--cluster-domain=cluster.local/--cluster-domain=cluster.local --v=2/' ${KUBELET_DROPIN}`);
    const stale = await sh('systemctl restart kubelet; echo "rc=$?"');
    expect(stale.stderr).toBe("Warning: The unit file, source configuration file or drop-ins of kubelet.service changed on disk. Run 'systemctl daemon-reload' to reload units.\n");
    expect(stale.stdout).toBe('rc=0\n');
    const k1 = await kubelet();
    expect(k1.ActiveState).toBe('active');
    expect(await started(k1.MainPID), 'still the old ExecStart').toMatch(/--cluster-domain=cluster\.local --node-labels/);
    const fresh = await sh('systemctl daemon-reload && systemctl restart kubelet');
    expect(fresh.stderr).toBe('');
    expect(await started((await kubelet()).MainPID)).toMatch(/--cluster-domain=cluster\.local --v=2 --node-labels/);
    await sh(`sed -i 's/ --v=2//' ${KUBELET_DROPIN} && systemctl daemon-reload && systemctl restart kubelet`);
  });

  it('clusterip-dns: dry-run, apply (kubelet really restarted on the new files), no-op, rollback', async () => {
    const before = await files();
    const k0 = await kubelet();
    await nodeExec(plain, ': > /var/log/crane-lab/systemctl.log');

    const dry = await fix('10.9.0.10', ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json.hosts[node.name].status).toBe('changed');
    expect(await files(), 'a dry-run changes nothing').toBe(before);
    expect((await kubelet()).MainPID, 'a dry-run restarts nothing').toBe(k0.MainPID);

    // Both nodes: on the stand-in node the stay-running check finds no Type and does not wait.
    const ap = await fix('10.9.0.10', [], `${node.name},${plain.name}`);
    expect(ap.code, ap.stderr + ap.stdout).toBe(0);
    expect(ap.json.hosts[node.name].status).toBe('changed');
    expect(ap.json.hosts[plain.name].status).toBe('changed');
    const calls = (await nodeExec(plain, 'cut -d" " -f2- /var/log/crane-lab/systemctl.log')).stdout;
    expect(calls).toMatch(/\nsystemctl daemon-reload\nsystemctl restart -- kubelet\nsystemctl show --property=Type,ActiveState,SubState,NRestarts,MainPID,Result,ExecMainStatus -- kubelet\n/);
    const k1 = await kubelet();
    expect(k1.MainPID, 'kubelet restarted').not.toBe(k0.MainPID);
    expect(k1).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    // The new process read the new files (daemon-reload ran: the drop-in's flag is new too).
    expect(await started(k1.MainPID)).toMatch(/ started: clusterDNS 10\.9\.0\.10 10\.9\.0\.10; args: .*--cluster-dns=10\.9\.0\.10 /);

    const again = await fix('10.9.0.10');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.hosts[node.name].status).toBe('ok');
    expect((await kubelet()).MainPID, 'no change, no restart').toBe(k1.MainPID);

    const rb = await cli(['rollback', ap.json.runId, '--journal-dir', journal, '--json']);
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(await files()).toBe(before);
    const k2 = await kubelet();
    expect(k2.MainPID, "the rollback hook restarted kubelet").not.toBe(k1.MainPID);
    expect(k2).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    expect(await started(k2.MainPID)).toContain('clusterDNS 10.96.0.10 10.96.0.10;');
  }, 120_000);

  it('a restart that fails (an ExecStartPre config check) is systemd\'s "Job for kubelet.service failed": the host is rolled back', async () => {
    await sh(`printf '[Service]\\nExecStartPre=/usr/local/bin/kubelet --check $KUBELET_CONFIG_ARGS $KUBELET_DNS_ARGS\\n' > ${CHECK_DROPIN} && systemctl daemon-reload && systemctl restart kubelet`);
    try {
      const before = await files();
      // 10.9.0.300 passes the playbook's dotted-quad assert; kubelet rejects it.
      const r = await fix('10.9.0.300');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      const host = r.json.hosts[node.name];
      expect(host.status, JSON.stringify(host)).toBe('rolled-back');
      expect(host.error).toContain('Job for kubelet.service failed because the control process exited with error code.');
      expect(await files()).toBe(before);
      expect(await kubelet(), 'the rollback hook started kubelet on the restored files').toMatchObject({ ActiveState: 'active', SubState: 'running' });
    } finally {
      await sh(`rm -f ${CHECK_DROPIN} && systemctl daemon-reload && systemctl restart kubelet`);
    }
  }, 120_000);

  it('kubeadm\'s Type=simple Restart=always kubelet that dies at once: restart exits 0, crane-fix still fails and rolls back', async () => {
    // The gap, with systemd alone: restart exits 0 and the unit then loops.
    await sh(`cp ${KUBELET_CONFIG} /var/lib/crane-lab/kubelet-config.saved && sed -i 's/^- 10.96.0.10/- 10.9.0.300/' ${KUBELET_CONFIG}`);
    const raw = await sh('systemctl restart kubelet; echo "rc=$?"; sleep 1.5; for i in 1 2 3 4 5; do systemctl is-active kubelet; sleep 0.1; done | sort -u | paste -sd,; systemctl show -p NRestarts --value kubelet');
    await sh(`cat /var/lib/crane-lab/kubelet-config.saved > ${KUBELET_CONFIG} && systemctl restart kubelet`);
    const [rc, states, restarts] = raw.stdout.trim().split('\n');
    expect(rc).toBe('rc=0');
    // Mostly "activating" (auto-restart); "active" only for the moment each try lives.
    expect(states).toMatch(/activating/);
    expect(Number(restarts)).toBeGreaterThan(0);

    const before = await files();
    const r = await fix('10.9.0.300');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const host = r.json.hosts[node.name];
    expect(host.status, JSON.stringify(host)).toBe('rolled-back');
    expect(host.error).toMatch(/kubelet did not stay running after it was started: systemctl exited 0, but ActiveState=(activating|active) SubState=(auto-restart|running) .*Result=exit-code ExecMainStatus=1/);
    expect(await files()).toBe(before);
    // Back on the restored files: up, and no more restarts.
    const k = await kubelet();
    expect(k).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    await new Promise((res) => setTimeout(res, 1500));
    expect(await kubelet()).toEqual(k);
  }, 120_000);

  it('a kubelet already crash-looping before a good fix: files restored, and the rollback hook\'s restart is reported as failed', async () => {
    const broken = '/etc/systemd/system/kubelet.service.d/30-broken.conf';
    await sh(`printf '[Service]\\nEnvironment="KUBELET_EXTRA_ARGS=--cluster-dns=999.1.1.1"\\n' > ${broken} && systemctl daemon-reload && systemctl restart kubelet`);
    try {
      const before = await files();
      const r = await fix('10.9.0.10');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      const host = r.json.hosts[node.name];
      expect(host.status, JSON.stringify(host)).toBe('failed');
      expect(host.error).toMatch(/^restart kubelet: command failed \(rc 1\): kubelet did not stay running after it was started: .*; ROLLBACK FAILED: rollback hooks failed: a hook command failed/);
      expect(await files(), 'the files are restored before the hook runs').toBe(before);
    } finally {
      await sh(`rm -f ${broken} && systemctl daemon-reload && systemctl restart kubelet`);
    }
    expect(await kubelet()).toMatchObject({ ActiveState: 'active', SubState: 'running' });
  }, 120_000);
});
