/**
 * Issue 19 part 4 (first slice): files with CRLF, no trailing newline, a UTF-8 BOM, and 0 bytes.
 * crane-fix's lineinfile and replace must leave exactly the bytes ansible-playbook leaves
 * (run on the same lab node, same seed). The dry-run diff must show the missing final newline.
 * Subnet 27 (helper 19b's 25-29), lab dir /tmp/crane-fix-19b-odd.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { cli, skipReason } from './labHelpers.js';
import { ansibleEnv, ansibleResults, closeControlMasters, craneResults, parseAnsibleJson } from '../parity/harness.js';

const DIR = '/tmp/crane-fix-19b-odd';
const hasAnsible = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).status === 0;
const why = skipReason ?? (hasAnsible ? undefined : 'ansible-playbook is not installed (CRANE_FIX_WITH_ANSIBLE=1 bash scripts/setup.sh)');
if (why && !skipReason) console.warn(`[oddFiles] SKIPPED: ${why}`);

const FILES = ['crlf', 'nonl', 'bom', 'empty'];
const SEED = [
  'mkdir -p /tmp/odd && rm -f /tmp/odd/*',
  'printf "a=1\\r\\nb=2\\r\\n" > /tmp/odd/crlf',
  'printf "a=1\\nb=2" > /tmp/odd/nonl',
  'printf "\\357\\273\\277a=1\\nb=2\\n" > /tmp/odd/bom',
  ': > /tmp/odd/empty',
].join('\n');
// One task per file (no loop: crane-fix's playbook subset and Ansible then read the same file).
const TASKS = FILES.flatMap((f) => [
  `    - {lineinfile: {path: /tmp/odd/${f}, regexp: '^b=', line: 'b=3'}}`,
  `    - {lineinfile: {path: /tmp/odd/${f}, line: 'c=4'}}`,
  `    - {replace: {path: /tmp/odd/${f}, regexp: '^a=1', replace: 'a=9'}}`,
]);
const PLAYBOOK = ['- hosts: all', '  gather_facts: false', '  tasks:', ...TASKS, ''].join('\n');

// copy (content: and a local src:) onto the same kinds of files: dest name -> [seed printf, source].
const COPIES: Record<string, [string, string]> = {
  'crlf-same': ['a=1\\r\\nb=2\\r\\n', 'content: "a=1\\r\\nb=2\\r\\n"'],
  'crlf-to-lf': ['a=1\\r\\nb=2\\r\\n', 'content: "a=1\\nb=2\\n"'],
  'lf-to-crlf': ['a=1\\nb=2\\n', 'src: crlf.txt'],
  'nonl-same': ['a=1\\nb=2', 'content: "a=1\\nb=2"'],
  'nonl-to-nl': ['a=1\\nb=2', 'content: "a=1\\nb=2\\n"'],
  'bom-same': ['\\357\\273\\277a=1\\n', 'src: bom.txt'],
  'bom-dropped': ['\\357\\273\\277a=1\\n', 'content: "a=1\\n"'],
  'bom-added': ['a=1\\n', 'src: bom.txt'],
  'empty-same': ['', 'content: ""'],
  'empty-filled': ['', 'content: "a=1\\n"'],
};
const COPY_SEED = ['mkdir -p /tmp/odd/cp && rm -f /tmp/odd/cp/*', ...Object.entries(COPIES).map(([f, [seed]]) => `printf "${seed}" > /tmp/odd/cp/${f}`)].join('\n');
const COPY_PLAYBOOK = [
  '- hosts: all',
  '  gather_facts: false',
  '  tasks:',
  ...Object.entries(COPIES).map(([f, [, source]]) => `    - {name: ${f}, copy: {dest: /tmp/odd/cp/${f}, ${source}}}`),
  '',
].join('\n');

describe.skipIf(why)('odd files: crane-fix leaves the bytes Ansible leaves', () => {
  let lab: LabState;
  let node: LabNode;
  let work: string;
  const bytes = async () => (await nodeExec(node, FILES.map((f) => `echo "== ${f}"; od -An -c /tmp/odd/${f}`).join('\n'))).stdout;

  beforeAll(async () => {
    lab = await labUp({ nodes: 2, dir: DIR, disks: false, subnet: 27, variants: { node02: { user: { name: 'admin', password: 'odd-files-pw', sudo: 'nopasswd' } } } });
    node = lab.nodes[0]!;
    work = path.join(DIR, 'work');
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'odd.yaml'), PLAYBOOK);
    fs.writeFileSync(
      path.join(work, 'inv.ini'),
      `${node.name} ansible_host=${node.ip} ansible_user=root\n[all:vars]\nansible_ssh_private_key_file=${lab.privateKey}\n` +
        `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'\n`,
    );
  }, 120_000);

  afterAll(async () => {
    if (lab) await labDown({ dir: DIR });
  });

  it('lineinfile + replace on CRLF / no final newline / BOM / 0-byte files: the same bytes as ansible-playbook', async () => {
    const inv = path.join(work, 'inv.ini');
    const pb = path.join(work, 'odd.yaml');
    await nodeExec(node, SEED);
    const ans = spawnSync('ansible-playbook', ['-i', inv, pb], { encoding: 'utf8', timeout: 120_000 });
    expect(ans.status, ans.stdout + ans.stderr).toBe(0);
    const ansible = await bytes();

    await nodeExec(node, SEED);
    const dry = await cli(['apply', '-i', inv, pb, '--dry-run', '--diff', '--journal-dir', path.join(work, 'j')]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('\\ No newline at end of file');
    // The human diff marks the CR and the BOM (src/modules/visibleDiff.ts); --json keeps the bytes.
    expect(dry.stdout).toContain('-a=1^M\n');
    expect(dry.stdout).toContain(' <U+FEFF>a=1\n');
    expect(dry.stdout).not.toMatch(/[\r\ufeff]/);
    const r = await cli(['apply', '-i', inv, pb, '--yes', '--journal-dir', path.join(work, 'j')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const crane = await bytes();
    expect(crane).toBe(ansible);
    // What Ansible does (recorded 2026-12-07, ansible-core on the lab): CRLF lines it does not
    // touch keep their CR, the replaced/added lines get LF; a missing final newline is added
    // before the appended line; the BOM stays in front of the first line.
    expect(crane).toContain('== crlf\n   a   =   9  \\r  \\n   b   =   3  \\n   c   =   4  \\n');
  }, 240_000);

  it('copy (content: and src:) onto CRLF / no final newline / BOM / 0-byte files: the same bytes and changed/ok as ansible-playbook', async () => {
    const inv = path.join(work, 'inv.ini');
    const pb = path.join(work, 'copy.yaml');
    fs.writeFileSync(pb, COPY_PLAYBOOK);
    fs.mkdirSync(path.join(work, 'files'), { recursive: true });
    fs.writeFileSync(path.join(work, 'files', 'crlf.txt'), 'a=1\r\nb=2\r\n');
    fs.writeFileSync(path.join(work, 'files', 'bom.txt'), '\ufeffa=1\n');
    const copyBytes = async () => (await nodeExec(node, Object.keys(COPIES).map((f) => `echo "== ${f}"; od -An -c /tmp/odd/cp/${f}`).join('\n'))).stdout;
    await nodeExec(node, COPY_SEED);
    const seeded = await copyBytes();
    const aenv = ansibleEnv(path.join(work, 'ansible-copy'));
    try {
      const ans = spawnSync('ansible-playbook', ['-i', inv, pb], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...aenv.env } });
      expect(ans.status, ans.stdout + ans.stderr).toBe(0);
      const ansibleStatus = ansibleResults(parseAnsibleJson(ans.stdout)).get(node.name)!.map((t) => `${t.name} ${t.status}`);
      const ansible = await copyBytes();

      await nodeExec(node, COPY_SEED);
      const j = path.join(work, 'j-copy');
      const dry = await cli(['apply', '-i', inv, pb, '--dry-run', '--journal-dir', j]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('-a=1^M\n-b=2^M\n+a=1\n+b=2\n'); // crlf-to-lf: only the line endings change, and it shows
      expect(dry.stdout).toContain('-a=1\n+<U+FEFF>a=1\n'); // bom-added
      expect(await copyBytes()).toBe(seeded);
      const r = await cli(['apply', '-i', inv, pb, '--yes', '--json', '--journal-dir', j]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(craneResults(r.json).get(node.name)!.map((t) => `${t.name} ${t.status}`)).toEqual(ansibleStatus);
      expect(await copyBytes()).toBe(ansible);
      // Recorded 2026-12-07: changed exactly where the bytes differ (a BOM or CR counts).
      expect(ansibleStatus).toEqual(Object.keys(COPIES).map((f) => `${f} ${f.endsWith('-same') ? 'ok' : 'changed'}`));
      const again = await cli(['apply', '-i', inv, pb, '--yes', '--json', '--journal-dir', j]);
      expect(again.json.summary.changed, again.stdout).toBe(0);
      const rb = await cli(['rollback', r.json.runId, '--journal-dir', j, '--json']);
      expect(rb.code, rb.stdout + rb.stderr).toBe(0);
      expect(await copyBytes()).toBe(seeded);
    } finally {
      await closeControlMasters(aenv);
    }
  }, 240_000);

  it('a root 0600 file the login user cannot read: refused without become (as Ansible), edited through sudo with mode kept', async () => {
    const admin = lab.nodes[1]!;
    const inv = path.join(work, 'admin.ini');
    const common = `ansible_ssh_private_key_file=${lab.privateKey}\nansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes'\n`;
    fs.writeFileSync(inv, `${admin.name} ansible_host=${admin.ip} ansible_user=admin\n[all:vars]\n${common}`);
    const pb = path.join(work, 'secret.yaml');
    fs.writeFileSync(pb, "- hosts: all\n  gather_facts: false\n  tasks:\n    - {lineinfile: {path: /etc/odd-secret, line: 'c=4'}}\n");
    const state = async () => (await nodeExec(admin, "stat -c '%a %U' /etc/odd-secret; sha256sum /etc/odd-secret")).stdout;
    await nodeExec(admin, 'printf "a=1\\n" > /etc/odd-secret && chmod 0600 /etc/odd-secret');
    const before = await state();
    const ans = spawnSync('ansible-playbook', ['-i', inv, pb], { encoding: 'utf8', timeout: 120_000 });
    expect(ans.status, ans.stdout).not.toBe(0);
    const r = await cli(['apply', '-i', inv, pb, '--yes', '--json', '--journal-dir', path.join(work, 'j')]);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    console.log(`[oddFiles] Ansible: ${(ans.stdout.match(/FAILED! => .*/) ?? [''])[0].slice(0, 300)}`);
    console.log(`[oddFiles] crane-fix: ${JSON.stringify(r.json?.hosts?.[admin.name]).slice(0, 400)}`);
    expect(JSON.stringify(r.json.hosts[admin.name])).toMatch(/\/etc\/odd-secret is not readable by admin: let the run become root: ansible_become=true/);
    expect(await state()).toBe(before);
    const invBecome = path.join(work, 'admin-become.ini');
    fs.writeFileSync(invBecome, `${admin.name} ansible_host=${admin.ip} ansible_user=admin ansible_become=true\n[all:vars]\n${common}`);
    const ok = await cli(['apply', '-i', invBecome, pb, '--yes', '--json', '--journal-dir', path.join(work, 'j')]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect((await state()).split('\n')[0]).toBe('600 root');
    expect((await nodeExec(admin, 'cat /etc/odd-secret')).stdout).toBe('a=1\nc=4\n');

    // copy onto it: refused the same way without become; through sudo the file keeps 0600 root,
    // as Ansible's atomic_move keeps the replaced file's mode and owner.
    const cpb = path.join(work, 'secret-copy.yaml');
    fs.writeFileSync(cpb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - {copy: {dest: /etc/odd-secret, content: "s=1\\r\\n"}}\n');
    const seed = 'printf "a=1\\n" > /etc/odd-secret && chmod 0600 /etc/odd-secret';
    await nodeExec(admin, seed);
    const ansNo = spawnSync('ansible-playbook', ['-i', inv, cpb], { encoding: 'utf8', timeout: 120_000 });
    expect(ansNo.status, ansNo.stdout).not.toBe(0);
    const no = await cli(['apply', '-i', inv, cpb, '--yes', '--json', '--journal-dir', path.join(work, 'j')]);
    expect(no.code, no.stdout + no.stderr).not.toBe(0);
    expect(JSON.stringify(no.json.hosts[admin.name])).toMatch(/\/etc\/odd-secret is not readable by admin: let the run become root/);
    expect(await state()).toBe(before);
    const ansYes = spawnSync('ansible-playbook', ['-i', invBecome, cpb], { encoding: 'utf8', timeout: 120_000 });
    expect(ansYes.status, ansYes.stdout).toBe(0);
    const ansibleState = await state();
    await nodeExec(admin, seed);
    const yes = await cli(['apply', '-i', invBecome, cpb, '--yes', '--json', '--journal-dir', path.join(work, 'j')]);
    expect(yes.code, yes.stdout + yes.stderr).toBe(0);
    expect(await state()).toBe(ansibleState);
    expect(ansibleState.split('\n')[0]).toBe('600 root');
  }, 240_000);
});
