import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, InputError } from '../../src/errors.js';
import { parseAnsibleYaml } from '../../src/playbook/ansibleYaml.js';
import { loadPlaybook, parsePlaybook } from '../../src/playbook/load.js';
import { parseKv, splitArgs } from '../../src/playbook/splitArgs.js';
import { expandLoop, validateArgs } from '../../src/playbook/taskArgs.js';
import { renderValue } from '../../src/playbook/template.js';
import { oracle, oracleAvailable } from './modules-oracle/oracle.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/playbooks', import.meta.url));

/** Expect parsePlaybook(text) to throw an InputError at exactly line:col with a message matching `msg`. */
function expectError(text: string, line: number, col: number, msg: RegExp | string) {
  let err: unknown;
  try {
    parsePlaybook(text, 'pb.yml');
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an InputError').toBeInstanceOf(InputError);
  const e = err as InputError;
  expect(e.code).toBe(EXIT.INPUT);
  expect(e.where, e.message).toEqual({ file: 'pb.yml', line, col });
  if (typeof msg === 'string') expect(e.detail).toBe(msg);
  else expect(e.detail).toMatch(msg);
  expect(e.message.startsWith(`pb.yml:${line}:${col}: `)).toBe(true);
}

const play = (tasks: string) => `- hosts: all\n  tasks:\n${tasks}`;

describe('loadPlaybook: Crane-style fixture', () => {
  it('loads plays, tasks, handlers, verify and rollback with positions', () => {
    const pb = loadPlaybook(join(FIXTURES, 'kubelet-fix.yml'));
    expect(pb.dir).toBe(FIXTURES);
    expect(pb.plays).toHaveLength(1);
    const p = pb.plays[0]!;
    expect(p).toMatchObject({ name: 'Fix kubelet memory pressure', hosts: 'k8s_nodes', become: true, serial: '30%', maxFailPercentage: 10, gatherFacts: false });
    expect(p.vars).toEqual({ kubelet_config: '/var/lib/kubelet/config.yaml', eviction_hard: '500Mi', mode: 0o644 });
    expect(p.tasks.map((t) => t.module)).toEqual(['yaml_edit', 'replace', 'sysctl', 'lineinfile', 'command', 'debug']);
    const [edit, repl, sysctl, lif, cmd] = p.tasks;
    expect(edit).toMatchObject({ name: 'Set evictionHard memory.available', notify: ['restart kubelet'], args: { path: '{{ kubelet_config }}', value: '{{ eviction_hard }}' } });
    expect(edit!.pos).toEqual({ file: join(FIXTURES, 'kubelet-fix.yml'), line: 13, col: 7 });
    expect(edit!.argPos.key).toMatchObject({ line: 16, col: 9 });
    expect(repl!.args).toEqual({ path: '/etc/fstab', regexp: '^([^#].*\\sswap\\s.*)$', replace: '# \\1', backup: true });
    expect(sysctl!.args).toMatchObject({ value: 524288 });
    // k=v free form for a non-free-form module, positions per key inside the string
    expect(lif).toMatchObject({ name: 'lineinfile', module: 'lineinfile', when: ['containerd_managed | default(true) | bool'], notify: ['restart containerd'] });
    expect(lif!.args).toEqual({ dest: '/etc/containerd/config.toml', regexp: '^\\s*SystemdCgroup\\s*=', line: '            SystemdCgroup = true' });
    const src33 = readFileSync(join(FIXTURES, 'kubelet-fix.yml'), 'utf8').split('\n')[32]!;
    expect(lif!.argPos.regexp).toMatchObject({ line: 33, col: src33.indexOf('regexp=') + 1 });
    expect(lif!.argPos.path).toEqual(lif!.argPos.dest);
    expect(cmd).toMatchObject({ module: 'command', args: { cmd: 'systemctl is-active kubelet' }, register: 'kubelet_state', changedWhen: ['False'], failedWhen: ['kubelet_state.rc not in [0, 3]'] });
    expect(p.handlers.map((h) => [h.name, h.module, h.args])).toEqual([
      ['restart kubelet', 'systemd', { name: 'kubelet', state: 'restarted', daemon_reload: true }],
      ['restart containerd', 'service', { name: 'containerd', state: 'restarted' }],
    ]);
    expect(p.verify[0]).toMatchObject({ module: 'command', until: ['healthz.rc == 0'], retries: 10, delay: 3 });
    expect(p.rollback[0]).toMatchObject({ module: 'systemd', args: { name: 'kubelet', state: 'restarted' } });
  });

  it('engine flow: template then validateArgs returns typed args', () => {
    const pb = loadPlaybook(join(FIXTURES, 'kubelet-fix.yml'));
    const t = pb.plays[0]!.tasks[0]!;
    const args = validateArgs(t, renderValue(t.args, pb.plays[0]!.vars));
    expect(args).toEqual({ path: '/var/lib/kubelet/config.yaml', key: 'evictionHard.memory\\.available', value: '500Mi', state: 'present', create: false });
    const sysctl = pb.plays[0]!.tasks[2]!;
    expect(validateArgs(sysctl, sysctl.args)).toMatchObject({ name: 'fs.inotify.max_user_watches', value: '524288', reload: true });
  });

  it('validateArgs reports a bad templated value at the option position', () => {
    const pb = parsePlaybook(play('    - lineinfile:\n        path: /f\n        line: x\n        create: "{{ flag }}"\n'), 'pb.yml');
    const t = pb.plays[0]!.tasks[0]!;
    expect(() => validateArgs(t, renderValue(t.args, { flag: 'maybe' }))).toThrow("pb.yml:6:9: lineinfile: option 'create': the value 'maybe' is not a valid boolean");
    expect(validateArgs(t, renderValue(t.args, { flag: 'yes' }))).toMatchObject({ create: true });
  });
});

describe('loader errors carry the exact file:line:col', () => {
  it('bad YAML', () => expectError('- hosts: all\n  tasks: [\n', 3, 1, /^YAML syntax error/));
  it('bad indentation', () => expectError('- hosts: all\n  tasks:\n    - debug: {}\n   bad: 1\n', 4, 1, /^YAML syntax error: All mapping items must start at the same column/));
  it('duplicate keys', () => expectError(play('    - name: a\n      name: b\n      debug: {}\n'), 4, 7, /^YAML syntax error: Map keys must be unique/));
  it('root is not a list', () => expectError('hosts: all\n', 1, 1, 'a playbook must be a list of plays (- hosts: ...)'));
  it('missing hosts', () => expectError('- name: x\n  tasks: []\n', 1, 3, "the field 'hosts' is required but was not set"));
  it('unknown play keyword', () => expectError('- hosts: all\n  taskz: []\n', 2, 3, "'taskz' is not a valid attribute for a Play"));
  it('unsupported play keyword', () => expectError('- hosts: all\n  roles: [x]\n', 2, 3, "play keyword 'roles' is not supported by crane-fix"));
  it('import_playbook', () => expectError('- import_playbook: other.yml\n', 1, 3, /import_playbook is not supported/));
  it('unknown module', () => expectError(play('    - name: x\n      lineinfiel:\n        path: /f\n'), 4, 7, /^couldn't resolve module\/action 'lineinfiel'/));
  it('unsupported task keyword', () => expectError(play('    - debug: {}\n      delegate_to: localhost\n'), 4, 7, "task keyword 'delegate_to' is not supported by crane-fix"));
  it('block', () => expectError(play('    - block:\n        - debug: {}\n'), 3, 7, /^block is not supported by crane-fix/));
  it('two modules in one task', () => expectError(play('    - debug: {}\n      command: ls\n'), 4, 7, 'conflicting action statements: debug, command'));
  it('no module', () => expectError(play('    - name: only a name\n'), 3, 7, 'no module/action detected in task.'));
  it('unknown option (mapping)', () =>
    expectError(play('    - lineinfile:\n        path: /f\n        line: x\n        regexpp: y\n'), 6, 9, /^Unsupported parameters for \(lineinfile\) module: regexpp\. Supported parameters include: .*backrefs/));
  it('unknown option (k=v string) points inside the string', () =>
    expectError(play('    - copy: content=x dest=/tmp/x modee=0644\n'), 3, 35, /^Unsupported parameters for \(copy\) module: modee/));
  it('missing required option points at the module', () => expectError(play('    - name: x\n      replace:\n        regexp: a\n'), 4, 7, 'replace: missing required arguments: path'));
  it('wrong literal type', () => expectError(play('    - lineinfile:\n        path: /f\n        line: x\n        create: maybe\n'), 6, 9, /^lineinfile: option 'create': the value 'maybe' is not a valid boolean/));
  it('bad choice', () => expectError(play('    - systemd:\n        name: k\n        state: running\n'), 5, 9, "systemd: option 'state': must be one of: reloaded, restarted, started, stopped, got: running"));
  it('cross-option rule', () => expectError(play('    - lineinfile:\n        path: /f\n        line: x\n        insertafter: a\n        insertbefore: b\n'), 6, 9, "lineinfile: option 'insertafter': parameters are mutually exclusive: insertbefore|insertafter"));
  it('bad regexp is caught at load time', () => expectError(play('    - replace:\n        path: /f\n        regexp: "(unclosed"\n'), 5, 9, /^replace: option 'regexp': missing \)/));
  it('decimal mode', () => expectError(play('    - file:\n        path: /f\n        mode: 644\n'), 5, 15, /^mode: 644 is a decimal number here \(Ansible would apply 0o1204\)/));
  it('extra params for a non-free-form module', () => expectError(play('    - lineinfile: path=/f line=x stray\n'), 3, 19, /has extra params/));
  it('template syntax error in an argument value', () => expectError(play('    - debug:\n        msg: "{{ x | }}"\n'), 4, 14, /^debug: template syntax error/));
  it('when syntax error', () => expectError(play('    - debug: {}\n      when: x ==\n'), 4, 13, /^when: template syntax error/));
  it('notify of an unknown handler', () =>
    expectError('- hosts: all\n  tasks:\n    - debug: {}\n      notify:\n        - restart kubelet\n  handlers:\n    - name: restart kubelt\n      debug: {}\n', 5, 11, "notify: no handler named (or listening to) 'restart kubelet' in this play"));
  it('bad register name', () => expectError(play('    - debug: {}\n      register: 1abc\n'), 4, 17, "register: '1abc' is not a valid variable name"));
  it('loop must be a list', () => expectError(play('    - debug: {}\n      loop: abc\n'), 4, 13, /Invalid data passed to 'loop', it requires a list/));
  it('retries without until', () => expectError(play('    - debug: {}\n      retries: 3\n'), 4, 7, 'retries/delay need an until condition'));
  it('!vault', () => expectError('- hosts: all\n  vars:\n    pw: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      3030\n', 3, 16, /!vault values are not supported/));
  it('listen outside handlers', () => expectError(play('    - debug: {}\n      listen: x\n'), 4, 7, 'listen is only valid on handlers'));
});

describe('loader accepts the Ansible forms', () => {
  it('free-form command with k=v options, FQCNs, action:, args:, tags, with_items', () => {
    const pb = parsePlaybook(
      `- hosts: [a, b]
  vars: {x: 1}
  tasks:
    - ansible.builtin.command: chdir=/tmp creates=/tmp/done ./install.sh --yes
    - shell: echo "{{ x }}" > /tmp/x
      args:
        executable: /bin/bash
        chdir: /ignored-because-module-args-win
    - action: copy src=a.conf dest=/etc/a.conf
      tags: [x]
    - action:
        module: ansible.posix.sysctl
        name: vm.swappiness
        value: 10
    - debug: msg="item {{ item }}"
      with_items:
        - [1, 2]
        - 3
    - set_fact: a=1 b=yes
    - name: templated bool is not type-checked at load time
      lineinfile:
        path: /f
        line: x
        create: "{{ flag }}"
      when: yes
  handlers:
    - name: h
      listen: [topic]
      debug: {}
`,
      'pb.yml',
    );
    const p = pb.plays[0]!;
    expect(p.hosts).toBe('a,b');
    const [cmd, sh, cp, sc, dbg, sf, lif] = p.tasks;
    expect(cmd).toMatchObject({ module: 'command', args: { chdir: '/tmp', creates: '/tmp/done', cmd: './install.sh --yes' } });
    expect(sh).toMatchObject({ module: 'shell', args: { cmd: 'echo "{{ x }}" > /tmp/x', executable: '/bin/bash', chdir: '/ignored-because-module-args-win' } });
    expect(cp).toMatchObject({ module: 'copy', args: { src: 'a.conf', dest: '/etc/a.conf' } });
    expect(sc).toMatchObject({ module: 'sysctl', args: { name: 'vm.swappiness', value: 10 } });
    expect(dbg).toMatchObject({ module: 'debug', loop: [[1, 2], 3], loopKind: 'with_items' });
    expect(expandLoop(dbg!.loop, dbg!.loopKind)).toEqual([1, 2, 3]);
    expect(sf).toMatchObject({ module: 'set_fact', args: { a: '1', b: 'yes' } });
    expect(lif).toMatchObject({ when: ['True'] });
    expect(p.handlers[0]!.listen).toEqual(['topic']);
  });

  it('expandLoop', () => {
    expect(expandLoop([1, [2]])).toEqual([1, [2]]);
    expect(() => expandLoop('x')).toThrow(/requires a list/);
    expect(expandLoop('x', 'with_items')).toEqual(['x']);
  });

  it('parse_kv / split_args behave like Ansible\'s splitter', () => {
    expect(parseKv('a=1 b="two words" c=\'x y\'', false)).toEqual({ a: '1', b: 'two words', c: 'x y' });
    expect(parseKv('echo "{{ x }} y" chdir=/tmp', true)).toEqual({ chdir: '/tmp', _raw_params: 'echo "{{ x }} y"' });
    expect(splitArgs('a={{ b | default("c d") }} e=f')).toEqual(['a={{ b | default("c d") }}', 'e=f']);
    expect(parseKv('msg="a\\nb"', false)).toEqual({ msg: 'a\nb' });
  });
});

describe('file-level problems name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crane-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('missing, directory, binary, too large, not UTF-8, empty', () => {
    const bad = (p: string, msg: RegExp, at: { line?: number; col?: number } = {}) => {
      let e: unknown;
      try {
        loadPlaybook(p);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).where).toEqual({ file: p, ...at });
      expect((e as InputError).message).toMatch(msg);
    };
    bad(join(dir, 'nope.yml'), /nope\.yml: playbook not found/);
    mkdirSync(join(dir, 'd.yml'));
    bad(join(dir, 'd.yml'), /is a directory/);
    writeFileSync(join(dir, 'bin.yml'), Buffer.from([0x2d, 0x20, 0x00, 0x01]));
    bad(join(dir, 'bin.yml'), /binary/, { line: 1, col: 3 }); // the NUL byte's place
    writeFileSync(join(dir, 'latin1.yml'), Buffer.from([0x2d, 0x20, 0xe9, 0x0a]));
    bad(join(dir, 'latin1.yml'), /not valid UTF-8/, { line: 1, col: 3 });
    writeFileSync(join(dir, 'huge.yml'), Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    bad(join(dir, 'huge.yml'), /too large/);
    writeFileSync(join(dir, 'empty.yml'), '# nothing\n');
    bad(join(dir, 'empty.yml'), /empty/);
  });
});

