/**
 * The non-interactive command equivalent to a guide session, for next time. The guide runs
 * the engine with exactly the values these arguments produce (the same `-e` strings go through
 * the same parser), so the printed command does what the session did.
 */
import { shellQuote } from '../catalog/shellQuote.js';

export interface ApplyCommand {
  inventory: string;
  fixId: string;
  /** `--limit`; undefined means every host. */
  limit?: string;
  /** Vars the operator set, in the order asked. */
  vars: [string, string][];
  journalDir?: string;
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  /** Seconds, only when not the default. */
  connectTimeout?: number;
  /** `-F`: the ssh_config to read. */
  sshConfig?: string;
  /** `-K`: ask for the become password (the password itself is never printed). */
  askBecomePass?: boolean;
}

/** Characters that never need quoting in sh (and are not special to bash's history either). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word for sh: bare when that is unambiguous, single-quoted otherwise. */
export function shellWord(s: string): string {
  return s !== '' && SAFE_WORD.test(s) ? s : shellQuote(s);
}

const SAFE_KV_VALUE = /^[A-Za-z0-9_@%+:,./-]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One `-e` argument setting `name` to the string `value`. `name=value` when parse_kv reads
 * it back unchanged (no spaces, quotes, backslashes or `=`), otherwise an inline JSON mapping,
 * which is YAML and keeps the value a string whatever it contains.
 */
export function extraVarArg(name: string, value: string): string {
  if (!VAR_NAME.test(name)) throw new RangeError(`not a variable name: ${JSON.stringify(name)}`);
  if (SAFE_KV_VALUE.test(value)) return `${name}=${value}`;
  return JSON.stringify({ [name]: value });
}

/** argv after `crane-fix`, e.g. ['apply', '-i', 'inv', 'fix-id', '--limit', 'x', '-e', 'k=v']. */
export function applyArgv(c: ApplyCommand, opts: { dryRun?: boolean } = {}): string[] {
  const argv = ['apply', '-i', c.inventory, c.fixId];
  if (c.limit !== undefined) argv.push('--limit', c.limit);
  for (const [k, v] of c.vars) argv.push('-e', extraVarArg(k, v));
  if (c.journalDir) argv.push('--journal-dir', c.journalDir);
  for (const f of c.knownHosts ?? []) argv.push('--known-hosts', f);
  if (c.acceptNewHostKeys) argv.push('--accept-new-host-keys');
  if (c.connectTimeout !== undefined) argv.push('--connect-timeout', String(c.connectTimeout));
  if (c.sshConfig) argv.push('--ssh-config', c.sshConfig);
  if (c.askBecomePass) argv.push('--ask-become-pass');
  if (opts.dryRun) argv.push('--dry-run');
  return argv;
}

export function commandLine(argv: string[], program = 'crane-fix'): string {
  return [program, ...argv.map(shellWord)].join(' ');
}

export function rollbackCommand(runId: string, journalDir?: string): string {
  return commandLine(['rollback', runId, ...(journalDir ? ['--journal-dir', journalDir] : [])]);
}
