/**
 * Remote POSIX sh scripts, built as text and sent on stdin of `sh -s` (so nothing of them —
 * file contents, secrets — appears in the node's process list), and their output parsers.
 *
 *  - gather: every fact of every task of a host in ONE round trip;
 *  - apply: every op of a segment in ONE round trip, each file write guarded (sha256 of the
 *    content the plan was made from) and atomic (temp file in the same dir, fsync, rename);
 *  - restore: put snapshots back, byte-identical with mode and owner.
 *
 * Output protocol: lines starting with `@@CF ` frame records, read in order; payloads are raw
 * bytes with their length in the record line (a command's output) or end at a sentinel that
 * carries a random token (file contents), so no content can forge a frame. Callers read the
 * output as latin1 (one char per byte: `encoding: 'latin1'`), so lengths are byte counts.
 * Raw, because on a node every process counts: no temp dir (mktemp, rm) and no base64 for
 * facts — the benchmark showed node-side processes dominating a no-op run (bench/README.md).
 */
import type { CommandResult, FactRequest, FileState, Op } from '../modules/types.js';
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { shellQuote } from '../modules/shellQuote.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
const shq = (v: string | number): string => shellQuote(String(v));

/** Files larger than this are not read into memory (a module that needs content fails clearly). */
export const MAX_FACT_FILE_BYTES = 4 * 1024 * 1024;

/** A token for end markers that no file or command output can contain by chance or design. */
export const newToken = (): string => randomBytes(9).toString('base64url');

/** Raw protocol bytes (latin1 string) → the text they encode. */
const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

// Every script and step starts with this (builtins only). A temp dir is made only by a step
// that needs one (`mkT`: an exec op with stdin or a shell script), and removed when it ends.
// One EXIT trap does both jobs a shell can have: remove its temp dir, and — only in the
// session's main shell, the one that holds the host lock — empty the lock's owner file if it
// still names this run (see `lockScript`). `CFO` (this run's id) is set only by the gather
// script in that main shell; every script clears it first, so a step (a subshell, whose
// traps start unset) that calls mkT removes its temp dir and never releases the owner.
const PRELUDE = `umask 022
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
function captured(command: string, redirs: string): string {
  return [
    `R=$( { E=$( {`,
    command,
    `} ${redirs} 2>&1 1>&8 8>&- 9>&- ); r=$?; printf '\\n%s\\n%s %s' "$E" "$r" "\${#E}"; } 8>&1 ); c=\${R##*"$NL"}; rc=\${c%% *}`,
  ].join('\n');
}

