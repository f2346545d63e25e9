/**
 * ansible.builtin.command / ansible.builtin.shell (ansible-core 2.14 command.py).
 *
 *  - command: the free-form string is split with Python's shlex (no shell features), then
 *    every word is shell-quoted, so the remote sh runs exactly that argv;
 *  - shell: the string runs under `/bin/sh -c` (or `executable -c`) — but not as its argv,
 *    where the node's process list would show it (with any templated secret): the shell is
 *    given `eval "$(cat <&3)" 3<&-` and the string arrives on fd 3 (op.script). $0, $#, the
 *    exit code, stdin, stdout and stderr are those of `sh -c '<string>'`; dash prefixes its
 *    own error messages with `eval: `;
 *  - creates/removes are evaluated from facts (a file fact, or a read-only glob test for
 *    patterns) and decide "ok" up front, with Ansible's messages;
 *  - check mode: like Ansible, the command is skipped unless creates/removes is given
 *    (then it "would have run": changed); a missing chdir fails in both modes, as it does in
 *    Ansible (it changes directory first);
 *  - chdir is entered with `cd -P`, as os.chdir does: $PWD is the physical path.
 * The real rc/stdout only exist after apply: `runtimeOutcome` is always true.
 */
import { z } from 'zod';
import { aBool, aPath, aStr, aStrList, defineModule, failed, issue, options } from './common.js';
import { shellJoin, shellQuote, shlexSplit } from './shellQuote.js';
import type { FactRequest, ModuleDef, ModulePlan, Op, PlanContext } from './types.js';
import { normPath } from './virtualFs.js';