describe('YAML 1.1 scalars like PyYAML (what ansible-playbook reads)', () => {
  const SCALARS = ['yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'True', '0644', '0o644', '09', '644', '0x1A', '1_000', '1:20', '1.5', '1e3', '1.5e+3', '1.5e3', '.5', '-.5', '.inf', '.NaN', '~', 'null', '2001-12-14', '+12', '-0', '0b101', '08'];
  it('resolves each scalar like PyYAML safe_load', () => {
    const lc = new LineCounter();
    const ours = SCALARS.map((s) => parseAnsibleYaml(`v: ${s}\n`, lc).toJS().v);
    expect(ours.slice(0, 12)).toEqual([true, false, true, false, 'y', 'n', true, true, 420, '0o644', '09', 644]);
    if (!oracleAvailable()) return;
    const ans = oracle(SCALARS.map((s) => ({ kind: 'yaml', s: `v: ${s}\n` })));
    SCALARS.forEach((s, i) => {
      let want = ans[i].out.v;
      if (want && typeof want === 'object' && '__float__' in want) want = { inf: Infinity, '-inf': -Infinity, nan: NaN }[want.__float__ as string];
      const got = ours[i] === 0 ? 0 : ours[i];
      if (typeof want === 'number' && Number.isNaN(want)) expect.soft(got, s).toBeNaN();
      else expect.soft(got, s).toEqual(want);
    });
  }, 60_000);
});

describe('second Crane-style fixture', () => {
  it('loads, and every task validates after templating with realistic vars', () => {
    const pb = loadPlaybook(join(FIXTURES, 'node-hygiene.yml'));
    const p = pb.plays[0]!;
    expect(p.hosts).toBe("{{ target | default('k8s_nodes') }}");
    expect(p.tasks.map((t) => t.module)).toEqual(['copy', 'file', 'drop_caches', 'shell', 'set_fact', 'filesystem', 'hostname', 'systemd']);
    expect(p.verify.map((t) => t.module)).toEqual(['command', 'assert']);
    const vars = { ...p.vars, inventory_hostname: 'node-1', prune: { stdout: 'Deleted x', stdout_lines: ['Deleted x'] } };
    const rendered = renderValue(p.vars, vars) as Record<string, unknown>;
    for (const t of [...p.tasks, ...p.verify]) {
      if (t.loop !== undefined) {
        for (const item of expandLoop(renderValue(t.loop, vars), t.loopKind)) validateArgs(t, renderValue(t.args, { ...vars, ...rendered, item }));
      } else {
        validateArgs(t, renderValue(t.args, { ...vars, ...rendered }));
      }
    }
    expect(expandLoop(p.tasks[7]!.loop, p.tasks[7]!.loopKind)).toEqual(['snapd', 'apt-daily.timer', 'apt-daily-upgrade.timer']);
    expect(p.tasks[1]!.args).toEqual({ path: '/var/log/crane', state: 'directory', mode: '0750' });
  });
});