/** Inverse of `captured`: a payload (latin1) → the command's result. */
function parseCaptured(r: string): CommandResult {
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
class Frames {
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

export interface GatherCommand {
  key: string;
  command: string;
  /** Run only if that command (gathered earlier in the same script) failed or printed `text`. */
  onlyIf?: { key: string; failedOrPrinted: string };
}

export interface GatherRequest {
  files: string[];
  /** Those of `files` read without `stat`: type, bytes and symlink target, no mode or owner. */
  contentOnly?: string[];
  commands: GatherCommand[];
}

export function collectFactRequests(reqs: FactRequest[]): GatherRequest {
  const files = new Set<string>();
  // A path is read content-only when every request for it says so.
  const needsAttrs = new Set<string>();
  const commands = new Map<string, GatherCommand>();
  for (const r of reqs) {
    if (r.kind === 'file') {
      files.add(r.path);
      if (!r.contentOnly) needsAttrs.add(r.path);
    } else {
      const had = commands.get(r.key);
      // One task needing the fact unconditionally makes it unconditional.
      const onlyIf = had && !had.onlyIf ? undefined : r.onlyIf;
      commands.set(r.key, { key: r.key, command: r.command, ...(onlyIf ? { onlyIf } : {}) });
    }
  }
  // Conditional commands last, and only on an unconditional command of this same script
  // (else: always run).
  const all = [...commands.values()];
  const conditional = (c: GatherCommand) => c.onlyIf !== undefined && commands.get(c.onlyIf.key)?.onlyIf === undefined && commands.has(c.onlyIf.key);
  const plain = all.filter((c) => !conditional(c)).map(({ onlyIf: _, ...c }) => c);
  const contentOnly = [...files].filter((f) => !needsAttrs.has(f));
  return { files: [...files], ...(contentOnly.length ? { contentOnly } : {}), commands: [...plain, ...all.filter(conditional)] };
}

/**
 * The per-host lock: /run/lock/crane-fix.lock (flock, on fd 9 of the session's main shell —
 * the gather shell, which stays alive for the whole run with the host and runs every later
 * step as a subshell, so the lock, once taken, is held until the session ends). The kernel
 * drops a flock when its holder dies, so a dead run never holds a host forever. A run that
 * cannot have it within `waitS` seconds reports "locked by run <id>" having changed nothing.
 *
 * When it is taken (`when`) — every process a script starts costs ~1.2-1.5 ms of node CPU
 * per host (bench/README.md), and most runs change nothing, so `flock` runs only where a run
 * may change the host or might see one half-changed:
 *  - 'on-change' (apply): the gather only opens the lock file (builtin `exec`). The first
 *    step that can change the host starts with `lockPrologue`: `flock -n -x`, else wait
 *    `flock -w`. If another run held it since our gather (we waited, or the lock file names
 *    another taker than the gather read), the facts may be stale: the step stops before
 *    changing anything (`@@CF relock`) and crane-fix gathers, plans and applies that host
 *    again — now under the lock. A no-op apply never starts `flock`.
 *  - 'if-held' (dry-run): shared, and only if the owner file is non-empty — a run holds the
 *    lock or held it until recently (the holder's EXIT trap empties it; a SIGKILLed holder
 *    leaves it, which costs the next dry-run one `flock` that succeeds at once). If the owner
 *    file or the lock file changed while the facts were read, an apply may have been changing
 *    them: the gather says `@@CF relock` and crane-fix reads them again under the shared lock.
 *  - 'now': take it in the gather, as every run did before (`crane-fix rollback`).
 * Files in the lock dir, all written only by a lock holder and read with the `read` builtin:
 * crane-fix.owner — the holder's run id (for "locked by run <id>"), emptied on release;
 * crane-fix.lock — the id of the last run that took it exclusively, with a token unique to
 * that taking (never emptied: how a run tells that another one took it since its facts).
 */
export type LockSpec =
  | { when: 'now'; exclusive: boolean; runId: string; waitS: number }
  | { when: 'on-change'; runId: string; waitS: number }
  | { when: 'if-held'; runId: string; waitS: number };

const waitOf = (waitS: number) => Math.max(0, Math.floor(waitS));

/** Builtins only: report the owner and give up (exit 6: HostLockedError, nothing changed). */
const LOCKED = '{ o=; [ -s "$L/crane-fix.owner" ] && read -r o < "$L/crane-fix.owner"; echo "@@CF locked $o"; exit 6; }';

/** Take the lock on the main shell's fd 9 (in the main shell or in a step) and record it. */
function takeLock(exclusive: boolean, runId: string, waitS: number): string {
  const mode = exclusive ? '-x' : '-s';
  return [
    `flock -n ${mode} 9 || { CFW=1; flock -w ${waitOf(waitS)} ${mode} 9 || ${LOCKED}; }`,
    // Exclusive: who took it exclusively before us (`lockPrologue` compares), then us.
    ...(exclusive ? ['CFT=; [ -s "$L/crane-fix.lock" ] && read -r CFT < "$L/crane-fix.lock"'] : []),
    `printf '%s\\n' ${shq(runId)} > "$L/crane-fix.owner"`,
    // A fresh token per taking: one run takes it once per play, and a later play of the run
    // that took it last must still count as "another taker" for a run that gathered before.
    ...(exclusive ? [`printf '%s\\n' ${shq(`${runId} ${newToken()}`)} > "$L/crane-fix.lock"`] : []),
  ].join('\n');
}

function lockScript(lock: LockSpec): string {
  const lines = [
    'L=/run/lock; [ -d "$L" ] || L=/var/lock; [ -d "$L" ] || L=/tmp',
    'CFK=; CFW=; CFG=; CFH=',
    'if command -v flock >/dev/null 2>&1; then',
    // Opened here, in the main shell, even when no lock is taken now: a later step locks this
    // same open file, and the main shell then holds the lock until the session ends.
    '  exec 9>>"$L/crane-fix.lock"; CFK=1',
    `  CFO=${shq(lock.runId)}; trap cfexit EXIT`,
    // Who took it exclusively last, as our facts are read.
    '  [ -s "$L/crane-fix.lock" ] && read -r CFG < "$L/crane-fix.lock"',
  ];
  if (lock.when === 'now') lines.push(takeLock(lock.exclusive, lock.runId, lock.waitS));
  if (lock.when === 'if-held') lines.push(`  if [ -s "$L/crane-fix.owner" ]; then CFH=1; ${takeLock(false, lock.runId, lock.waitS).replace(/\n/g, '; ')}; fi`);
  lines.push('else echo "@@CF nolock"; fi');
  // 'on-change' says nothing here: hostRun waits for the facts only.
  if (lock.when !== 'on-change') lines.push('echo "@@CF lock ok"');
  return lines.join('\n');
}

/**
 * The start of the first step of an 'on-change' run that can change the host (see
 * `LockSpec`), in the session the gather opened: take the lock exclusively on the main
 * shell's fd 9. `@@CF locked <owner>` (exit 6) if it cannot within `waitS`; `@@CF relock`
 * (exit 8, before the step did anything) if another run held it since the gather read the
 * facts; else `@@CF lock ok` and the step goes on. Always exactly one line first, so the
 * client can bound the lock wait apart from the step (a node that hangs mid-step still fails
 * within --timeout). A host without flock: no lock, as the gather said (`@@CF nolock`).
 */
export function lockPrologue(lock: { runId: string; waitS: number }): string {
  return [
    'if [ -n "$CFK" ]; then',
    '  CFW=',
    `  ${takeLock(true, lock.runId, lock.waitS).replace(/\n/g, '\n  ')}`,
    // Still our own gather's view: nobody took it exclusively since, and we did not wait.
    '  [ -z "$CFW" ] && [ "$CFT" = "$CFG" ] || { echo "@@CF relock"; exit 8; }',
    'fi',
    'echo "@@CF lock ok"',
    '',
  ].join('\n');
}

/** A step that takes the lock shared on the main shell's fd 9 (a dry-run reading again); one line first, as `lockPrologue`. */
export function sharedLockStep(lock: { runId: string; waitS: number }): string {
  return ['if [ -n "$CFK" ]; then', `  ${takeLock(false, lock.runId, lock.waitS).replace(/\n/g, '\n  ')}`, 'fi', 'echo "@@CF lock ok"', ''].join('\n');
}

/**
 * Files whose mode and owner a planner reads: one `stat` (type, mode, owner, size) for all of
 * them, then one `cat` of the regular ones that fit the read limit, split by those sizes.
 */
function statRead(idx: number[], token: string): string[] {
  const L = ['set --; E='];
  for (const i of idx) L.push(`if [ -e "$P${i}" ] || [ -L "$P${i}" ]; then E="$E ${i}"; set -- "$@" "$P${i}"; else echo "@@CF file ${i} absent"; fi`);
  L.push(
    `S=; if [ $# -gt 0 ]; then S=$(stat -c '%F|%a|%u|%g|%U|%G|%s' -- "$@" 2>/dev/null) || { echo "@@CF race"; exit 7; }; fi`,
    // One line per path (stat's %F and user names hold no newline); no globbing.
    'set -f; IFS=$NL; set -- $S; unset IFS; set +f; C=; BLOB=; BIG=',
    'for i in $E; do',
    '  s=$1; shift; eval "p=\\$P$i"',
    // A symlink's target (base64: it may hold '|' or spaces); `file state=link` needs it.
    '  l=-; [ -L "$p" ] && l=$(readlink -- "$p" | base64 -w0)',
    '  echo "@@CF file $i $s|$l"',
    '  case "$s" in "regular file|"*|"regular empty file|"*)',
    `    if [ "\${s##*|}" -le ${MAX_FACT_FILE_BYTES} ]; then BLOB="$BLOB $i:\${s##*|}"; C="$C \\"\\$P$i\\""; else BIG="$BIG $i"; fi ;;`,
    '  esac',
    'done',
    `if [ -n "$C" ]; then echo "@@CF blob ${token}$BLOB"; eval "cat -- $C"; printf '\\n@@CF blobend ${token}\\n'; fi`,
    'for i in $BIG; do eval "p=\\$P$i"; h=$(sha256sum < "$p") || h=-; echo "@@CF big $i ${h%% *}"; done',
  );
  return L;
}

/** Separator pipes one `head` can take (fds 3-7: 8 and 9 are the capture's and the lock's). */
const BARE_PER_HEAD = 5;

/**
 * Content-only files (FactRequest.contentOnly) without `stat`: the type from the shell's
 * builtin tests, and ONE `head` for the regular ones that prints each (up to the read limit
 * + 1 byte: more means too large) followed by a separator line with the run's random token.
 * The separators come from here-documents on fds 3-7, which the shell feeds through pipes
 * (`/dev/fd/N`): no temp file, no extra process. A file that vanishes after its test makes
 * `head` fail (`@@CF race`).
 */
function bareRead(idx: number[], token: string): string[] {
  const L = ['set --; n=3', `for i in ${idx.join(' ')}; do eval "p=\\$P$i"`];
  L.push(
    '  if [ -L "$p" ]; then echo "@@CF cfile $i l $(readlink -- "$p" | base64 -w0)"',
    '  elif [ -f "$p" ]; then echo "@@CF cfile $i f"; set -- "$@" "$p" /dev/fd/$n; n=$((n+1))',
    '  elif [ -d "$p" ]; then echo "@@CF cfile $i d"',
    '  elif [ -e "$p" ]; then echo "@@CF cfile $i o"',
    '  else echo "@@CF file $i absent"; fi',
    'done',
    // /dev/fd is Linux's link to /proc/self/fd: a node without it cannot be read this way.
    'if [ $# -gt 0 ] && ! [ -d /dev/fd ]; then echo "@@CF nodevfd"; exit 7; fi',
    `if [ $# -gt 0 ]; then echo "@@CF cblob ${token}"; head -q -c ${MAX_FACT_FILE_BYTES + 1} -- "$@" ${idx.map((_, k) => `${3 + k}<<'CRANE_FIX_SEP'`).join(' ')} || { printf '\\n@@CF race\\n'; exit 7; }`,
  );
  for (let k = 0; k < idx.length; k++) L.push('', `@@CF sep ${token}`, 'CRANE_FIX_SEP');
  L.push('fi');
  return L;
}

/**
 * Facts in as few processes as possible (on a busy node every process counts, and the
 * benchmark showed the node-side work, not the network, dominating a no-op run): the fact
 * commands first, each captured in a variable (no temp file) and printed with its length;
 * then ONE `stat` for every path that exists, ONE `cat` for the
 * bytes of every small regular file, raw, up to a sentinel with a random token (the client
 * splits them by the sizes `stat` gave and computes sha256 itself), `sha256sum` only for files
 * too large to send, `readlink` only for symlinks. If a file appears, vanishes or changes size
 * while this runs, the sizes and bytes disagree and the client says so (never a torn fact).
 * The last line is `@@CF end <token>`: wait for exactly that (a file may hold "@@CF end").
 */
export function gatherScript(req: GatherRequest, lock?: LockSpec, token: string = newToken()): string {
  const lines = [PRELUDE];
  if (lock) lines.push(lockScript(lock));
  const index = new Map(req.commands.map((c, i) => [c.key, i]));
  const referenced = new Set(req.commands.flatMap((c) => (c.onlyIf ? [index.get(c.onlyIf.key)] : [])));
  req.commands.forEach((c, i) => {
    const run = `${captured(c.command, '</dev/null')}\nprintf '@@CF cmd %s %s\\n%s\\n' ${i} "\${#R}" "$R"${referenced.has(i) ? `; R${i}=$R; rc${i}=$rc` : ''}`;
    const j = c.onlyIf ? index.get(c.onlyIf.key) : undefined;
    if (j === undefined) lines.push(run);
    else lines.push(`if [ "$rc${j}" != 0 ] || case "$R${j}" in *${shq(c.onlyIf!.failedOrPrinted)}*) true ;; *) false ;; esac; then\n${run}\nelse echo "@@CF cmd ${i} skipped"; fi`);
  });
  if (req.files.length) {
    // No mount-point check here: whether a target is a mount point matters only when its
    // rename fails (EBUSY), and the write checks it then; reading mountinfo with the shell's
    // byte-at-a-time `read` cost more than any process of this script (3.5 ms per host).
    req.files.forEach((f, i) => lines.push(`P${i}=${shq(f)}`));
    const co = new Set(req.contentOnly ?? []);
    const withAttrs = req.files.flatMap((f, i) => (co.has(f) ? [] : [i]));
    const bare = req.files.flatMap((f, i) => (co.has(f) ? [i] : []));
    if (withAttrs.length) lines.push(...statRead(withAttrs, token));
    for (let g = 0; g < bare.length; g += BARE_PER_HEAD) lines.push(...bareRead(bare.slice(g, g + BARE_PER_HEAD), token));
  }
  if (lock?.when === 'if-held') {
    // Read without the lock (nobody held it as we began): if a run took it since, it may
    // have been changing these files while we read them — say so, and crane-fix reads them
    // again under the shared lock. Builtins only; on a quiet host this costs nothing.
    lines.push(
      'if [ -n "$CFK" ] && [ -z "$CFH" ]; then',
      '  CFG2=; [ -s "$L/crane-fix.lock" ] && read -r CFG2 < "$L/crane-fix.lock"',
      '  if [ -s "$L/crane-fix.owner" ] || [ "$CFG2" != "$CFG" ]; then echo "@@CF relock"; fi',
      'fi',
    );
  }
  lines.push(`echo "@@CF end ${token}"`);
  return lines.join('\n') + '\n';
}

function fileType(t: string): FileState['type'] {
  if (t === 'regular file' || t === 'regular empty file') return 'file';
  if (t === 'directory') return 'directory';
  if (t === 'symbolic link') return 'symlink';
  return 'other';
}

export interface GatheredFacts {
  files: Map<string, FileState>;
  commands: Map<string, CommandResult>;
  /** A dry-run gather that read without the lock saw a run take it meanwhile: read again. */
  relock?: boolean;
}

export class HostLockedError extends Error {
  constructor(readonly owner: string) {
    super(`locked by run ${owner || '(unknown)'}: another crane-fix is changing this host; nothing was changed`);
  }
}

/** Another run took the host lock since this run read its facts; the step changed nothing. */
export class RelockError extends Error {
  constructor() {
    super('another run took the host lock since the facts were read: read them again');
  }
}

/**
 * A step that began with `lockPrologue`: HostLockedError if it could not have the lock,
 * RelockError if it stopped for a fresh gather — both said on its first line, before the
 * step did anything. Otherwise the step's own output (without the prologue's line).
 */
export function throwUnlessLockTaken(stdout: string): string {
  const nl = stdout.indexOf('\n');
  const first = nl < 0 ? stdout : stdout.slice(0, nl);
  if (first.startsWith('@@CF locked')) throw new HostLockedError(first.slice('@@CF locked'.length).trim());
  if (first === '@@CF relock') throw new RelockError();
  return first === '@@CF lock ok' ? stdout.slice(nl + 1) : stdout;
}

/** If the gather's output says another run holds the host lock, throw HostLockedError. */
export function throwIfLocked(stdout: string): void {
  // Only the lines before the first other record: the lock is taken before any payload.
  const fr = new Frames(stdout);
  for (let line = fr.line(); line !== undefined; line = fr.line()) {
    if (line.startsWith('@@CF locked')) throw new HostLockedError(line.slice('@@CF locked'.length).trim());
    if (line.startsWith('@@CF ') && line !== '@@CF nolock') return;
  }
}

function setContent(st: FileState, chunk: Buffer): void {
  st.tooLarge = false;
  st.sha256 = createHash('sha256').update(chunk).digest('hex');
  // A NUL byte or invalid UTF-8 means binary: never rewrite it through a text planner.
  const text = chunk.toString('utf8');
  if (chunk.includes(0) || Buffer.from(text, 'utf8').compare(chunk) !== 0) st.binary = true;
  else st.content = text;
}

/** Parse a gather script's output (read as latin1). */
export function parseGather(req: GatherRequest, stdout: string): GatheredFacts {
  const files = new Map<string, FileState>();
  const commands = new Map<string, CommandResult>();
  const skipped = new Set<string>();
  let sawEnd = false;
  let relock = false;
  const bare: FileState[] = [];
  const raced = () => new Error('files changed while facts were read (one appeared, vanished or changed size); nothing was changed — run again');
  const cutShort = () => new Error('fact gathering was cut short (no end marker)');
  const fr = new Frames(stdout);
  for (let line = fr.line(); line !== undefined && !sawEnd; line = fr.line()) {
    if (!line.startsWith('@@CF ')) continue;
    const [, kind, idxS] = line.split(' ', 3) as [string, string, string | undefined];
    if (kind === 'locked') throw new HostLockedError(line.slice('@@CF locked'.length).trim());
    if (kind === 'nolock' || kind === 'lock') continue;
    if (kind === 'relock') {
      relock = true;
      continue;
    }
    if (kind === 'race') throw raced();
    if (kind === 'nodevfd') throw new Error('the host has no /dev/fd (the link to /proc/self/fd): crane-fix reads files through it; nothing was changed');
    if (kind === 'end') {
      sawEnd = true;
      continue;
    }
    const idx = Number(idxS);
    if (kind === 'file') {
      const path = req.files[idx]!;
      const tail = line.slice(`@@CF file ${idxS} `.length);
      if (tail === 'absent') {
        files.set(path, { path, exists: false });
        continue;
      }
      const [t, mode, uid, gid, owner, group, size, link] = tail.split('|');
      const state: FileState = {
        path,
        exists: true,
        type: fileType(t ?? ''),
        mode: parseInt(mode ?? '0', 8),
        uid: Number(uid),
        gid: Number(gid),
        owner,
        group,
      };
      if (link && link !== '-') state.linkTarget = Buffer.from(link, 'base64').toString('utf8').replace(/\n$/, '');
      // Content and sha256 arrive with the blob (or as `big`); until then, too large.
      if (state.type === 'file') state.tooLarge = Number(size) > MAX_FACT_FILE_BYTES;
      files.set(path, state);
    } else if (kind === 'cmd') {
      const c = req.commands[idx];
      if (!c) throw new ProtocolError(`unknown command fact ${idxS}`);
      const lenS = line.split(' ')[3];
      if (lenS === 'skipped') {
        skipped.add(c.key);
        continue;
      }
      const payload = fr.take(Number(lenS));
      if (payload === undefined) throw cutShort();
      commands.set(c.key, parseCaptured(payload));
    } else if (kind === 'blob') {
      const [, , token, ...parts] = line.split(' ');
      const bytes = fr.until(`\n@@CF blobend ${token}\n`);
      if (bytes === undefined) throw cutShort();
      let at = 0;
      for (const part of parts) {
        const [iS, sizeS] = part.split(':');
        const size = Number(sizeS);
        const chunk = Buffer.from(bytes.slice(at, at + size), 'latin1');
        at += size;
        const st = files.get(req.files[Number(iS)]!);
        if (st) setContent(st, chunk);
      }
      if (at !== bytes.length) throw raced();
    } else if (kind === 'cfile') {
      // A content-only file (no stat): type, and a symlink's target; bytes come with `cblob`.
      const path = req.files[idx]!;
      const [, , , t, link] = line.split(' ');
      const state: FileState = { path, exists: true, type: t === 'f' ? 'file' : t === 'd' ? 'directory' : t === 'l' ? 'symlink' : 'other' };
      if (t === 'l' && link) state.linkTarget = Buffer.from(link, 'base64').toString('utf8').replace(/\n$/, '');
      if (t === 'f') {
        state.tooLarge = true; // until its bytes arrive
        bare.push(state);
      }
      files.set(path, state);
    } else if (kind === 'cblob') {
      // One section per regular file announced since the last cblob, each ended by a
      // separator that carries the token: no file can hold it.
      const sep = `\n@@CF sep ${idxS}\n`;
      for (const st of bare.splice(0)) {
        const bytes = fr.until(sep);
        // `head` failed before its last separator (it could not read, or not run at all).
        if (bytes === undefined) throw stdout.includes('\n@@CF race\n') ? raced() : cutShort();
        const chunk = Buffer.from(bytes, 'latin1');
        if (chunk.length > MAX_FACT_FILE_BYTES) continue; // stays tooLarge
        setContent(st, chunk);
      }
    } else if (kind === 'big') {
      const st = files.get(req.files[idx]!);
      const sha = line.split(' ')[3];
      if (st && sha && sha !== '-') st.sha256 = sha;
    }
  }
  if (!sawEnd) throw cutShort();
  for (const p of req.files) if (!files.has(p)) throw new Error(`fact for ${p} missing from gather output`);
  // A skipped conditional fact stays absent: a planner that reads it anyway asks for it again.
  for (const c of req.commands) if (!commands.has(c.key) && !skipped.has(c.key)) throw new Error(`fact for command ${c.key} missing from gather output`);
  return { files, commands, ...(relock ? { relock } : {}) };
}

// ---------------------------------------------------------------------------------------
// apply

export interface ScriptOp {
  /** Index into the host's flat op list, echoed back so results map to tasks. */
  id: number;
  op: Op;
  /** A failing exec does not stop the script (task has failed_when / ignore_errors). */
  mayFail?: boolean;
  /** Current state of the file this op touches (from facts + earlier planned ops). */
  before?: FileState;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');

interface WriteSpec {
  path: string;
  /** Undefined: the target's own, read on the node as it is written (`keep`). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** The target exists and already has this uid/gid: chown only if a new file would not. */
  ownerUnchanged?: boolean;
  /** sha256 the file must have now ('absent' = must not exist); undefined = no guard (restore). */
  expect?: string;
  /**
   * The target's mode and owner were never read (content-only facts): one `stat` on the node
   * reads them as the write begins, and the new file gets them — unless the op sets its own.
   * A target missing then (a restore only: a guarded write checked it exists) gets 0644 and
   * this shell's owner.
   */
  keep?: boolean;
}

/** A random temp-file suffix: `.crane-fix.` + 6 characters, the pattern restore cleans up. */
function tempName(dir: string): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(6)].map((b) => abc[b % abc.length]).join('');
  return `${dir === '/' ? '' : dir}/.crane-fix.${suffix}`;
}

/**
 * Consecutive file writes (distinct paths) as one batch, in a fixed number of processes
 * whatever their number — one `sha256sum`, one `sync` for the temp files, one `mv` per file,
 * one `sync` for their directories — instead of ~9 processes per file:
 *  1. every guard is checked before anything changes (a file that changed since it was read
 *     stops the batch with nothing renamed);
 *  2. each new content goes to a temp file beside its target, created exclusively (`set -C`:
 *     O_EXCL) by the shell's builtin printf (no process, nothing in ps), under a umask that
 *     gives it the target's permission bits — never more, except read/write for its owner,
 *     who writes it — so `chmod` runs only for modes a new file cannot get (exec or special
 *     bits, no owner read/write);
 *  3. one `sha256sum` checks the guards AND that every temp file holds exactly the planned
 *     bytes (a full disk or a short write never gets renamed into place);
 *  4. owner (`chown` only where the new file's owner differs: builtin `test -O/-G`), fsync of
 *     the temp files; then each rename, in op order; then fsync of the directories.
 * A target that is a mount point (bind-mounted resolv.conf) cannot be renamed over (EBUSY): it
 * is written in place after re-checking its guard, and said so.
 */
function writeGroupScript(group: { id: number; w: WriteSpec; text: string }[]): string {
  const L: string[] = [];
  const items = group.map((g, k) => {
    const dir = posix.dirname(g.w.path);
    return { ...g, k, dir, tmp: tempName(dir), newSha: createHash('sha256').update(g.text, 'utf8').digest('hex') };
  });
  const temps = items.map((it) => `"$N${it.k}"`).join(' ');
  const cleanup = `rm -f -- ${temps}`;
  for (const it of items) L.push(`W${it.k}=${shq(it.w.path)}; N${it.k}=${shq(it.tmp)}`);
  // An unguarded write (restore) still must not clobber a change made while it ran when it
  // falls back to writing in place: remember what the file held when the write began.
  for (const it of items) if (it.w.expect === undefined) L.push(`C${it.k}=absent; [ -e "$W${it.k}" ] && C${it.k}=$(shaof "$W${it.k}")`);
  // 1. existence guards (builtins)
  for (const it of items) {
    if (it.w.expect === 'absent') L.push(`if [ -e "$W${it.k}" ] || [ -L "$W${it.k}" ]; then echo "@@CF op ${it.id} guard present"; exit 3; fi`);
    else if (it.w.expect !== undefined) L.push(`[ -f "$W${it.k}" ] || { echo "@@CF op ${it.id} guard absent"; exit 3; }`);
  }
  // 1b. mode and owner of targets never stat'ed (content-only facts): read now, one `stat`
  // for the guarded ones (they exist: a failure is a race), one each for the others.
  const keptG = items.filter((it) => it.w.keep && it.w.expect !== undefined);
  const keptU = items.filter((it) => it.w.keep && it.w.expect === undefined);
  const split = (its: typeof items) => its.map((it) => `a=$1; shift; M${it.k}=\${a%% *}; a=\${a#* }; U${it.k}=\${a%% *}; G${it.k}=\${a#* }`);
  if (keptG.length) {
    L.push(
      `A=$(stat -c '%a %u %g' -- ${keptG.map((it) => `"$W${it.k}"`).join(' ')} 2>/dev/null) || { echo "@@CF op ${keptG[0]!.id} guard absent"; exit 3; }`,
      'set -f; IFS=$NL; set -- $A; unset IFS; set +f',
      ...split(keptG),
    );
  }
  for (const it of keptU) L.push(`A=$(stat -c '%a %u %g' -- "$W${it.k}" 2>/dev/null) || A='644 - -'; set -- "$A"`, ...split([it]));
  // 2. temp files: exclusive, with the target's permission bits a new file can get — never
  // more than the final file has, but always read/write for the owner (sha256sum reads it).
  L.push('set -C');
  for (const it of items) {
    if (it.w.mode !== undefined) L.push(`umask ${octal(0o777 & ~(it.w.mode | 0o600))}`);
    else L.push(`v=$((0$M${it.k} | 0600)); umask $(( (~v >> 6) & 7 ))$(( (~v >> 3) & 7 ))$(( ~v & 7 ))`);
    L.push(`{ printf '%s' ${shq(it.text)}; } >"$N${it.k}" || { ${cleanup} 2>/dev/null; echo "@@CF op ${it.id} error write"; exit 4; }`);
  }
  L.push('set +C; umask 022');
  // 3. one sha256sum: the guarded targets, then every temp file, one line each. (GNU
  // sha256sum starts a line with a backslash when the name needs escaping, so no name holds
  // a raw newline; the hash is what follows.)
  const guarded = items.filter((it) => it.w.expect !== undefined && it.w.expect !== 'absent');
  L.push(
    `H=$(sha256sum -- ${[...guarded.map((it) => `"$W${it.k}"`), temps].join(' ')} 2>/dev/null) || { ${cleanup}; echo "@@CF op ${items[0]!.id} error write"; exit 4; }`,
    'set -f; IFS=$NL; set -- $H; unset IFS; set +f',
  );
  const hash = 'h=${1%% *}; h=${h#\\\\}; shift';
  for (const it of guarded) L.push(`${hash}; [ "$h" = ${shq(it.w.expect!)} ] || { ${cleanup}; echo "@@CF op ${it.id} guard $h"; exit 3; }`);
  for (const it of items) L.push(`${hash}; [ "$h" = ${it.newSha} ] || { ${cleanup}; echo "@@CF op ${it.id} error write"; exit 4; }`);
  // 4. owners the new file would not have, then modes it cannot get (in that order: a chown
  // clears setuid/setgid bits), then fsync of the temp files.
  const byMode = new Map<string, string[]>();
  const byOwner = new Map<string, typeof items>();
  const attrs: string[] = [];
  const modes: string[] = [];
  for (const it of items) {
    // Mode and owner read on the node just now (`keep`): the same rules, in the shell.
    if (it.w.mode === undefined) modes.push(`{ [ $(( 0666 & (0$M${it.k} | 0600) )) -eq $((0$M${it.k})) ] || chmod "$M${it.k}" -- "$N${it.k}"; }`);
    else if ((0o666 & (it.w.mode | 0o600)) !== it.w.mode) byMode.set(octal(it.w.mode), [...(byMode.get(octal(it.w.mode)) ?? []), `"$N${it.k}"`]);
    if (it.w.uid === undefined && it.w.keep) attrs.push(`{ [ "$U${it.k}" = - ] || { [ -O "$W${it.k}" ] && [ -G "$W${it.k}" ] && [ -G "$N${it.k}" ]; } || chown "$U${it.k}:$G${it.k}" -- "$N${it.k}"; }`);
    if (it.w.uid !== undefined) {
      const o = `${it.w.uid}:${it.w.gid ?? ''}`;
      byOwner.set(o, [...(byOwner.get(o) ?? []), it]);
    }
  }
  [...byOwner].forEach(([o, its], q) => {
    // A file this shell creates is ours (uid) with our group unless the directory is setgid.
    // When the target is ours too and keeps its owner, the temp file already has it.
    L.push(
      `O${q}=`,
      ...its.map((it) =>
        it.w.ownerUnchanged
          ? `{ [ -O "$W${it.k}" ] && [ -G "$W${it.k}" ] && [ -G "$N${it.k}" ]; } || O${q}="$O${q} \"\$N${it.k}\""`
          : `O${q}="$O${q} \"\$N${it.k}\""`,
      ),
    );
    attrs.push(`{ [ -z "$O${q}" ] || eval "chown ${o} -- $O${q}"; }`);
  });
  attrs.push(...[...byMode].map(([m, ts]) => `chmod ${m} -- ${ts.join(' ')}`), ...modes);
  attrs.push(`sync -- ${temps}`);
  L.push(`${attrs.join(' && ')} || { ${cleanup}; echo "@@CF op ${items[0]!.id} error attrs"; exit 4; }`);
  // 5. renames, in op order. First a line to crane-fix: if it gave up on this host (timeout)
  // and the connection is gone, this write kills the script (SIGPIPE) before any rename —
  // a step left running on a node that hung and came back never changes a file afterwards.
  L.push('echo "@@CF renaming"');
  for (const it of items) {
    const rest = `rm -f -- ${items.slice(it.k).map((x) => `"$N${x.k}"`).join(' ')}`;
    L.push(
      `if mv -f -- "$N${it.k}" "$W${it.k}" 2>/dev/null; then echo "@@CF op ${it.id} ok"`,
      `elif ismount "$W${it.k}"; then`,
      `  now=$(shaof "$W${it.k}"); [ "$now" = ${it.w.expect !== undefined ? shq(it.w.expect) : `"$C${it.k}"`} ] || { ${rest}; echo "@@CF op ${it.id} guard $now"; exit 3; }`,
      // (Written in place, the file keeps its own mode and owner: set only what the op sets.)
      `  cat -- "$N${it.k}" > "$W${it.k}"${it.w.mode !== undefined ? ` && chmod ${octal(it.w.mode)} -- "$W${it.k}"` : ''}${it.w.uid !== undefined ? ` && chown ${it.w.uid}:${it.w.gid ?? ''} -- "$W${it.k}"` : ''} && sync -- "$W${it.k}" && rm -f -- "$N${it.k}" && echo "@@CF op ${it.id} inplace" || { ${rest}; echo "@@CF op ${it.id} error inplace"; exit 4; }`,
      `else ${rest}; echo "@@CF op ${it.id} error rename"; exit 4; fi`,
    );
  }
  L.push(`sync -- ${[...new Set(items.map((it) => shq(it.dir)))].join(' ')} 2>/dev/null`);
  return L.join('\n');
}

function writeSpecOf(op: Extract<Op, { op: 'write' }>, before?: FileState): WriteSpec {
  // Keep the current file's mode/owner unless the op sets them (Ansible does the same).
  const uid = op.uid ?? (before?.exists ? before.uid : undefined);
  const gid = op.gid ?? (before?.exists ? before.gid : undefined);
  const expect = op.expectSha256 ?? 'absent';
  // Read content-only: the node reads mode and owner as it writes.
  const keep = before?.exists === true && (before.mode === undefined || before.uid === undefined);
  return {
    path: op.path,
    mode: op.mode ?? (before?.exists ? before.mode : undefined) ?? (keep ? undefined : 0o644),
    uid,
    gid,
    ...(keep ? { keep } : {}),
    // Guarded (the target exists as it was read), and the owner stays what it was read as.
    ownerUnchanged: expect !== 'absent' && before?.exists === true && uid === before.uid && gid === before.gid,
    expect,
  };
}

function opScript(s: ScriptOp): string {
  const { id, op } = s;
  switch (op.op) {
    case 'write':
      return writeGroupScript([{ id, w: writeSpecOf(op, s.before), text: op.content }]);
    case 'remove':
      return [
        `p=${shq(op.path)}`,
        op.expectSha256
          ? `cur=absent; [ -f "$p" ] && cur=$(shaof "$p"); [ "$cur" = ${shq(op.expectSha256)} ] || { echo "@@CF op ${id} guard $cur"; exit 3; }`
          : ':',
        `rm -f${op.recursive ? 'r' : ''} -- "$p" && echo "@@CF op ${id} ok" || { echo "@@CF op ${id} error remove"; exit 4; }`,
      ].join('\n');
    case 'mkdir':
      return [
        `p=${shq(op.path)}`,
        `mkdir -p -- "$p"${op.mode !== undefined ? ` && chmod ${octal(op.mode)} "$p"` : ''}${op.uid !== undefined ? ` && chown ${op.uid}:${op.gid ?? ''} "$p"` : ''} && echo "@@CF op ${id} ok" || { echo "@@CF op ${id} error mkdir"; exit 4; }`,
      ].join('\n');
    case 'attrs': {
      const parts: string[] = [];
      if (op.mode !== undefined) parts.push(`chmod ${octal(op.mode)} -- "$p"`);
      const owner = op.uid ?? op.owner;
      const group = op.gid ?? op.group;
      if (owner !== undefined || group !== undefined) parts.push(`chown ${shq(`${owner ?? ''}${group !== undefined ? ':' + group : ''}`)} -- "$p"`);
      return [`p=${shq(op.path)}`, `${parts.join(' && ') || ':'} && echo "@@CF op ${id} ok" || { echo "@@CF op ${id} error attrs"; exit 4; }`].join('\n');
    }
    case 'symlink':
      return [
        `p=${shq(op.path)}`,
        `ln -sfn -- ${shq(op.target)} "$p" && echo "@@CF op ${id} ok" || { echo "@@CF op ${id} error symlink"; exit 4; }`,
      ].join('\n');
    case 'exec': {
      const files = op.stdin !== undefined || op.script !== undefined;
      return [
        // Builtin printf (no process, nothing in ps) writes the command's stdin and, for the
        // shell module, its command string — which reaches the command on fd 3, never an argv.
        // Only these need a temp dir; a command without stdin reads /dev/null.
        ...(files ? ['mkT'] : []),
        ...(op.stdin !== undefined ? [`{ printf '%s' ${shq(op.stdin)}; } >"$T/i"`] : []),
        ...(op.script !== undefined ? [`{ printf '%s' ${shq(op.script)}; } >"$T/c"`] : []),
        captured(`${op.chdir ? `cd ${shq(op.chdir)} || exit 1; ` : ''}${op.command}`, `${op.stdin !== undefined ? '<"$T/i"' : '</dev/null'}${op.script !== undefined ? ' 3<"$T/c"' : ''}`),
        ...(op.script !== undefined ? ['rm -f "$T/c"'] : []),
        `printf '@@CF op %s exec %s %s\\n%s\\n' ${id} "$rc" "\${#R}" "$R"`,
        s.mayFail ? ':' : `[ $rc -eq 0 ] || exit 5`,
      ].join('\n');
    }
  }
}

export function applyScript(ops: ScriptOp[]): string {
  const parts: string[] = [PRELUDE];
  let group: { id: number; w: WriteSpec; text: string }[] = [];
  const flush = () => {
    if (group.length) parts.push(writeGroupScript(group));
    group = [];
  };
  for (const s of ops) {
    const op = s.op;
    if (op.op === 'write') {
      // The same path twice: its second write is guarded by the first's result — a new batch.
      if (group.some((g) => g.w.path === op.path)) flush();
      group.push({ id: s.id, w: writeSpecOf(op, s.before), text: op.content });
    } else {
      flush();
      parts.push(opScript(s));
    }
  }
  flush();
  parts.push('echo "@@CF end"');
  return parts.join('\n') + '\n';
}

export type OpOutcome =
  | { id: number; kind: 'ok'; inPlace?: boolean }
  | { id: number; kind: 'guard'; found: string }
  | { id: number; kind: 'error'; what: string }
  | { id: number; kind: 'exec'; result: CommandResult };

/** Parse an apply or restore script's output (read as latin1). */
export function parseApply(stdout: string): { outcomes: OpOutcome[]; complete: boolean } {
  const fr = new Frames(stdout);
  const outcomes: OpOutcome[] = [];
  let complete = false;
  for (let line = fr.line(); line !== undefined; line = fr.line()) {
    if (!line.startsWith('@@CF ')) continue;
    const parts = line.split(' ');
    if (parts[1] === 'end') {
      complete = true;
      continue;
    }
    const id = Number(parts[2]);
    const kind = parts[3];
    if (kind === 'ok') outcomes.push({ id, kind: 'ok' });
    else if (kind === 'inplace') outcomes.push({ id, kind: 'ok', inPlace: true });
    else if (kind === 'guard') outcomes.push({ id, kind: 'guard', found: parts[4] ?? '' });
    else if (kind === 'error') outcomes.push({ id, kind: 'error', what: parts.slice(4).join(' ') });
    else if (kind === 'exec') {
      const payload = fr.take(Number(parts[5]));
      if (payload === undefined) break; // cut short: this op's result never arrived
      outcomes.push({ id, kind: 'exec', result: parseCaptured(payload) });
    }
  }
  return { outcomes, complete };
}

// ---------------------------------------------------------------------------------------
// restore

export interface Snapshot {
  path: string;
  existed: boolean;
  type?: FileState['type'];
  mode?: number;
  uid?: number;
  gid?: number;
  /** base64 of the original bytes (files only). */
  contentB64?: string;
  /** Where a symlink pointed. */
  linkTarget?: string;
  sha256?: string;
}

/**
 * Restore snapshots in reverse order of first touch. Unconditional (no guard): the point is
 * to put back exactly what was there, whatever a half-applied run left.
 */
export function restoreScript(snaps: Snapshot[]): string {
  const lines = [PRELUDE, 'failed=0'];
  // A write cut short (node killed or hung mid-op) leaves its temp file beside the target; the
  // host lock guarantees no other run is writing here, so leftovers in these dirs are ours.
  // First: a directory the run created cannot be removed while one is inside it.
  const dirs = [...new Set(snaps.map((s) => posix.dirname(s.path)))];
  for (const d of dirs) lines.push(`rm -f -- ${shq(d)}/.crane-fix.?????? 2>/dev/null`);
  // …and inside a directory the run created (the temp file of a file written into it).
  for (const s of snaps) if (!s.existed) lines.push(`[ -d ${shq(s.path)} ] && [ ! -L ${shq(s.path)} ] && rm -f -- ${shq(s.path)}/.crane-fix.?????? 2>/dev/null`);
  [...snaps].reverse().forEach((s, i) => {
    // Each restore runs in a subshell: one file that cannot be restored must not stop the
    // others (best effort, every failure reported). A file already as it was is left alone.
    const p = `p=${shq(s.path)}`;
    // Read content-only, the file's mode and owner were never known: the run kept them, and
    // so does the restore (the write reads them on the node).
    const a = s.mode !== undefined && s.uid !== undefined ? { mode: s.mode, uid: s.uid, gid: s.gid } : undefined;
    let body: string;
    if (!s.existed) {
      body = `${p}\nif [ -d "$p" ] && [ ! -L "$p" ]; then rmdir -- "$p" 2>/dev/null; else rm -f -- "$p"; fi; [ -e "$p" ] && { echo "@@CF op ${i} error remove"; exit 4; }; echo "@@CF op ${i} ok"`;
    } else if (s.type === 'symlink') {
      body = `${p}\nif [ -L "$p" ] && [ "$(readlink -- "$p")" = ${shq(s.linkTarget ?? '')} ]; then echo "@@CF op ${i} ok"; exit 0; fi\nrm -f -- "$p" && ln -s -- ${shq(s.linkTarget ?? '')} "$p" && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error symlink"; exit 4; }`;
    } else if (s.type === 'directory') {
      body = `${p}\nmkdir -p -- "$p"${a ? ` && chmod ${octal(a.mode)} "$p" && chown ${a.uid}:${a.gid} "$p"` : ''} && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error dir"; exit 4; }`;
    } else if (s.contentB64 === undefined) {
      // Binary or too large: its bytes were never captured, so they cannot be written back —
      // writing the empty string would destroy the file. Put back mode and owner if the
      // bytes are still the ones the run saw; otherwise say it cannot be restored.
      body = [
        p,
        `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? 'unknown')} ] || { echo "@@CF op ${i} error content-not-captured"; exit 4; }`,
        `${a ? `chmod ${octal(a.mode)} -- "$p" && chown ${a.uid}:${a.gid} -- "$p" && ` : ''}echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error attrs"; exit 4; }`,
      ].join('\n');
    } else {
      const same = `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? '')} ]${a ? ` && [ "$(stat -c '%a:%u:%g' -- "$p")" = ${shq(`${a.mode.toString(8)}:${a.uid}:${a.gid}`)} ]` : ''}`;
      const text = Buffer.from(s.contentB64 ?? '', 'base64').toString('utf8');
      const w: WriteSpec = a ? { path: s.path, ...a } : { path: s.path, keep: true };
      body = `${p}\nif ${same}; then echo "@@CF op ${i} ok"; exit 0; fi\n${writeGroupScript([{ id: i, w, text }])}`;
    }
    lines.push(`(\n${body}\n) || failed=1`);
  });
  lines.push('[ $failed = 0 ] && echo "@@CF end"');
  return lines.join('\n') + '\n';
}
