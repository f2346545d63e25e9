/**
 * Issue 3's "done when", on 6 real lab nodes through the real CLI:
 * dry-run changes no byte and shows diffs; apply changes exactly what the diffs said;
 * a second apply changes nothing; a failing node is restored byte-identically while the
 * others complete (exit 2); `rollback <run-id>` restores every node; unknown/changed host
 * keys are refused; a stopped node gives exit 4; bad input gives exit 1 with file:line:col
 * and contacts no node.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { failUnitStart, rotateHostKey, stopNode, startNode, systemctlCalls, makeUnwritable, recordFlock, flockCalls } from '../../src/lab/faults.js';
import { cli, skipReason, ROOT, connectionsSeen } from './labHelpers.js';

// CRANE_FIX_TEST_SUBNET: a second checkout can run this suite at the same time on its own lab.
const SUBNET = Number(process.env.CRANE_FIX_TEST_SUBNET ?? 2);
const DIR = `/tmp/crane-fix-test-engine${SUBNET === 2 ? '' : `-${SUBNET}`}`;
const FILES = ['/etc/systemd/system/kubelet.service.d/10-kubelet.conf', '/var/lib/kubelet/config.yaml'];
const FIX = path.join(ROOT, 'playbooks', 'clusterip-dns.yaml');

async function fileState(n: LabNode, files = FILES): Promise<string> {
  const r = await nodeExec(n, files.map((f) => `if [ -e ${f} ]; then stat -c '%n %a %u %g %s' ${f}; sha256sum ${f}; else echo "${f} absent"; fi`).join('; '));
  return r.stdout;
}

/** systemctl calls that change something (the stand-in also logs read-only queries). */
const mutating = (c: string) => /^(daemon-reload|start|stop|restart|reload|try-restart|enable|disable)\b/.test(c);

async function allStates(state: LabState): Promise<string[]> {
  return Promise.all(state.nodes.map((n) => fileState(n)));
}

