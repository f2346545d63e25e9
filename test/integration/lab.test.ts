import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { labUp, labDown, labStatus, nodeExec, type LabState } from '../../src/lab/lab.js';
import { stopNode, startNode, hangNode, resumeNode, rotateHostKey, makeUnwritable, fillDisk, clearDisk } from '../../src/lab/faults.js';
import { skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-test-lab';
const HOST_FILES = ['/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/etc/passwd'];
const sha = (f: string) => (fs.existsSync(f) ? createHash('sha256').update(fs.readFileSync(f)).digest('hex') : 'absent');

function ssh(state: LabState, ip: string, cmd: string, extra: string[] = []) {
  return spawnSync(
    'ssh',
    ['-i', state.privateKey, '-o', `UserKnownHostsFile=${state.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', ...extra, `root@${ip}`, cmd],
    { encoding: 'utf8', timeout: 15_000 },
  );
}

describe.skipIf(skipReason)('lab: 50 real sshd nodes in their own namespaces', () => {
  let state: LabState;
  const hostBefore = Object.fromEntries(HOST_FILES.map((f) => [f, sha(f)]));

  beforeAll(async () => {
    state = await labUp({ nodes: 50, dir: DIR, subnet: 1 });
  }, 120_000);

  afterAll(async () => {
    await labDown({ dir: DIR });
  });

  it('every node answers plain ssh with its own hostname and its own files', async () => {
    // Real OpenSSH client, all 50 at once.
    const results = await Promise.all(
      state.nodes.map(async (n) => {
        const r = await execFileP('ssh', ['-i', state.privateKey, '-o', `UserKnownHostsFile=${state.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${n.ip}`, 'hostname; grep -c "^nameserver" /etc/resolv.conf || true']);
        return { name: n.name, out: r.stdout };
      }),
    );
    for (const n of state.nodes) {
      const out = results.find((r) => r.name === n.name)!.out.trim().split('\n');
      expect(out[0]).toBe(n.hostname);
      expect(Number(out[1])).toBe({ one: 1, three: 3, five: 5, none: 0 }[n.resolv]);
    }
    // Some hostnames carry capitals (for the hostname check), some do not.
    expect(state.nodes.some((n) => /[A-Z]/.test(n.hostname))).toBe(true);
    expect(state.nodes.some((n) => !/[A-Z]/.test(n.hostname))).toBe(true);
  });

  it('seeds Crane-layout kubelet files, docker config and XFS disks (ftype=1 mounted, ftype=0 attached)', async () => {
    const n1 = state.nodes[0]!;
    const r = ssh(state, n1.ip, 'cat /var/lib/kubelet/config.yaml /etc/systemd/system/kubelet.service.d/10-kubelet.conf; ls /etc/kubernetes/manifests; cat /etc/docker/daemon.json');
    expect(r.stdout).toContain('- 10.96.0.10');
    expect(r.stdout).toContain('--cluster-dns=10.96.0.10');
    expect(r.stdout).toContain('kube-apiserver.yaml');
    const withDisk = state.nodes.find((n) => n.diskFtype === 1)!;
    expect(ssh(state, withDisk.ip, 'xfs_info /var/lib/docker').stdout).toMatch(/ftype=1/);
    const noDtype = state.nodes.find((n) => n.diskFtype === 0)!;
    expect(ssh(state, noDtype.ip, `xfs_info ${noDtype.loopDevice}`).stdout).toMatch(/ftype=0/);
  });

  it('systemctl is a recording stand-in inside nodes only', async () => {
    const n = state.nodes[1]!;
    expect(ssh(state, n.ip, 'systemctl daemon-reload && systemctl restart kubelet && systemctl is-active kubelet').stdout.trim()).toBe('active');
    const log = (await nodeExec(n, 'cat /var/log/crane-lab/systemctl.log')).stdout;
    expect(log).toMatch(/systemctl daemon-reload\n.*systemctl restart kubelet\n.*systemctl is-active kubelet/);
    expect(fs.existsSync('/var/log/crane-lab/systemctl.log')).toBe(false);
  });

  it('writes on a node never reach this machine or other nodes', async () => {
    const [a, b] = state.nodes;
    expect(ssh(state, a!.ip, 'echo "nameserver 192.0.2.1" > /etc/resolv.conf && echo x > /etc/crane-fix-canary').status).toBe(0);
    expect(ssh(state, b!.ip, 'test -e /etc/crane-fix-canary; echo $?').stdout.trim()).toBe('1');
    expect(fs.existsSync('/etc/crane-fix-canary')).toBe(false);
    for (const f of HOST_FILES) expect(sha(f), f).toBe(hostBefore[f]);
  });

  it("the benchmark's floor replays each host's own scripts and fails a host whose output lacks --expect", async () => {
    // Before the fault tests: the floor runs every node, and they leave some unreachable.
    // bench/diag/remote-cost.sh prices crane-fix's captured scripts with dist/bench/floor.js;
    // a replay that stopped early (a guard that did not match this node) must not look cheap.
    const dir = fs.mkdtempSync('/tmp/crane-fix-test-floor-');
    try {
      for (const n of state.nodes) {
        fs.writeFileSync(`${dir}/${n.ip}-1.sh`, 'echo first-$(hostname)\n');
        fs.writeFileSync(`${dir}/${n.ip}-2.sh`, `hostname >/dev/null; echo "second ${n.name}"\n`);
      }
      const floor = (...args: string[]) => spawnSync(process.execPath, ['dist/bench/floor.js', DIR, ...args], { encoding: 'utf8', timeout: 60_000 });
      const ok = floor('--expect', 'second', '--script-dir', dir);
      expect(ok.status, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toEqual({ ok: state.nodes.length, failed: [] });
      // One host's last script prints something else: that host, and only it, fails.
      const odd = state.nodes[3]!;
      fs.writeFileSync(`${dir}/${odd.ip}-2.sh`, 'echo "@@CF op 0 guard 0000"\n');
      const bad = floor('--expect', 'second', '--script-dir', dir);
      expect(bad.status).toBe(2);
      const got = JSON.parse(bad.stdout) as { ok: number; failed: string[] };
      expect(got.ok).toBe(state.nodes.length - 1);
      expect(got.failed).toEqual([expect.stringMatching(new RegExp(`^${odd.name}: did not print "second"; its output ended: .*guard 0000`))]);
      // A host with no script of its own is an error, not a host that ran nothing.
      fs.rmSync(`${dir}/${odd.ip}-1.sh`);
      fs.rmSync(`${dir}/${odd.ip}-2.sh`);
      const missing = floor('--script-dir', dir);
      expect(missing.status).not.toBe(0);
      expect(missing.stdout + missing.stderr).toContain(`no ${odd.ip}-<k>.sh in ${dir}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fault: stop and start a node keeps its files', async () => {
    const n = state.nodes[2]!;
    ssh(state, n.ip, 'echo kept > /etc/crane-fix-kept');
    await stopNode(n);
    expect(ssh(state, n.ip, 'true').status).not.toBe(0);
    await startNode(state, n);
    expect(ssh(state, n.ip, 'cat /etc/crane-fix-kept').stdout.trim()).toBe('kept');
  });

  it('fault: a hung node accepts TCP but never answers', async () => {
    const n = state.nodes[3]!;
    await hangNode(n);
    const r = ssh(state, n.ip, 'true', ['-o', 'ConnectTimeout=2']);
    expect(r.status).not.toBe(0);
    expect((await labStatus({ dir: DIR })).nodes.find((x) => x.name === n.name)!.stopped).toBe(true);
    await resumeNode(n);
    expect(ssh(state, n.ip, 'true').status).toBe(0);
  });

  it('fault: a rotated host key is refused by a strict client', async () => {
    const n = state.nodes[4]!;
    await rotateHostKey(state, n);
    const r = ssh(state, n.ip, 'true');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('fault: unwritable file and full disk make writes fail', async () => {
    const n = state.nodes[5]!;
    await makeUnwritable(n, '/etc/docker/daemon.json');
    expect(ssh(state, n.ip, 'echo {} > /etc/docker/daemon.json').status).not.toBe(0);
    await fillDisk(n);
    const r = ssh(state, n.ip, 'head -c 2000000 /dev/zero > /etc/crane-fix-big');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/No space left/);
    await clearDisk(n);
    expect(ssh(state, n.ip, 'head -c 2000000 /dev/zero > /etc/crane-fix-big').status).toBe(0);
  });

  it('lab down leaves no process, mount or loop device behind', async () => {
    const loops = state.nodes.map((n) => n.loopDevice).filter(Boolean);
    const r = await labDown({ dir: DIR });
    expect(r.leftovers).toEqual([]);
    const procs = spawnSync('pgrep', ['-af', DIR], { encoding: 'utf8' }).stdout.trim();
    expect(procs).toBe('');
    const losetup = execFileSync('losetup', ['-a'], { encoding: 'utf8' });
    for (const l of loops) expect(losetup).not.toContain(`${l}:`);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(DIR);
    expect(fs.existsSync(DIR)).toBe(false);
    for (const f of HOST_FILES) expect(sha(f), f).toBe(hostBefore[f]);
  });
});