const GLOB = /[*?[]/;

const common = {
  cmd: aStr().optional(),
  chdir: aPath().optional(),
  creates: aPath().optional(),
  removes: aPath().optional(),
  stdin: aStr().optional(),
  stdin_add_newline: aBool().default(true),
};

function refineCommon(v: { cmd?: string; argv?: string[]; chdir?: string; creates?: string; removes?: string }, ctx: z.RefinementCtx): void {
  if ((v.cmd === undefined || v.cmd.trim() === '') && !v.argv?.length) issue(ctx, undefined, 'no command given');
  if (v.cmd !== undefined && v.cmd.trim() !== '' && v.argv?.length) issue(ctx, 'argv', 'only command or argv can be given, not both');
  for (const k of ['creates', 'removes'] as const) {
    const p = v[k];
    if (p !== undefined && !p.startsWith('/') && v.chdir === undefined) issue(ctx, k, `${k} must be an absolute path (or give chdir)`);
  }
  if (v.chdir !== undefined && !v.chdir.startsWith('/')) issue(ctx, 'chdir', 'chdir must be an absolute path');
}

const commandArgs = options({ ...common, argv: aStrList().optional() }, { cmd: ['_raw_params'] }, (v, ctx) => {
  refineCommon(v, ctx);
  if (v.cmd !== undefined && v.cmd.trim() !== '') {
    try {
      shlexSplit(v.cmd);
    } catch (e) {
      issue(ctx, 'cmd', `cannot split command: ${(e as Error).message}`);
    }
  }
});

const shellArgs = options({ ...common, executable: aPath().optional() }, { cmd: ['_raw_params'] }, (v, ctx) => refineCommon(v, ctx));

type CommandArgs = z.output<typeof commandArgs>;
type ShellArgs = z.output<typeof shellArgs>;
type AnyArgs = Partial<CommandArgs & ShellArgs> & { stdin_add_newline: boolean };

function resolve(p: string, chdir: string | undefined): string {
  return p.startsWith('/') || chdir === undefined ? p : `${chdir.replace(/\/+$/, '')}/${p}`;
}

function globKey(pattern: string): string {
  return `glob:${pattern}`;
}

/**
 * A read-only sh test: does any path match this glob? Literal runs are single-quoted,
 * only `*`, `?` and simple `[...]` classes stay unquoted, so nothing else is expanded.
 */
export function globTestCommand(pattern: string): string {
  let word = '';
  let lit = '';
  const flush = () => {
    if (lit) word += "'" + lit.replace(/'/g, `'"'"'`) + "'";
    lit = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?') {
      flush();
      word += c;
    } else if (c === '[') {
      const m = /^\[!?[A-Za-z0-9._-]+\]/.exec(pattern.slice(i));
      if (m) {
        flush();
        word += m[0];
        i += m[0].length - 1;
      } else lit += c;
    } else lit += c;
  }
  flush();
  return `for f in ${word}; do if [ -e "$f" ] || [ -L "$f" ]; then echo yes; exit 0; fi; done; echo no`;
}

function pathFacts(p: string | undefined, chdir: string | undefined): FactRequest[] {
  if (p === undefined) return [];
  const full = resolve(p, chdir);
  if (GLOB.test(full)) return [{ kind: 'command', key: globKey(full), command: globTestCommand(full) }];
  return [{ kind: 'file', path: normPath(full) }];
}

function exists(ctx: PlanContext, p: string, chdir: string | undefined): boolean {
  const full = resolve(p, chdir);
  if (GLOB.test(full)) return ctx.command(globKey(full)).stdout.trim() === 'yes';
  return ctx.file(normPath(full)).exists;
}

function commandFacts(a: AnyArgs): FactRequest[] {
  return [...(a.chdir !== undefined ? [{ kind: 'file' as const, path: normPath(a.chdir) }] : []), ...pathFacts(a.creates, a.chdir), ...pathFacts(a.removes, a.chdir)];
}

/**
 * Ansible changes into chdir before anything else, so a missing one fails the task in check
 * mode too. A symlink is left to the shell's `cd` (its target was not read).
 */
function chdirProblem(a: AnyArgs, ctx: PlanContext): string | undefined {
  if (a.chdir === undefined) return undefined;
  const d = ctx.file(normPath(a.chdir));
  if (!d.exists) return `Unable to change directory before execution: no such directory: ${a.chdir}`;
  if (d.type === 'file' || d.type === 'other') return `Unable to change directory before execution: not a directory: ${a.chdir}`;
  return undefined;
}

/** What the shell module's shell runs: its command string, read from fd 3 (then closed). */
export const SHELL_READER = 'eval "$(cat <&3)" 3<&-';

function planCommand(a: AnyArgs, shell: boolean, ctx: PlanContext): ModulePlan {
  let commandLine: string;
  let cmd: string | string[];
  let execLine: string | undefined;
  if (shell) {
    cmd = a.cmd!;
    const exe = a.executable ? shellQuote(a.executable) : '/bin/sh';
    // As Ansible would run it (messages); what really runs keeps the string off the argv.
    commandLine = `${exe} -c ${shellQuote(a.cmd!)}`;
    execLine = `${exe} -c ${shellQuote(SHELL_READER)}`;
  } else {
    let argv: string[];
    try {
      argv = a.cmd !== undefined && a.cmd.trim() !== '' ? shlexSplit(a.cmd) : a.argv!;
    } catch (e) {
      return failed(`cannot split command: ${(e as Error).message}`);
    }
    cmd = argv;
    commandLine = shellJoin(argv);
  }
  const noDir = chdirProblem(a, ctx);
  if (noDir) return failed(noDir);
  const shoulda = ctx.checkMode ? 'Would' : 'Did';
  const base = { cmd, rc: null as number | null, stdout: '', stderr: '', start: null, end: null, delta: null };
  if (a.creates !== undefined && exists(ctx, a.creates, a.chdir)) {
    const msg = `${shoulda} not run command since '${a.creates}' exists`;
    return { status: 'ok', msg, ops: [], diffs: [], runtimeOutcome: true, result: { ...base, changed: false, rc: 0, msg, stdout: `skipped, since ${a.creates} exists`, stdout_lines: [`skipped, since ${a.creates} exists`] } };
  }
  if (a.removes !== undefined && !exists(ctx, a.removes, a.chdir)) {
    const msg = `${shoulda} not run command since '${a.removes}' does not exist`;
    return { status: 'ok', msg, ops: [], diffs: [], runtimeOutcome: true, result: { ...base, changed: false, rc: 0, msg, stdout: `skipped, since ${a.removes} does not exist`, stdout_lines: [`skipped, since ${a.removes} does not exist`] } };
  }
  const op: Op = execLine !== undefined ? { op: 'exec', command: execLine, script: a.cmd! } : { op: 'exec', command: commandLine };
  if (a.chdir !== undefined) op.chdir = a.chdir;
  if (a.stdin !== undefined) op.stdin = a.stdin_add_newline ? a.stdin + '\n' : a.stdin;
  if (ctx.checkMode) {
    const msg = 'Command would have run if not in check mode';
    if (a.creates === undefined && a.removes === undefined) {
      return { status: 'skipped', msg, ops: [], diffs: [], runtimeOutcome: true, result: { ...base, rc: 0, msg, skipped: true, changed: false } };
    }
    return { status: 'changed', msg, ops: [op], diffs: [], runtimeOutcome: true, result: { ...base, rc: 0, msg, changed: true } };
  }
  return { status: 'changed', msg: `run: ${commandLine}`, ops: [op], diffs: [], runtimeOutcome: true, result: { ...base, changed: true, msg: '' } };
}

export const commandModule: ModuleDef<CommandArgs> = defineModule<CommandArgs>({
  name: 'command',
  aliases: ['ansible.builtin.command', 'ansible.legacy.command'],
  args: commandArgs,
  freeForm: 'cmd',
  supportsCheck: true,
  supportsDiff: false,
  reversible: false,
  facts: (a) => commandFacts(a),
  plan: (a, ctx) => planCommand(a, false, ctx),
});

export const shellModule: ModuleDef<ShellArgs> = defineModule<ShellArgs>({
  name: 'shell',
  aliases: ['ansible.builtin.shell', 'ansible.legacy.shell'],
  args: shellArgs,
  freeForm: 'cmd',
  supportsCheck: true,
  supportsDiff: false,
  reversible: false,
  facts: (a) => commandFacts(a),
  plan: (a, ctx) => planCommand(a, true, ctx),
});