describe.skipIf(skipReason)('engine on real SSH nodes', () => {
  let state: LabState;
  let journal: string;
  let inv: string;
  let original: string[];
  const base = () => ['-i', inv, '--journal-dir', journal];

  beforeAll(async () => {
    state = await labUp({ nodes: 6, dir: DIR, disks: false, subnet: SUBNET });
    journal = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-journal-'));
    inv = state.inventoryIni;
    original = await allStates(state);
  }, 120_000);

  afterAll(async () => {
    await labDown({ dir: DIR });
    fs.rmSync(journal, { recursive: true, force: true });
  });

  it('dry-run shows the diffs and changes no byte on any node', async () => {
    const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.mode).toBe('dry-run');
    expect(Object.keys(r.json.hosts)).toHaveLength(6);
    for (const h of Object.values<any>(r.json.hosts)) {
      const diffs = h.tasks.filter((t: any) => t.diff).map((t: any) => t.diff).join('');
      expect(diffs).toContain('-Environment="KUBELET_DNS_ARGS=--cluster-dns=10.96.0.10 --cluster-domain=cluster.local"');
      expect(diffs).toContain('+Environment="KUBELET_DNS_ARGS=--cluster-dns=10.9.0.10 --cluster-domain=cluster.local"');
      expect(diffs).toContain('+- 10.9.0.10  # CoreDNS service ClusterIP');
      expect(h.tasks.some((t: any) => t.name === 'restart kubelet' && t.changed)).toBe(true);
    }
    expect(await allStates(state)).toEqual(original);
    // Facts may read unit state (show/is-active); nothing may start, stop or reload.
    for (const n of state.nodes) expect((await systemctlCalls(n)).filter(mutating)).toEqual([]);
  });

  let applyRun = '';
  it('apply changes exactly what the diffs said, restarts kubelet once, verifies', async () => {
    const dry = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run', '--json']);
    const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--json', '--diff']);
    expect(r.code, r.stderr).toBe(0);
    applyRun = r.json.runId;
    for (const n of state.nodes) {
      const h = r.json.hosts[n.name];
      expect(h.status).toBe('changed');
      // The applied diffs are the dry-run's diffs, task for task.
      expect(h.tasks.filter((t: any) => t.diff).map((t: any) => t.diff)).toEqual(dry.json.hosts[n.name].tasks.filter((t: any) => t.diff).map((t: any) => t.diff));
      const cfg = (await nodeExec(n, `cat ${FILES[1]}`)).stdout;
      expect(cfg).toContain('- 10.9.0.10  # CoreDNS service ClusterIP');
      expect(cfg).not.toContain('10.96.0.10');
      const calls = (await systemctlCalls(n)).filter(mutating);
      expect(calls).toEqual(['daemon-reload', 'restart kubelet']);
      expect(await systemctlCalls(n)).toContain('is-active kubelet');
      // One session; 3 round trips: gather, the notified handler's unit state (an apply reads
      // it only once a task notifies it), then apply (tasks + handler + first verify attempt).
      expect(h.sessions).toBe(1);
      expect(h.roundTrips).toBe(3);
      // Mode and owner kept.
      const st = await fileState(n);
      expect(st.split('\n')[0]).toMatch(/ 644 0 0 /);
    }
    // Rolling: serial 25% of 6 hosts = batches of 1.
    expect(r.stderr.match(/^changed .* handler \[restart kubelet\]/gm)).toHaveLength(6);
  });

  it('a second apply changes nothing, in one session per host, and never asks systemd', async () => {
    const before = await Promise.all(state.nodes.map(async (n) => (await systemctlCalls(n)).length));
    const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.summary).toMatchObject({ changed: 0, ok: 6, failed: 0 });
    for (const h of Object.values<any>(r.json.hosts)) {
      expect(h.tasks.every((t: any) => !t.changed)).toBe(true);
      expect(h.sessions).toBe(1);
      expect(h.roundTrips).toBe(1); // the gather: nothing to apply
    }
    // No task notified the handler: its unit's state was never read (no `systemctl show`).
    for (const [k, n] of state.nodes.entries()) expect((await systemctlCalls(n)).slice(before[k])).toEqual([]);
    // A dry-run reads it with the other facts, whatever it finds (here: nothing to do).
    const dry = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run', '--json', '--limit', state.nodes[0]!.name]);
    expect(dry.code, dry.stderr).toBe(0);
    expect((await systemctlCalls(state.nodes[0]!)).slice(before[0]).filter((c) => c.startsWith('show'))).toHaveLength(1);
  });

  it('rollback <run-id> restores every node byte-identically and re-runs the hooks', async () => {
    const dry = await cli(['rollback', applyRun, '--journal-dir', journal, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.stringify(dry.json)).toContain('-- 10.9.0.10');
    expect(await allStates(state)).not.toEqual(original);
    const r = await cli(['rollback', applyRun, '--journal-dir', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.summary.rolledBack).toBe(6);
    expect(await allStates(state)).toEqual(original);
    for (const n of state.nodes) expect((await systemctlCalls(n)).filter(mutating).slice(-2)).toEqual(['daemon-reload', 'restart kubelet']);
  });

  it('a failing verify on one node restores that node byte-identically; others complete; exit 2', async () => {
    const bad = state.nodes[2]!;
    // kubelet on this node will not start with the new DNS IP in its config (but will with the old).
    await failUnitStart(bad, 'kubelet', true, { pattern: '10.9.0.10', file: FILES[1]! });
    try {
      const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--serial', '100%', '--json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.json.hosts[bad.name].status).toBe('rolled-back');
      expect(r.json.hosts[bad.name].error).toMatch(/kubelet/);
      expect(await fileState(bad)).toBe(original[2]);
      for (const n of state.nodes.filter((x) => x !== bad)) {
        expect(r.json.hosts[n.name].status).toBe('changed');
        expect((await nodeExec(n, `cat ${FILES[1]}`)).stdout).toContain('10.9.0.10');
      }
      expect(r.json.summary).toMatchObject({ changed: 5, rolledBack: 1 });
      const again = await cli(['rollback', r.json.runId, '--journal-dir', journal]);
      expect(again.code, again.stderr).toBe(0);
      expect(await allStates(state)).toEqual(original);
    } finally {
      await failUnitStart(bad, 'kubelet', false);
    }
  });

  it('a verify whose first attempt (in the apply script) fails is retried on its own, then restores', async () => {
    const n = state.nodes[4]!;
    const pb = path.join(journal, 'verify-fails.yaml');
    fs.writeFileSync(
      pb,
      [
        '- hosts: all',
        '  tasks:',
        '    - name: mark',
        '      lineinfile: {path: /etc/verify-mark, line: marked, create: true}',
        '  verify:',
        '    - name: a unit that never comes up',
        '      command: systemctl is-active never-up',
        '      register: up',
        '      until: up is succeeded',
        '      retries: 2',
        '      delay: 0',
        '',
      ].join('\n'),
    );
    const checks = async () => (await systemctlCalls(n)).filter((c) => c === 'is-active never-up').length;
    const before = await checks();
    const r = await cli(['apply', ...base(), pb, '--limit', n.name, '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.json.hosts[n.name].status).toBe('rolled-back');
    expect(r.json.hosts[n.name].error).toMatch(/verify .* failed after 3 attempts/);
    // 3 attempts in all: the first at the end of the apply script, 2 retries on their own.
    expect((await checks()) - before).toBe(3);
    // gather, apply (+ first attempt), 2 retries, restore
    expect(r.json.hosts[n.name].roundTrips).toBe(5);
    expect((await nodeExec(n, 'test -e /etc/verify-mark; echo $?')).stdout.trim()).toBe('1');
  });

  it('a file that cannot be replaced fails the host and restores what it had written', async () => {
    const n = state.nodes[3]!;
    await makeUnwritable(n, FILES[1]!);
    const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--limit', n.name, '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.json.hosts[n.name].status).toBe('rolled-back');
    expect(await fileState(n)).toBe(original[3]);
    await nodeExec(n, `umount ${FILES[1]}`);
  });

  it('an unknown host key is refused (exit 4); --accept-new-host-keys records it', async () => {
    const empty = path.join(journal, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run', '--known-hosts', empty, '--limit', 'node01', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.hosts.node01.status).toBe('unreachable');
    expect(r.json.hosts.node01.error).toMatch(/host key .* is unknown/);
    const ok = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run', '--known-hosts', empty, '--accept-new-host-keys', '--limit', 'node01', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(fs.readFileSync(empty, 'utf8')).toContain(`${state.nodes[0]!.ip} ssh-ed25519 `);
  });

  it('a changed host key is refused even with --accept-new-host-keys', async () => {
    const n = state.nodes[5]!;
    await rotateHostKey(state, n);
    const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--accept-new-host-keys', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.hosts[n.name].status).toBe('unreachable');
    expect(r.json.hosts[n.name].error).toMatch(/CHANGED/);
    expect(await fileState(n)).toBe(original[5]);
    expect(r.json.summary.changed).toBe(5);
    await cli(['rollback', r.json.runId, '--journal-dir', journal]);
    await rotateHostKey(state, n, true);
  });

  it('a stopped node is unreachable (exit 4) while the others are done', async () => {
    const n = state.nodes[4]!;
    await stopNode(n);
    try {
      // One batch: the playbook's max_fail_percentage 0 would (rightly, as Ansible) stop a
      // rolling run after the batch with the unreachable host.
      const r = await cli(['apply', ...base(), FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--serial', '100%', '--json']);
      expect(r.code).toBe(4);
      expect(r.json.hosts[n.name].status).toBe('unreachable');
      expect(r.json.summary).toMatchObject({ unreachable: 1, changed: 5, failed: 0 });
      await cli(['rollback', r.json.runId, '--journal-dir', journal]);
    } finally {
      await startNode(state, n);
    }
    expect(await allStates(state)).toEqual(original);
  });

  it('two concurrent runs never change the same host at once: the second waits, or fails "locked by run <id>"', async () => {
    const n = state.nodes[0]!;
    const pb = path.join(journal, 'slow.yaml');
    fs.writeFileSync(
      pb,
      `- hosts: all\n  tasks:\n    - name: trace\n      shell: echo "{{ tag }} start" >> /etc/lock-trace; sleep 2; echo "{{ tag }} end" >> /etc/lock-trace\n`,
    );
    await nodeExec(n, 'rm -f /etc/lock-trace');
    const a = cli(['apply', ...base(), pb, '-e', 'tag=A', '--limit', n.name, '--json']);
    await new Promise((r) => setTimeout(r, 700));
    const b = cli(['apply', ...base(), pb, '-e', 'tag=B', '--limit', n.name, '--json', '--lock-timeout', '30']);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    // Not interleaved: A ran whole, then B.
    expect((await nodeExec(n, 'cat /etc/lock-trace')).stdout).toBe('A start\nA end\nB start\nB end\n');

    const c = cli(['apply', ...base(), pb, '-e', 'tag=C', '--limit', n.name, '--json']);
    await new Promise((r) => setTimeout(r, 700));
    const d = await cli(['apply', ...base(), pb, '-e', 'tag=D', '--limit', n.name, '--json', '--lock-timeout', '0']);
    const rc = await c;
    expect(d.code).toBe(2);
    expect(d.json.hosts[n.name].status).toBe('failed');
    expect(d.json.hosts[n.name].error).toContain(`locked by run ${rc.json.runId}`);
    expect((await nodeExec(n, 'cat /etc/lock-trace')).stdout).toBe('A start\nA end\nB start\nB end\nC start\nC end\n');
    await nodeExec(n, 'rm -f /etc/lock-trace');
  });

  // The host lock is taken only when a run is about to change a host (src/engine/remoteScript.ts
  // `LockSpec`): every process on a node costs CPU (bench/README.md).
  describe('the host lock, taken only for a change', () => {
    const owner = async (n: LabNode) => (await nodeExec(n, 'cat /run/lock/crane-fix.owner 2>/dev/null')).stdout;
    const lines = (file: string, ...ls: string[]) => `- hosts: all\n  tasks:\n${ls.map((l, i) => `    - name: line ${i}\n      lineinfile: {path: ${file}, line: "${l}"}\n`).join('')}`;
    const write = (name: string, text: string) => {
      const f = path.join(journal, name);
      fs.writeFileSync(f, text);
      return f;
    };

    it('a no-op apply and a dry-run start no flock on a host nobody holds; a change starts exactly one', async () => {
      const n = state.nodes[1]!;
      await recordFlock(n);
      await nodeExec(n, "printf 'x=1\\n' > /etc/lazy-lock-a; : > /run/lock/crane-fix.owner");
      const before = (await flockCalls(n)).length;
      const noop = await cli(['apply', ...base(), write('noop.yaml', lines('/etc/lazy-lock-a', 'x=1')), '--limit', n.name, '--json']);
      expect(noop.code, noop.stderr).toBe(0);
      expect(noop.json.hosts[n.name].status).toBe('ok');
      const dry = await cli(['apply', ...base(), write('change.yaml', lines('/etc/lazy-lock-a', 'x=2')), '--limit', n.name, '--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json.hosts[n.name].status).toBe('changed');
      expect((await flockCalls(n)).slice(before)).toEqual([]);
      // The recorder sees the one flock a change needs (so the empty list above means something).
      const apply = await cli(['apply', ...base(), path.join(journal, 'change.yaml'), '--limit', n.name, '--json']);
      expect(apply.code, apply.stderr).toBe(0);
      expect(apply.json.hosts[n.name].status).toBe('changed');
      expect(apply.json.hosts[n.name].roundTrips).toBe(2);
      expect((await flockCalls(n)).slice(before)).toEqual(['-n -x 9']);
      // Released at the end of the run: the next dry-run again needs no flock.
      expect(await owner(n)).toBe('');
      const dry2 = await cli(['apply', ...base(), path.join(journal, 'change.yaml'), '--limit', n.name, '--dry-run', '--json']);
      expect(dry2.json.hosts[n.name].status).toBe('ok');
      expect((await flockCalls(n)).slice(before)).toEqual(['-n -x 9']);
      await nodeExec(n, 'rm -f /etc/lazy-lock-a');
    });

    it('a dry-run started while an apply holds the lock waits for it and shows the host after it', async () => {
      const n = state.nodes[1]!;
      await nodeExec(n, "printf 'x=1\\n' > /etc/lazy-lock-b; : > /run/lock/crane-fix.owner");
      // The apply takes the lock with its first step (the sleep) and changes the file only
      // after it: a dry-run that did not wait would see x=1 and plan a change.
      const pbA = write('slow-b.yaml', `- hosts: all\n  tasks:\n    - name: hold\n      shell: sleep 3\n    - name: set\n      lineinfile: {path: /etc/lazy-lock-b, regexp: '^x=', line: x=3}\n`);
      const a = cli(['apply', ...base(), pbA, '--limit', n.name, '--json']);
      const deadline = Date.now() + 20_000;
      while ((await owner(n)) === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await owner(n)).not.toBe('');
      const t0 = Date.now();
      const d = await cli(['apply', ...base(), write('want-b.yaml', `- hosts: all\n  tasks:\n    - name: want\n      lineinfile: {path: /etc/lazy-lock-b, regexp: '^x=', line: x=3}\n`), '--limit', n.name, '--dry-run', '--json']);
      const ra = await a;
      expect(ra.code, ra.stderr).toBe(0);
      expect(d.code, d.stderr).toBe(0);
      expect(Date.now() - t0).toBeGreaterThan(1000); // it waited
      expect(d.json.hosts[n.name].status).toBe('ok'); // x=3 already: the state after the apply
      expect(d.json.hosts[n.name].tasks[0].changed).toBe(false);
      // It waited in its gather (the owner file was set), not after reading a half-done host.
      expect(d.json.hosts[n.name].roundTrips).toBe(1);
      await nodeExec(n, 'rm -f /etc/lazy-lock-b');
    });

    it('a stale owner file (its run is gone, nobody holds the lock) does not block a dry-run', async () => {
      const n = state.nodes[1]!;
      await nodeExec(n, "printf 'x=1\\n' > /etc/lazy-lock-a; printf 'dead-run\\n' > /run/lock/crane-fix.owner");
      const before = (await flockCalls(n)).length;
      const t0 = Date.now();
      const d = await cli(['apply', ...base(), path.join(journal, 'change.yaml'), '--limit', n.name, '--dry-run', '--lock-timeout', '0', '--json']);
      expect(d.code, d.stderr).toBe(0);
      expect(d.json.hosts[n.name].status).toBe('changed');
      expect(d.json.hosts[n.name].roundTrips).toBe(1); // locked in the gather, facts read once
      expect(Date.now() - t0).toBeLessThan(10_000);
      // One shared flock, at once; the dry-run then released the owner record it wrote.
      expect((await flockCalls(n)).slice(before)).toEqual(['-n -s 9']);
      expect(await owner(n)).toBe('');
      await nodeExec(n, 'rm -f /etc/lazy-lock-a');
    });

    it('relock: a run whose facts another run changed waits, starts again from the facts, applies on top; its rollback restores the other run\'s result', async () => {
      const n = state.nodes[1]!;
      const f = '/etc/lazy-lock-d';
      await nodeExec(n, `printf 'orig\\n' > ${f}; : > /run/lock/crane-fix.owner`);
      // A holds the lock from its first step (a sleep), then adds its line.
      const pbA = write('relock-a.yaml', `- hosts: all\n  tasks:\n    - name: hold\n      shell: sleep 3\n    - name: a\n      lineinfile: {path: ${f}, line: a=1}\n`);
      const a = cli(['apply', ...base(), pbA, '--limit', n.name, '--json']);
      const deadline = Date.now() + 20_000;
      while ((await owner(n)) === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // B reads 'orig' (A has not written yet), then its change waits for A's lock.
      const b = await cli(['apply', ...base(), write('relock-b.yaml', lines(f, 'b=1')), '--limit', n.name, '--json', '--lock-timeout', '30']);
      const ra = await a;
      expect(ra.code, ra.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(b.json.hosts[n.name].status).toBe('changed');
      expect(b.json.hosts[n.name].notes.join(' ')).toMatch(/another run held the host lock/);
      expect((await nodeExec(n, `cat ${f}`)).stdout).toBe('orig\na=1\nb=1\n');
      const events = fs.readFileSync(path.join(journal, b.json.runId, 'events.jsonl'), 'utf8');
      expect(events).toContain('"type":"snapshots-void"');
      const rb = await cli(['rollback', b.json.runId, '--journal-dir', journal, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      expect((await nodeExec(n, `cat ${f}`)).stdout).toBe('orig\na=1\n');
      await nodeExec(n, `rm -f ${f}`);
    });
  });

  it('ProxyJump from an ssh_config reaches a node through a bastion node', async () => {
    const [bastion, target] = [state.nodes[0]!, state.nodes[1]!];
    const cfg = path.join(journal, 'ssh_config');
    fs.writeFileSync(cfg, `Host ${target.ip}\n  ProxyJump root@${bastion.ip}\nHost ${bastion.ip}\n  IdentityFile ${state.privateKey}\n`);
    const invFile = path.join(journal, 'jump.ini');
    fs.writeFileSync(invFile, `[kube-node]\nbehind-bastion ansible_host=${target.ip}\n[k8s-cluster:children]\nkube-node\n[all:vars]\nansible_ssh_user=root\nansible_ssh_private_key_file=${state.privateKey}\nansible_ssh_common_args='-o UserKnownHostsFile=${state.knownHosts}'\n`);
    const accepted = () => (fs.readFileSync(path.join(bastion.dir, 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    const r = await cli(['apply', '-i', invFile, '-F', cfg, FIX, '-e', 'dns_cluster_ip=10.9.0.10', '--dry-run', '--journal-dir', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.hosts['behind-bastion'].status).toBe('changed');
    expect(accepted()).toBe(before + 1); // one login on the bastion: the jump
  });

  it('malformed inventory or playbook: exit 1 naming file:line:col, no node contacted', async () => {
    const before = state.nodes.map(connectionsSeen);
    const badInv = path.join(journal, 'bad.yaml');
    fs.writeFileSync(badInv, 'all:\n  hosts:\n    node01: {ansible_host: 127.0.0.11\n');
    const r1 = await cli(['apply', '-i', badInv, FIX, '-e', 'dns_cluster_ip=10.9.0.10']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(new RegExp(`${badInv}:\\d+:\\d+`));
    const badPb = path.join(journal, 'bad-playbook.yaml');
    fs.writeFileSync(badPb, '- hosts: all\n  tasks:\n    - name: typo in an option\n      replace:\n        path: /etc/x\n        regex: a\n        replace: b\n');
    const r2 = await cli(['apply', ...base(), badPb]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`${badPb}:6:9`);
    const r3 = await cli(['apply', ...base(), FIX]); // dns_cluster_ip missing
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/dns_cluster_ip/);
    const r4 = await cli(['apply', ...base(), 'no-such-fix']);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/unknown fix id 'no-such-fix'.*clusterip-dns/);
    expect(state.nodes.map(connectionsSeen)).toEqual(before);
  });
});
