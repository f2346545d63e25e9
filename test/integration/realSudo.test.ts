/**
 * Issue 19: become through the REAL sudo package on lab nodes whose login user is `admin`
 * (src/lab/users.ts): NOPASSWD, password (env var and inventory), a wrong and a missing
 * password, requiretty, no sudo rights, become_user other than root; owner and mode kept
 * through apply and rollback; the password never in output, journal, the node's `ps`, the
 * sshd log (LogLevel DEBUG3) or sudo's log. Subnet 20 (issue 19's 20-29).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { CLI, cli, skipReason } from './labHelpers.js';

const DIR = '/tmp/crane-fix-19a-sudo';
const PW = `sudo-${randomBytes(4).toString('hex')}-P@ss`;
const FILE = '/var/lib/kubelet/config.yaml';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipReason)('real sudo on lab nodes', () => {
  let lab: LabState;
  let work: string;
  let journal: string;
  const n = (i: number): LabNode => lab.nodes[i]!;
  const stat = async (node: LabNode) => (await nodeExec(node, `stat -c '%a %U %G' ${FILE}; sha256sum ${FILE}`)).stdout;

  function inventory(name: string, extra: Record<string, string> = {}): string {
    const lines = lab.nodes.map((x) => `${x.name} ansible_host=${x.ip} ansible_user=admin ansible_become=true ${Object.entries(extra).map(([k, v]) => `${k}='${v}'`).join(' ')}`);
    lines.push('[all:vars]', `ansible_ssh_private_key_file=${lab.privateKey}`, `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'`);
    const f = path.join(work, name);
    fs.writeFileSync(f, lines.join('\n') + '\n');
    return f;
  }
  const pb = (name: string, text: string) => {
    const f = path.join(work, name);
    fs.writeFileSync(f, text);
    return f;
  };
  let edit: string;

  beforeAll(async () => {
    lab = await labUp({
      nodes: 4,
      dir: DIR,
      disks: false,
      subnet: 20,
      variants: {
        node01: { user: { name: 'admin', password: PW, sudo: 'nopasswd' }, serviceUsers: ['kubeops'], sshdLogLevel: 'DEBUG3' },
        node02: { user: { name: 'admin', password: PW, sudo: 'password' }, sshdLogLevel: 'DEBUG3' },
        node03: { user: { name: 'admin', password: PW, sudo: 'requiretty' } },
        node04: { user: { name: 'admin', password: PW, sudo: 'none' } },
      },
    });
    work = path.join(DIR, 'work');
    journal = path.join(work, 'journal');
    fs.mkdirSync(journal, { recursive: true });
    // An owner and mode that a write through sudo could lose (a root 0644 default).
    for (const x of lab.nodes) await nodeExec(x, `chown root:daemon ${FILE} && chmod 0640 ${FILE}`);
    edit = pb('edit.yaml', `- hosts: all\n  tasks:\n    - lineinfile: {path: ${FILE}, line: "# crane-19 sudo", insertafter: EOF}\n    - name: slow\n      shell: sleep 3\n      changed_when: false\n`);
  }, 120_000);

  afterAll(async () => {
    if (lab) await labDown({ dir: DIR });
  });

  it('NOPASSWD: dry-run, apply (owner and mode kept), no-op, rollback — all through sudo', async () => {
    const inv = inventory('nopasswd.ini');
    const before = await stat(n(0));
    const args = ['apply', '-i', inv, edit, '--limit', 'node01', '--journal-dir', journal, '--json'];
    const dry = await cli([...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json.hosts.node01.status).toBe('changed');
    expect(await stat(n(0))).toBe(before);
    const ap = await cli(args);
    expect(ap.code, ap.stderr).toBe(0);
    const after = await stat(n(0));
    expect(after).not.toBe(before);
    expect(after.split('\n')[0]).toBe('640 root daemon');
    const again = await cli(args);
    expect(again.json.hosts.node01.status).toBe('ok');
    const rb = await cli(['rollback', ap.json.runId, '--journal-dir', journal, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await stat(n(0))).toBe(before);
    // It really was sudo (its own log names the shell it started as root).
    expect((await nodeExec(n(0), 'cat /var/log/crane-lab/sudo.log')).stdout).toMatch(/admin : [\s\S]*USER=root ;\s+COMMAND=\/usr\/bin\/sh\s+-s/);
  }, 120_000);

  // become_user kubeops on a host where root runs (the NOPASSWD test above) already made the
  // host lock: the lock files are shared by every user (engine/script/hostLock.ts), so the
  // kubeops run can take the same lock, and a file it writes belongs to kubeops.
  it('become_user other than root: dry-run, apply (file owned by that user), no-op, rollback', async () => {
    const inv = inventory('bu.ini', { ansible_become_user: 'kubeops' });
    const note = '/var/home/kubeops/note';
    await nodeExec(n(0), `printf 'old\\n' > ${note} && chown kubeops:kubeops ${note} && chmod 0600 ${note}`);
    const noteStat = async () => (await nodeExec(n(0), `stat -c '%a %U %G' ${note}; cat ${note}`)).stdout;
    const before = await noteStat();
    expect(before).toBe('600 kubeops kubeops\nold\n');
    // Root runs happened on this node first: the lock files are root's, and writable by all.
    expect((await nodeExec(n(0), 'stat -c "%a %U" /run/lock/crane-fix.lock /run/lock/crane-fix.owner')).stdout).toBe('666 root\n666 root\n');
    const p = pb('bu.yaml', `- hosts: all\n  tasks:\n    - lineinfile: {path: ${note}, line: "hi", insertafter: EOF}\n    - copy: {dest: /var/home/kubeops/new, content: "new\\n"}\n`);
    const args = ['apply', '-i', inv, p, '--limit', 'node01', '--journal-dir', journal, '--json'];
    const dry = await cli([...args, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json.hosts.node01.status).toBe('changed');
    expect(await noteStat()).toBe(before);
    const ap = await cli(args);
    expect(ap.code, ap.stderr).toBe(0);
    expect(ap.json.hosts.node01.status).toBe('changed');
    expect(await noteStat()).toBe('600 kubeops kubeops\nold\nhi\n');
    expect((await nodeExec(n(0), 'stat -c "%U %G" /var/home/kubeops/new')).stdout.trim()).toBe('kubeops kubeops');
    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.hosts.node01.status).toBe('ok');
    const rb = await cli(['rollback', ap.json.runId, '--journal-dir', journal, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await noteStat()).toBe(before);
    expect((await nodeExec(n(0), 'test -e /var/home/kubeops/new && echo there || echo gone')).stdout.trim()).toBe('gone');
    // It really ran as kubeops through sudo.
    expect((await nodeExec(n(0), 'cat /var/log/crane-lab/sudo.log')).stdout).toMatch(/USER=kubeops ;\s+COMMAND=\/usr\/bin\/sh\s+-s/);
  }, 120_000);

  it('become_user on a host whose lock files an older crane-fix made 0644: a clear error, nothing changed', async () => {
    await nodeExec(n(0), 'chmod 0644 /run/lock/crane-fix.lock /run/lock/crane-fix.owner');
    try {
      const note = '/var/home/kubeops/note';
      const before = (await nodeExec(n(0), `sha256sum ${note}`)).stdout;
      const p = pb('bu2.yaml', `- hosts: all\n  tasks:\n    - lineinfile: {path: ${note}, line: "again", insertafter: EOF}\n`);
      const r = await cli(['apply', '-i', inventory('bu.ini', { ansible_become_user: 'kubeops' }), p, '--limit', 'node01', '--journal-dir', journal, '--json']);
      expect(r.code).toBe(2);
      expect(r.json.hosts.node01.error).toMatch(/host lock files \/run\/lock\/crane-fix.lock .* not writable .*chmod 0666/);
      expect((await nodeExec(n(0), `sha256sum ${note}`)).stdout).toBe(before);
    } finally {
      await nodeExec(n(0), 'chmod 0666 /run/lock/crane-fix.lock /run/lock/crane-fix.owner');
    }
  }, 60_000);

  it('password sudo (env var): works; the password is in no output, journal, ps sample, sshd log or sudo log', async () => {
    const inv = inventory('password.ini');
    const before = await stat(n(1));
    const child = spawn(process.execPath, [CLI, 'apply', '-i', inv, edit, '--limit', 'node02', '--journal-dir', journal, '--json', '--diff'], {
      env: { ...process.env, CRANE_FIX_BECOME_PASSWORD: PW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let running = true;
    const exited = new Promise<number | null>((r) => child.on('close', (c) => ((running = false), r(c))));
    const samples: string[] = [];
    while (running) {
      samples.push((await nodeExec(n(1), 'ps -eo args')).stdout);
      await sleep(150);
    }
    expect(await exited, stderr).toBe(0);
    expect(samples.some((s) => s.includes('sleep 3')), 'ps was sampled while the slow task ran').toBe(true);
    const runId = JSON.parse(stdout).runId as string;
    const after = await stat(n(1));
    expect(after.split('\n')[0]).toBe('640 root daemon');
    const rb = await cli(['rollback', runId, '--journal-dir', journal], { env: { CRANE_FIX_BECOME_PASSWORD: PW } });
    expect(rb.code, rb.stderr).toBe(0);
    expect(await stat(n(1))).toBe(before);
    const journalText = fs.readdirSync(path.join(journal, runId)).map((f) => fs.readFileSync(path.join(journal, runId, f), 'utf8')).join('');
    const sshdLog = fs.readFileSync(path.join(n(1).dir, 'sshd.log'), 'utf8');
    expect(sshdLog).toMatch(/debug3/); // it really is DEBUG3
    const sudoLog = (await nodeExec(n(1), 'cat /var/log/crane-lab/sudo.log')).stdout;
    for (const [where, text] of Object.entries({ stdout, stderr, journalText, ps: samples.join('\n'), sshdLog, sudoLog, rollback: rb.stdout + rb.stderr })) {
      expect(text.includes(PW), `${where} holds the password`).toBe(false);
    }
  }, 120_000);

  it('password from the inventory (ansible_become_password) works', async () => {
    const r = await cli(['apply', '-i', inventory('invpw.ini', { ansible_become_password: PW }), edit, '--limit', 'node02', '--dry-run', '--journal-dir', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(PW);
  }, 60_000);

  it('a wrong password: clear error, nothing changed, no hang', async () => {
    const before = await stat(n(1));
    const t0 = Date.now();
    const r = await cli(['apply', '-i', inventory('password.ini'), edit, '--limit', 'node02', '--journal-dir', journal, '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: 'wrong-one' }, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.json.hosts.node02.error).toMatch(/sudo rejected the become password .*nothing was changed/);
    expect(Date.now() - t0).toBeLessThan(45_000);
    expect(await stat(n(1))).toBe(before);
  }, 60_000);

  it('no password given for password sudo: says how to give one', async () => {
    const r = await cli(['apply', '-i', inventory('password.ini'), edit, '--limit', 'node02', '--journal-dir', journal, '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: '' } });
    expect(r.code).toBe(2);
    expect(r.json.hosts.node02.error).toMatch(/needs a password .*--ask-become-pass/);
  }, 60_000);

  it('requiretty: a clear error naming the sudoers fix, nothing changed', async () => {
    const before = await stat(n(2));
    const r = await cli(['apply', '-i', inventory('password.ini'), edit, '--limit', 'node03', '--journal-dir', journal, '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: PW } });
    expect(r.code).toBe(2);
    expect(r.json.hosts.node03.error).toMatch(/requiretty.*Defaults:admin !requiretty/);
    expect(await stat(n(2))).toBe(before);
  }, 60_000);

  // The same start-failure messages from `check` (engine/startFailure.ts), which reads facts only.
  it('check: sudo refusals give the same clear errors as apply; NOPASSWD and password sudo check', async () => {
    const r = await cli(['check', '-i', inventory('password.ini'), '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: PW }, timeoutMs: 60_000 });
    expect(r.json, r.stderr).toBeTruthy();
    const h = r.json.hosts;
    for (const ok of ['node01', 'node02']) {
      expect(h[ok].reachable, h[ok].error).toBe(true);
      expect(Object.keys(h[ok].results).length).toBeGreaterThan(0);
    }
    expect(h.node03.error).toMatch(/^cannot become root with sudo: sudoers on this host has 'Defaults requiretty'.*Defaults:admin !requiretty.*nothing was changed/);
    expect(h.node04.error).toMatch(/^cannot become root with sudo: admin has no sudo rights/);
    const wrong = await cli(['check', '-i', inventory('password.ini'), '--limit', 'node02', '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: 'wrong-one' }, timeoutMs: 60_000 });
    expect(wrong.json.hosts.node02.error, wrong.stderr).toMatch(/^cannot become root with sudo: sudo rejected the become password for admin .*nothing was changed/);
    for (const secret of [PW, 'wrong-one']) expect(r.stdout + r.stderr + wrong.stdout + wrong.stderr).not.toContain(secret);
  }, 90_000);

  it('no sudo rights: a clear error before any change', async () => {
    const before = await stat(n(3));
    const r = await cli(['apply', '-i', inventory('password.ini'), edit, '--limit', 'node04', '--journal-dir', journal, '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: PW } });
    expect(r.code).toBe(2);
    expect(r.json.hosts.node04.error).toMatch(/admin has no sudo rights/);
    expect(await stat(n(3))).toBe(before);
  }, 60_000);
});
