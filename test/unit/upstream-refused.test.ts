/**
 * Issue 20: the options Ansible's integration targets use that are outside crane-fix's subset
 * must fail when the playbook is loaded — exit code INPUT, file:line:col at the option, a
 * message naming it — never be ignored at run time. loadPlaybook reads only the file: it has
 * no inventory and no transport, so a refusal here is before any host could be contacted
 * (test/integration/badinput.test.ts checks, through the CLI on lab nodes, that a load-time
 * error contacts no host).
 * The upstream cases we do support run in test/integration/parity-upstream.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, InputError } from '../../src/errors.js';
import { loadPlaybook } from '../../src/playbook/load.js';

interface Refused {
  /** Where upstream uses it (ansible/ansible test/integration/targets/<module>). */
  upstream: string;
  task: string;
  /** The option (or action) the error must point at and name. */
  option: string;
  /** What the message must say besides the option. */
  says: RegExp;
}

const UNSUPPORTED_PARAM = /Unsupported parameters for \(\w+\) module: /;
const REFUSED: Refused[] = [
  { upstream: 'lineinfile: run a validation script', task: 'lineinfile: {path: /etc/x, line: a, validate: "true %s"}', option: 'validate', says: UNSUPPORTED_PARAM },
  { upstream: 'replace: validate', task: 'replace: {path: /etc/x, regexp: a, replace: b, validate: "true %s"}', option: 'validate', says: UNSUPPORTED_PARAM },
  { upstream: 'copy: validate', task: 'copy: {dest: /etc/x, content: a, validate: "true %s"}', option: 'validate', says: UNSUPPORTED_PARAM },
  { upstream: 'copy: remote_src', task: 'copy: {dest: /etc/x, src: /etc/y, remote_src: yes}', option: 'remote_src', says: UNSUPPORTED_PARAM },
  { upstream: 'copy: local_follow (recursive copies)', task: 'copy: {dest: /etc/x, src: dir, local_follow: no}', option: 'local_follow', says: UNSUPPORTED_PARAM },
  // Argument errors: Ansible fails the task at run time, crane-fix refuses the playbook.
  { upstream: 'copy: empty src', task: "copy: {dest: /etc/x, src: ''}", option: 'src', says: /path must not be empty/ },
  { upstream: 'copy: no dest', task: 'copy: {src: a.txt}', option: 'copy', says: /missing required arguments: dest/ },
  { upstream: 'copy: neither src nor content', task: 'copy: {dest: /etc/y}', option: 'copy', says: /src \(or content\) is required/ },
  { upstream: 'copy: src and content', task: 'copy: {src: a.txt, content: t, dest: /etc/x}', option: 'content', says: /src and content are mutually exclusive/ },
  { upstream: 'copy: a directory src', task: 'copy: {dest: /etc/x/, src: dir/}', option: 'src', says: /copying directories is not supported/ },
  { upstream: 'lineinfile/copy: unsafe_writes', task: 'lineinfile: {path: /etc/x, line: a, unsafe_writes: yes}', option: 'unsafe_writes', says: UNSUPPORTED_PARAM },
  { upstream: 'lineinfile: attributes', task: 'lineinfile: {path: /etc/x, line: a, attributes: +i}', option: 'attributes', says: UNSUPPORTED_PARAM },
  { upstream: 'replace: encoding', task: 'replace: {path: /etc/x, regexp: a, replace: b, encoding: latin-1}', option: 'encoding', says: /only utf-8 is supported/ },
  { upstream: 'file: state=hard', task: 'file: {path: /etc/x, src: /etc/y, state: hard}', option: 'state', says: /state=hard is not supported/ },
  { upstream: 'file: recurse', task: 'file: {path: /etc/x, state: directory, recurse: yes}', option: 'recurse', says: /recurse=true is not supported/ },
  { upstream: 'file: modification_time', task: 'file: {path: /etc/x, state: touch, modification_time: now}', option: 'modification_time', says: UNSUPPORTED_PARAM },
  { upstream: 'file: attributes (chattr)', task: 'file: {path: /etc/x, attributes: +A}', option: 'attributes', says: UNSUPPORTED_PARAM },
  { upstream: 'file: mode on state=link (the link or, following it, its target)', task: 'file: {path: /etc/x, src: /etc/y, state: link, mode: 0600}', option: 'mode', says: /mode\/owner\/group with state=link are not supported/ },
  { upstream: 'file: src without state (Ansible: a failed task)', task: 'file: {dest: /etc/x, src: /etc/y}', option: 'src', says: /src option requires state to be 'link' or 'hard'/ },
  { upstream: 'file: access_time', task: 'file: {path: /etc/x, state: touch, access_time: now}', option: 'access_time', says: UNSUPPORTED_PARAM },
  { upstream: 'file: selevel (SELinux)', task: 'file: {path: /etc/x, state: touch, selevel: s0}', option: 'selevel', says: UNSUPPORTED_PARAM },
  { upstream: 'command: strip_empty_ends', task: 'command: {cmd: ls, strip_empty_ends: no}', option: 'strip_empty_ends', says: UNSUPPORTED_PARAM },
  { upstream: 'command: executable (Ansible 2.14 warns and ignores it)', task: 'command: {cmd: ls /dev/null, executable: /bogus}', option: 'executable', says: UNSUPPORTED_PARAM },
  { upstream: 'command: warn (removed in ansible-core 2.14, which refuses it too)', task: "command: {cmd: 'rm -h', warn: yes}", option: 'warn', says: UNSUPPORTED_PARAM },
  { upstream: 'command: no command (Ansible: a failed task)', task: 'command: {chdir: /}', option: 'command', says: /no command given/ },
  { upstream: 'command: argv and a command string (Ansible: a failed task)', task: 'command: {cmd: echo testing, argv: [echo, testing]}', option: 'argv', says: /only command or argv can be given, not both/ },
  { upstream: 'command: creates: yes (a relative path without chdir)', task: "command: {cmd: 'true', creates: yes}", option: 'creates', says: /creates must be an absolute path \(or give chdir\)/ },
  { upstream: 'template (the whole module)', task: 'template: {src: a.j2, dest: /etc/x}', option: 'template', says: /is not supported by crane-fix: write the file with copy/ },
  { upstream: 'hostname: use', task: 'hostname: {name: n1, use: systemd}', option: 'use', says: UNSUPPORTED_PARAM },
  { upstream: 'systemd: runtime (test_enable_runtime.yml; not in ansible-core 2.14)', task: 'systemd: {name: kubelet, enabled: yes, runtime: yes}', option: 'runtime', says: UNSUPPORTED_PARAM },
  { upstream: 'systemd: a glob in name (test_glob_pattern.yml; Ansible: a failed task)', task: "systemd: {state: started, name: 'kube*'}", option: 'name', says: /does not currently support using glob patterns, found '\*' in service name: kube\*/ },
  { upstream: 'systemd: environment SYSTEMD_OFFLINE (the task keyword)', task: 'environment: {SYSTEMD_OFFLINE: 1}\n      systemd: {name: kubelet, state: started}', option: 'environment', says: /task keyword 'environment' is not supported by crane-fix/ },
  { upstream: 'service: use: sysvinit', task: 'service: {name: kubelet, state: started, use: sysvinit}', option: 'use', says: /must be one of: auto, systemd, got: sysvinit/ },
];

