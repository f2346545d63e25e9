import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandModule, globTestCommand, shellModule } from '../../src/modules/command.js';
import type { Op } from '../../src/modules/types.js';
import { run } from './modules-helpers.js';

const sh = (command: string, stdin?: string) => execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', input: stdin });

describe('command', () => {
  it('shlex-splits the free form and quotes every word: no shell features', () => {
    const { plan } = run(commandModule, { cmd: 'echo "a b" $HOME; rm -rf /' }, {});
    expect(plan.status).toBe('changed');
    expect(plan.runtimeOutcome).toBe(true);
    expect(plan.ops).toEqual([{ op: 'exec', command: "echo 'a b' '$HOME;' rm -rf /" }]);
    expect(sh((plan.ops[0] as { command: string }).command)).toBe('a b $HOME; rm -rf /\n');
  });

  it('argv is passed verbatim', () => {
    const argv = ['printf', '%s|', "it's", '$(id)', '`id`', 'a\nb', '-n'];
    const { plan } = run(commandModule, { argv }, {});
    expect(sh((plan.ops[0] as { command: string }).command)).toBe("it's|$(id)|`id`|a\nb|-n|");
  });

  it('chdir and stdin (with the newline Ansible appends)', () => {
    const { plan } = run(commandModule, { cmd: 'cat', chdir: '/tmp', stdin: 'data' }, {});
    expect(plan.ops).toEqual([{ op: 'exec', command: 'cat', chdir: '/tmp', stdin: 'data\n' }]);
    expect(run(commandModule, { cmd: 'cat', stdin: 'data', stdin_add_newline: false }, {}).plan.ops[0]).toMatchObject({ stdin: 'data' });
  });

  it('creates/removes decide up front, with Ansible\'s messages', () => {
    const created = run(commandModule, { cmd: 'kubeadm init', creates: '/etc/kubernetes/admin.conf' }, { '/etc/kubernetes/admin.conf': 'x' }).plan;
    expect(created).toMatchObject({ status: 'ok', ops: [], msg: "Did not run command since '/etc/kubernetes/admin.conf' exists", result: { rc: 0, stdout: 'skipped, since /etc/kubernetes/admin.conf exists' } });
    expect(run(commandModule, { cmd: 'x', removes: '/nope' }, {}).plan).toMatchObject({ status: 'ok', msg: "Did not run command since '/nope' does not exist" });
    expect(run(commandModule, { cmd: 'x', creates: '/a' }, {}).plan.status).toBe('changed');
    expect(run(commandModule, { cmd: 'x', creates: 'rel', chdir: '/srv' }, { '/srv/rel': 'x' }).plan.status).toBe('ok');
  });

  it('check mode: skipped unless creates/removes is given (then "would have run")', () => {
    expect(run(commandModule, { cmd: 'x' }, {}, { checkMode: true }).plan).toMatchObject({ status: 'skipped', ops: [], msg: 'Command would have run if not in check mode' });
    expect(run(commandModule, { cmd: 'x', creates: '/a' }, {}, { checkMode: true }).plan).toMatchObject({ status: 'changed', msg: 'Command would have run if not in check mode' });
    expect(run(commandModule, { cmd: 'x', creates: '/a' }, { '/a': '' }, { checkMode: true }).plan.msg).toBe("Would not run command since '/a' exists");
  });

  it('glob creates uses a read-only test command that expands only the glob', () => {
    const { facts, plan } = run(commandModule, { cmd: 'x', creates: '/etc/cni/net.d/*.conf' }, {}, { commands: { 'glob:/etc/cni/net.d/*.conf': { stdout: 'yes\n' } } });
    expect(facts).toEqual([{ kind: 'command', key: 'glob:/etc/cni/net.d/*.conf', command: globTestCommand('/etc/cni/net.d/*.conf') }]);
    expect(plan.status).toBe('ok');
    expect(sh(globTestCommand('/etc/*.nonexistent-ext'))).toBe('no\n');
    expect(sh(globTestCommand('/etc/host*'))).toBe('yes\n');
    expect(sh(globTestCommand("/tmp/$(touch /tmp/crane-glob-pwned)'*"))).toBe('no\n');
    expect(() => execFileSync('test', ['-e', '/tmp/crane-glob-pwned'])).toThrow();
  });

  it('argument errors are schema errors', () => {
    const ok = (a: object) => commandModule.args.safeParse(a).success;
    expect(ok({})).toBe(false);
    expect(ok({ cmd: '  ' })).toBe(false);
    expect(ok({ cmd: 'a', argv: ['b'] })).toBe(false);
    expect(ok({ cmd: 'echo "unterminated' })).toBe(false);
    expect(ok({ cmd: 'a', creates: 'relative' })).toBe(false);
    expect(ok({ cmd: 'a', executable: '/bin/bash' })).toBe(false);
    expect(ok({ _raw_params: 'ls' })).toBe(true);
  });

  it('plans are deterministic', () => {
    expect(run(commandModule, { cmd: 'a b' }, {}).plan).toEqual(run(commandModule, { cmd: 'a b' }, {}).plan);
  });
});

describe('shell', () => {
  it('runs the string under /bin/sh -c, quoted as one argument', () => {
    const { plan } = run(shellModule, { cmd: "echo $((1+2)) | tr 3 x; echo 'q'" }, {});
    const op = plan.ops[0] as Extract<Op, { op: 'exec' }>;
    expect(op.command).toBe(`/bin/sh -c 'echo $((1+2)) | tr 3 x; echo '"'"'q'"'"''`);
    expect(sh(op.command)).toBe('x\nq\n');
    expect(plan.runtimeOutcome).toBe(true);
  });

  it('executable replaces /bin/sh', () => {
    expect((run(shellModule, { cmd: 'echo hi', executable: '/bin/bash' }, {}).plan.ops[0] as { command: string }).command).toBe("/bin/bash -c 'echo hi'");
    expect(shellModule.args.safeParse({ cmd: 'x', argv: ['y'] }).success).toBe(false);
  });
});
