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
  }, 240_000);
});