const dir = mkdtempSync(join(tmpdir(), 'crane-fix-20-refused-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('options outside the subset fail at load time, at the option, naming it', () => {
  it('the list is not empty and every case has its own task', () => {
    expect(REFUSED.length).toBeGreaterThan(10);
    expect(new Set(REFUSED.map((r) => r.task)).size).toBe(REFUSED.length);
  });

  REFUSED.forEach((r, i) => {
    it(`${r.upstream}: '${r.option}'`, () => {
      const file = join(dir, `pb${i}.yml`);
      const taskLine = `    - name: ${JSON.stringify(`upstream ${r.upstream}`)}`;
      writeFileSync(file, `- hosts: all\n  gather_facts: false\n  tasks:\n${taskLine}\n      ${r.task}\n`);
      // The option's own column on line 5 (1-based); the action name for a refused module.
      const col = r.option === r.task.split(':')[0] ? 7 : 7 + r.task.indexOf(` ${r.option}:`) + 1;
      let err: unknown;
      try {
        loadPlaybook(file);
      } catch (e) {
        err = e;
      }
      expect(err, `${r.task} loaded without an error`).toBeInstanceOf(InputError);
      const e = err as InputError;
      expect(e.code).toBe(EXIT.INPUT);
      expect(e.where, e.message).toEqual({ file, line: 5, col });
      expect(e.message.startsWith(`${file}:5:${col}: `), e.message).toBe(true);
      expect(e.detail).toContain(r.option);
      expect(e.detail).toMatch(r.says);
    });
  });

  it('the same tasks without the refused option load (so each refusal is about that option)', () => {
    const strip = (t: string, o: string) => t.replace(new RegExp(`, ${o}: [^,}]+`), '');
    const kept = REFUSED.filter((r) => r.says === UNSUPPORTED_PARAM);
    const file = join(dir, 'ok.yml');
    writeFileSync(file, `- hosts: all\n  gather_facts: false\n  tasks:\n${kept.map((r) => `    - ${strip(r.task, r.option)}\n`).join('')}`);
    expect(loadPlaybook(file).plays[0]!.tasks).toHaveLength(kept.length);
  });
});
