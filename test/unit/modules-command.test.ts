import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandModule, globTestCommand, shellModule, SHELL_READER } from '../../src/modules/command.js';
import { shellQuote } from '../../src/modules/shellQuote.js';
import type { Op } from '../../src/modules/types.js';
import { run, runExecOp } from './modules-helpers.js';

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
    const { plan } = run(commandModule, { cmd: 'cat', chdir: '/tmp', stdin: 'data' }, { '/tmp': { type: 'directory' } });
    expect(plan.ops).toEqual([{ op: 'exec', command: 'cat', chdir: '/tmp', stdin: 'data\n' }]);
    expect(run(commandModule, { cmd: 'cat', stdin: 'data', stdin_add_newline: false }, {}).plan.ops[0]).toMatchObject({ stdin: 'data' });
  });

  it('creates/removes decide up front, with Ansible\'s messages', () => {
    const created = run(commandModule, { cmd: 'kubeadm init', creates: '/etc/kubernetes/admin.conf' }, { '/etc/kubernetes/admin.conf': 'x' }).plan;
    expect(created).toMatchObject({ status: 'ok', ops: [], msg: "Did not run command since '/etc/kubernetes/admin.conf' exists", result: { rc: 0, stdout: 'skipped, since /etc/kubernetes/admin.conf exists' } });
    expect(run(commandModule, { cmd: 'x', removes: '/nope' }, {}).plan).toMatchObject({ status: 'ok', msg: "Did not run command since '/nope' does not exist" });
    expect(run(commandModule, { cmd: 'x', creates: '/a' }, {}).plan.status).toBe('changed');
    expect(run(commandModule, { cmd: 'x', creates: 'rel', chdir: '/srv' }, { '/srv': { type: 'directory' }, '/srv/rel': 'x' }).plan.status).toBe('ok');
  });

  it('a missing chdir fails before anything, in check mode too (Ansible changes directory first; parity-upstream up_cmd_chdir)', () => {
    for (const checkMode of [false, true]) {
      expect(run(commandModule, { cmd: 'echo', chdir: '/nope' }, {}, { checkMode }).plan).toMatchObject({ status: 'failed', ops: [], msg: 'Unable to change directory before execution: no such directory: /nope' });
      expect(run(shellModule, { cmd: 'echo', chdir: '/f', creates: '/x' }, { '/f': 'a file' }, { checkMode }).plan).toMatchObject({ status: 'failed', msg: 'Unable to change directory before execution: not a directory: /f' });
      // A link is left to the shell's cd (its target was not read).
      expect(run(commandModule, { cmd: 'echo', chdir: '/l' }, { '/l': { type: 'symlink', linkTarget: '/srv' } }, { checkMode }).plan.status).toBe(checkMode ? 'skipped' : 'changed');
    }
  });

  it('chdir through a symlink: $PWD is the physical path, as after os.chdir (parity-upstream up_cmd_run)', () => {
    const root = mkdtempSync(join(tmpdir(), 'crane-fix-chdir-'));
    try {
      mkdirSync(join(root, 'real', 'site'), { recursive: true });
      symlinkSync(join(root, 'real'), join(root, 'link'));
      const chdir = join(root, 'link', 'site');
      const op = run(shellModule, { cmd: 'echo "$PWD"', chdir }, { [chdir]: { type: 'directory' } }).plan.ops[0]!;
      expect(runExecOp(op)).toMatchObject({ rc: 0, stdout: `${join(root, 'real', 'site')}\n` });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
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
  const sh2 = (cmd: string, opts: { stdin?: string; cwd?: string; shell?: string } = {}) => {
    try {
      const stdout = execFileSync(opts.shell ?? '/bin/sh', ['-c', cmd], { encoding: 'utf8', input: opts.stdin ?? '', cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      return { rc: 0, stdout, stderr: '' };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { rc: x.status, stdout: x.stdout, stderr: x.stderr };
    }
  };

  it('runs the string under /bin/sh -c, but delivers it on fd 3: never in an argv', () => {
    const { plan } = run(shellModule, { cmd: "echo $((1+2)) | tr 3 x; echo 'q'" }, {});
    const op = plan.ops[0] as Extract<Op, { op: 'exec' }>;
    expect(op.command).toBe(`/bin/sh -c ${shellQuote(SHELL_READER)}`);
    expect(op.script).toBe("echo $((1+2)) | tr 3 x; echo 'q'");
    expect(plan.msg).toBe(`run: /bin/sh -c 'echo $((1+2)) | tr 3 x; echo '"'"'q'"'"''`);
    expect(runExecOp(op)).toEqual({ rc: 0, stdout: 'x\nq\n', stderr: '' });
    expect(plan.runtimeOutcome).toBe(true);
    // The shell's own argv (and its parent's) while the command runs: no trace of the string.
    const secret = 'hunter2-s3cr3t';
    const spy = run(shellModule, { cmd: `: ${secret}; tr '\\0' ' ' < /proc/$$/cmdline; echo; tr '\\0' ' ' < /proc/$PPID/cmdline` }, {}).plan.ops[0] as Extract<Op, { op: 'exec' }>;
    const seen = runExecOp(spy);
    expect(seen.rc).toBe(0);
    expect(seen.stdout).toContain('/bin/sh -c eval');
    expect(seen.stdout).not.toContain(secret);
  });

  it('same $0, $#, exit code, stdout, stderr, stdin and chdir as sh -c', () => {
    const cases: { cmd: string; stdin?: string; chdir?: string }[] = [
      { cmd: 'echo "$0" $# "$*"' },
      { cmd: 'printf "%s" "$(cat)"; exit 7', stdin: 'from stdin $(id)' },
      { cmd: 'echo out; echo err >&2; false' },
      { cmd: 'pwd; ls -d "$PWD"', chdir: '/usr' },
      { cmd: 'cat <<EOF\nhere $((2*3))\nEOF\n\n\n' },
      { cmd: 'f() { return 4; }; f; echo "rc $?"; exit 3' },
      { cmd: 'set -- a b; echo $#; exec sh -c "exit 5"' },
      { cmd: '[ -e /dev/fd/3 ] && echo fd3-open || echo fd3-closed' },
      { cmd: "echo 'unterminated" },
    ];
    for (const c of cases) {
      const op = run(shellModule, { cmd: c.cmd, ...(c.chdir ? { chdir: c.chdir } : {}), ...(c.stdin !== undefined ? { stdin: c.stdin, stdin_add_newline: false } : {}) }, c.chdir ? { [c.chdir]: { type: 'directory' } } : {}).plan.ops[0] as Extract<Op, { op: 'exec' }>;
      const got = runExecOp(op);
      const want = sh2(c.cmd, { stdin: c.stdin, cwd: c.chdir });
      expect({ rc: got.rc, stdout: got.stdout }, c.cmd).toEqual({ rc: want.rc, stdout: want.stdout });
      // dash names the builtin in its own messages ("eval: "); stderr comes without its
      // trailing newlines (the capture strips them, as Ansible's command module does).
      expect(got.stderr.replace(/eval: /g, ''), c.cmd).toBe(want.stderr.replace(/\n+$/, ''));
    }
  });

  it('executable replaces /bin/sh', () => {
    const op = run(shellModule, { cmd: 'echo ${BASH_VERSION:+bash} "$0"', executable: '/bin/bash' }, {}).plan.ops[0] as Extract<Op, { op: 'exec' }>;
    expect(op.command).toBe(`/bin/bash -c ${shellQuote(SHELL_READER)}`);
    expect(runExecOp(op)).toEqual({ rc: 0, stdout: 'bash /bin/bash\n', stderr: '' });
    expect(shellModule.args.safeParse({ cmd: 'x', argv: ['y'] }).success).toBe(false);
  });
});
