/**
 * What every remote script shares: sh quoting, the end-marker token, the PRELUDE every script
 * and step starts with, the capture of one command's stdout/stderr/rc without a temp file,
 * and the frame reader for a script's output (see ../remoteScript.ts for the protocol).
 */
import { randomBytes } from 'node:crypto';
import type { CommandResult } from '../../modules/types.js';
import { shellQuote } from '../../modules/shellQuote.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
export const shq = (v: string | number): string => shellQuote(String(v));

/** Files larger than this are not read into memory (a module that needs content fails clearly). */
export const MAX_FACT_FILE_BYTES = 4 * 1024 * 1024;

/** A token for end markers that no file or command output can contain by chance or design. */
export const newToken = (): string => randomBytes(9).toString('base64url');

/** Raw protocol bytes (latin1 string) → the text they encode. */
export const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

// Every script and step starts with this (builtins only). A temp dir is made only by a step
// that needs one (`mkT`: an exec op with stdin or a shell script), and removed when it ends.
// One EXIT trap does both jobs a shell can have: remove its temp dir, and — only in the
// session's main shell, the one that holds the host lock — empty the lock's owner file if it
// still names this run (see `lockScript`). `CFO` (this run's id) is set only by the gather
// script in that main shell; every script clears it first, so a step (a subshell, whose
// traps start unset) that calls mkT removes its temp dir and never releases the owner.
export const PRELUDE = `umask 022
export LC_ALL=C
NL='
'
CFO=
cfexit() { [ -z "$T" ] || rm -rf "$T"; [ -z "$CFO" ] || { o=; [ -s "$L/crane-fix.owner" ] && read -r o < "$L/crane-fix.owner"; [ "$o" != "$CFO" ] || : > "$L/crane-fix.owner"; }; }
mkT() { [ -n "$T" ] || { T=$(mktemp -d "\${TMPDIR:-/tmp}/.crane-fix.XXXXXX") || exit 90; trap cfexit EXIT; }; }
ismount() { while read -r _ _ _ _ mp _; do [ "$mp" = "$1" ] && return 0; done </proc/self/mountinfo; return 1; }
shaof() { h=$(sha256sum < "$1") && echo "\${h%% *}"; }
`;

/**
 * Run `command` in a subshell and capture everything in $R without a file: its stdout, a
 * newline, its stderr, then a last line "<rc> <bytes of stderr>"; $rc is set too. The
 * command's stdout goes straight to the outer substitution (fd 8), so the trailer we print
 * after it keeps its trailing newlines; its stderr is captured by the inner one, of which the
 * command is the last word — the shell execs it there without another fork (two forks per
 * command, where stdout and stderr each in its own nested capture took three, ~0.3 ms each on
 * a node: bench/README.md). The shell strips trailing newlines from that stderr, as Ansible
 * does. `redirs` gives the command its stdin. The command gets neither our pipes nor the host
 * lock (fd 9): a background process it leaves behind must not hold the lock.
 * (NUL bytes are dropped, as in any shell's command substitution.)
 */
export function captured(command: string, redirs: string): string {
  return [
    `R=$( { E=$( {`,
    command,
    `} ${redirs} 2>&1 1>&8 8>&- 9>&- ); r=$?; printf '\\n%s\\n%s %s' "$E" "$r" "\${#E}"; } 8>&1 ); c=\${R##*"$NL"}; rc=\${c%% *}`,
  ].join('\n');
}

/** Inverse of `captured`: a payload (latin1) → the command's result. */
export function parseCaptured(r: string): CommandResult {
  const nl = r.lastIndexOf('\n');
  const [rcS, lenS] = r.slice(nl + 1).split(' ');
  const len = Number(lenS);
  const errAt = nl - len;
  if (nl < 0 || !Number.isInteger(len) || len < 0 || errAt < 1 || r[errAt - 1] !== '\n' || !/^\d+$/.test(rcS ?? '')) {
    // The capture itself was cut short (the shell was killed): keep what arrived as stderr.
    return { rc: 255, stdout: '', stderr: utf8(r) };
  }
  return { rc: Number(rcS), stdout: utf8(r.slice(0, errAt - 1)), stderr: utf8(r.slice(errAt, nl)) };
}

export class ProtocolError extends Error {}

/** Reads a script's output (latin1) record by record; payloads are skipped by length. */
export class Frames {
  private at = 0;
  constructor(private readonly s: string) {}
  /** The next line without its '\n', or undefined when no complete line is left. */
  line(): string | undefined {
    const j = this.s.indexOf('\n', this.at);
    if (j < 0) return undefined;
    const l = this.s.slice(this.at, j);
    this.at = j + 1;
    return l;
  }
  /** `n` bytes and the '\n' after them; undefined if the output stops before (cut short). */
  take(n: number): string | undefined {
    if (!Number.isInteger(n) || n < 0) throw new ProtocolError(`bad payload length ${n}`);
    if (this.at + n + 1 > this.s.length) return undefined;
    if (this.s[this.at + n] !== '\n') throw new ProtocolError('payload length does not match the output');
    const v = this.s.slice(this.at, this.at + n);
    this.at += n + 1;
    return v;
  }
  /** Everything up to `sentinel` (consumed too); undefined if it never comes. */
  until(sentinel: string): string | undefined {
    const j = this.s.indexOf(sentinel, this.at);
    if (j < 0) return undefined;
    const v = this.s.slice(this.at, j);
    this.at = j + sentinel.length;
    return v;
  }
}
