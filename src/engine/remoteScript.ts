/**
 * Remote POSIX sh scripts, built as text and sent on stdin of `sh -s` (so nothing of them —
 * file contents, secrets — appears in the node's process list), and their output parsers.
 *
 *  - gather: every fact of every task of a host in ONE round trip;
 *  - apply: every op of a segment in ONE round trip, each file write guarded (sha256 of the
 *    content the plan was made from) and atomic (temp file in the same dir, fsync, rename);
 *  - restore: put snapshots back, byte-identical with mode and owner.
 *
 * Output protocol: lines starting with `@@CF ` frame records; payloads are base64 so no
 * content can forge a frame.
 */
import type { CommandResult, FactRequest, FileState, Op } from '../modules/types.js';
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { shellQuote } from '../modules/shellQuote.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
const shq = (v: string | number): string => shellQuote(String(v));

/** Files larger than this are not read into memory (a module that needs content fails clearly). */
export const MAX_FACT_FILE_BYTES = 4 * 1024 * 1024;

// A step that runs inside the held gather shell inherits its $T: no mktemp, no rm per step.
const PRELUDE = `umask 022
export LC_ALL=C
if [ -z "$T" ]; then T=$(mktemp -d "\${TMPDIR:-/tmp}/.crane-fix.XXXXXX") || exit 90; trap 'rm -rf "$T"' EXIT; fi
b64() { base64 -w0 "$@"; echo; }
ismount() { while read -r _ _ _ _ mp _; do [ "$mp" = "$1" ] && return 0; done </proc/self/mountinfo; return 1; }
shaof() { h=$(sha256sum < "$1") && echo "\${h%% *}"; }
`;

export interface GatherRequest {
  files: string[];
  commands: { key: string; command: string }[];
}

export function collectFactRequests(reqs: FactRequest[]): GatherRequest {
  const files = new Set<string>();
  const commands = new Map<string, string>();
  for (const r of reqs) {
    if (r.kind === 'file') files.add(r.path);
    else commands.set(r.key, r.command);
  }
  return { files: [...files], commands: [...commands].map(([key, command]) => ({ key, command })) };
}

/**
 * The per-host lock: every run takes /run/lock/crane-fix.lock (flock; exclusive for apply and
 * rollback, shared for dry-run) in its gather script and holds it until the run is done with
 * the host — the gather shell keeps waiting on stdin, holding fd 9. A second crane-fix waits
 * up to `waitS` seconds, then reports "locked by run <id>" having changed nothing. The kernel
 * drops a flock when its holder dies, so a dead run never holds a host forever.
 */
export interface LockSpec {
  exclusive: boolean;
  runId: string;
  waitS: number;
}

function lockScript(lock: LockSpec): string {
  const mode = lock.exclusive ? '-x' : '-s';
  return `L=/run/lock; [ -d "$L" ] || L=/var/lock; [ -d "$L" ] || L=/tmp
if command -v flock >/dev/null 2>&1; then
  exec 9>>"$L/crane-fix.lock"
  if ! flock -n ${mode} 9; then
    flock -w ${Math.max(0, Math.floor(lock.waitS))} ${mode} 9 || { echo "@@CF locked $(cat "$L/crane-fix.owner" 2>/dev/null)"; exit 6; }
  fi
  printf '%s\n' ${shq(lock.runId)} > "$L/crane-fix.owner"
else echo "@@CF nolock"; fi
echo "@@CF lock ok"`;
}

/**
 * Facts in as few processes as possible (on a busy node every fork counts, and the benchmark
 * showed the node-side work, not the network, dominating a no-op run): the fact commands
 * first, each writing its output to a file; then a builtin read of mountinfo, ONE `stat`
 * for every path that exists plus the command outputs, ONE `cat | base64` for the bytes of every
 * small regular file and every output (the client splits them by the sizes `stat` gave and
 * computes sha256 itself), `sha256sum` only for files too large to send, `readlink` only for
 * symlinks. If a file appears, vanishes or changes size while this runs, the sizes and bytes
 * disagree and the client says so (never a torn fact).
 */
export function gatherScript(req: GatherRequest, lock?: LockSpec): string {
  const lines = [PRELUDE];
  if (lock) lines.push(lockScript(lock));
  req.commands.forEach((c, i) => {
    lines.push(`( ${c.command}\n) </dev/null >"$T/o${i}" 2>"$T/e${i}"; echo "@@CF cmd ${i} $?"`);
  });
  const n = req.files.length;
  if (n) {
    // Mount points: a builtin read loop (a third of an awk process's CPU here).
    lines.push(`MP=' '; while read -r _ _ _ _ mp _; do MP="$MP$mp "; done </proc/self/mountinfo`);
    req.files.forEach((f, i) => lines.push(`P${i}=${shq(f)}`));
  }
  lines.push('set --; E=');
  for (let i = 0; i < n; i++) lines.push(`if [ -e "$P${i}" ] || [ -L "$P${i}" ]; then E="$E ${i}"; set -- "$@" "$P${i}"; else echo "@@CF file ${i} absent"; fi`);
  req.commands.forEach((_, i) => lines.push(`set -- "$@" "$T/o${i}" "$T/e${i}"`));
  lines.push(
    `if [ $# -gt 0 ]; then stat -c '%F|%a|%u|%g|%U|%G|%s' -- "$@" >"$T/s" 2>/dev/null || { echo "@@CF race"; exit 7; }; else : >"$T/s"; fi`,
    'exec 3<"$T/s"; set --; BLOB=; BIG=',
    'for i in $E; do',
    '  IFS= read -r s <&3; eval "p=\\$P$i"',
    '  m=0; case "$MP" in *" $p "*) m=1 ;; esac',
    // A symlink's target (base64: it may hold '|' or spaces); `file state=link` needs it.
    '  l=-; [ -L "$p" ] && l=$(readlink -- "$p" | base64 -w0)',
    '  echo "@@CF file $i $s|$m|$l"',
    '  case "$s" in "regular file|"*|"regular empty file|"*)',
    `    if [ "\${s##*|}" -le ${MAX_FACT_FILE_BYTES} ]; then BLOB="$BLOB f:$i:\${s##*|}"; set -- "$@" "$p"; else BIG="$BIG $i"; fi ;;`,
    '  esac',
    'done',
  );
  req.commands.forEach((_, i) => {
    lines.push(`IFS= read -r s <&3; BLOB="$BLOB o:${i}:\${s##*|}"; IFS= read -r s <&3; BLOB="$BLOB e:${i}:\${s##*|}"; set -- "$@" "$T/o${i}" "$T/e${i}"`);
  });
  lines.push(
    'exec 3<&-',
    'echo "@@CF blob$BLOB"',
    // base64 takes one file: cat joins them (two processes for any number of files).
    'if [ $# -gt 0 ]; then cat -- "$@" | base64 -w0 || exit 7; fi; echo',
    'for i in $BIG; do eval "p=\\$P$i"; h=$(sha256sum < "$p") || h=-; echo "@@CF big $i ${h%% *}"; done',
    'echo "@@CF end"',
  );
  return lines.join('\n') + '\n';
}

function fileType(t: string): FileState['type'] {
  if (t === 'regular file' || t === 'regular empty file') return 'file';
  if (t === 'directory') return 'directory';
  if (t === 'symbolic link') return 'symlink';
  return 'other';
}

const fromB64 = (s: string | undefined) => (s && s !== '-' ? Buffer.from(s, 'base64') : undefined);

export interface GatheredFacts {
  files: Map<string, FileState>;
  commands: Map<string, CommandResult>;
}

export class HostLockedError extends Error {
  constructor(readonly owner: string) {
    super(`locked by run ${owner || '(unknown)'}: another crane-fix is changing this host; nothing was changed`);
  }
}

export function parseGather(req: GatherRequest, stdout: string): GatheredFacts {
  const locked = /^@@CF locked ?(.*)$/m.exec(stdout);
  if (locked) throw new HostLockedError(locked[1]!.trim());
  const lines = stdout.split('\n');
  const files = new Map<string, FileState>();
  const commands = new Map<string, CommandResult>();
  const rcs = new Map<number, number>();
  let sawEnd = false;
  const raced = () => new Error('files changed while facts were read (one appeared, vanished or changed size); nothing was changed — run again');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('@@CF ')) continue;
    const [, kind, idxS] = line.split(' ', 3) as [string, string, string | undefined];
    if (kind === 'nolock') continue;
    if (kind === 'race') throw raced();
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
      const [t, mode, uid, gid, owner, group, size, mount, link] = tail.split('|');
      const state: FileState = {
        path,
        exists: true,
        type: fileType(t ?? ''),
        mode: parseInt(mode ?? '0', 8),
        uid: Number(uid),
        gid: Number(gid),
        owner,
        group,
        mountpoint: mount === '1',
      };
      if (link && link !== '-') state.linkTarget = Buffer.from(link, 'base64').toString('utf8').replace(/\n$/, '');
      // Content and sha256 arrive with the blob (or as `big`); until then, too large.
      if (state.type === 'file') state.tooLarge = Number(size) > MAX_FACT_FILE_BYTES;
      files.set(path, state);
    } else if (kind === 'cmd') {
      rcs.set(idx, Number(line.split(' ')[3]));
    } else if (kind === 'blob') {
      const parts = line.slice('@@CF blob'.length).trim().split(' ').filter(Boolean);
      const bytes = Buffer.from(lines[++i] ?? '', 'base64');
      let at = 0;
      const outs = new Map<string, Buffer>();
      for (const part of parts) {
        const [k, iS, sizeS] = part.split(':');
        const size = Number(sizeS);
        const chunk = bytes.subarray(at, at + size);
        at += size;
        if (k === 'f') {
          const st = files.get(req.files[Number(iS)]!);
          if (!st) continue;
          st.tooLarge = false;
          st.sha256 = createHash('sha256').update(chunk).digest('hex');
          // A NUL byte or invalid UTF-8 means binary: never rewrite it through a text planner.
          const text = chunk.toString('utf8');
          if (chunk.includes(0) || Buffer.from(text, 'utf8').compare(chunk) !== 0) st.binary = true;
          else st.content = text;
        } else outs.set(`${k}${iS}`, chunk);
      }
      if (at !== bytes.length) throw raced();
      req.commands.forEach((c, ci) => {
        commands.set(c.key, { rc: rcs.get(ci) ?? 255, stdout: (outs.get(`o${ci}`) ?? Buffer.alloc(0)).toString('utf8'), stderr: (outs.get(`e${ci}`) ?? Buffer.alloc(0)).toString('utf8') });
      });
    } else if (kind === 'big') {
      const st = files.get(req.files[idx]!);
      const sha = line.split(' ')[3];
      if (st && sha && sha !== '-') st.sha256 = sha;
    }
  }
  if (!sawEnd) throw new Error('fact gathering was cut short (no end marker)');
  for (const p of req.files) if (!files.has(p)) throw new Error(`fact for ${p} missing from gather output`);
  for (const c of req.commands) if (!commands.has(c.key)) throw new Error(`fact for command ${c.key} missing from gather output`);
  return { files, commands };
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
  mode: number;
  uid?: number;
  gid?: number;
  /** sha256 the file must have now ('absent' = must not exist); undefined = no guard (restore). */
  expect?: string;
}

/** A random temp-file suffix: `.crane-fix.` + 6 characters, the pattern restore cleans up. */
function tempName(dir: string): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(6)].map((b) => abc[b % abc.length]).join('');
  return `${dir === '/' ? '' : dir}/.crane-fix.${suffix}`;
}

/**
 * Consecutive file writes (distinct paths) as one batch, in a fixed number of processes
 * whatever their number — one `sha256sum`, one `chmod`/`chown`/`sync` per distinct mode/owner,
 * one `mv` per file, one `sync` for their directories — instead of ~9 processes per file:
 *  1. every guard is checked before anything changes (a file that changed since it was read
 *     stops the batch with nothing renamed);
 *  2. each new content goes to a temp file beside its target, created exclusively (`set -C`:
 *     O_EXCL) with mode 0600 by the shell's builtin printf (no process, nothing in ps);
 *  3. one `sha256sum` checks the guards AND that every temp file holds exactly the planned
 *     bytes (a full disk or a short write never gets renamed into place);
 *  4. mode, owner, fsync of the temp files; then each rename, in op order; then fsync of
 *     the directories. A target that is a mount point (bind-mounted resolv.conf) cannot be
 *     renamed over (EBUSY): it is written in place after re-checking its guard, and said so.
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
  // 2. temp files: exclusive, 0600 while they hold the content
  L.push('set -C; umask 077');
  for (const it of items) L.push(`{ printf '%s' ${shq(it.text)}; } >"$N${it.k}" || { ${cleanup} 2>/dev/null; echo "@@CF op ${it.id} error write"; exit 4; }`);
  L.push('set +C; umask 022');
  // 3. one sha256sum: the guarded targets, then every temp file. (GNU sha256sum starts the
  // line with a backslash when the name needs escaping; the hash is what follows.)
  const guarded = items.filter((it) => it.w.expect !== undefined && it.w.expect !== 'absent');
  L.push(
    `sha256sum -- ${[...guarded.map((it) => `"$W${it.k}"`), temps].join(' ')} >"$T/h" 2>/dev/null || { ${cleanup}; echo "@@CF op ${items[0]!.id} error write"; exit 4; }`,
    'exec 4<"$T/h"',
  );
  const hash = 'read -r h _ <&4; h=${h#\\\\}';
  for (const it of guarded) L.push(`${hash}; [ "$h" = ${shq(it.w.expect!)} ] || { exec 4<&-; ${cleanup}; echo "@@CF op ${it.id} guard $h"; exit 3; }`);
  for (const it of items) L.push(`${hash}; [ "$h" = ${it.newSha} ] || { exec 4<&-; ${cleanup}; echo "@@CF op ${it.id} error write"; exit 4; }`);
  L.push('exec 4<&-');
  // 4. attributes and fsync of the temp files, grouped by mode and by owner
  const byMode = new Map<string, string[]>();
  const byOwner = new Map<string, string[]>();
  for (const it of items) {
    byMode.set(octal(it.w.mode), [...(byMode.get(octal(it.w.mode)) ?? []), `"$N${it.k}"`]);
    if (it.w.uid !== undefined) {
      const o = `${it.w.uid}:${it.w.gid ?? ''}`;
      byOwner.set(o, [...(byOwner.get(o) ?? []), `"$N${it.k}"`]);
    }
  }
  const attrs = [...[...byMode].map(([m, ts]) => `chmod ${m} -- ${ts.join(' ')}`), ...[...byOwner].map(([o, ts]) => `chown ${o} -- ${ts.join(' ')}`), `sync -- ${temps}`];
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
      `  cat -- "$N${it.k}" > "$W${it.k}" && chmod ${octal(it.w.mode)} -- "$W${it.k}"${it.w.uid !== undefined ? ` && chown ${it.w.uid}:${it.w.gid ?? ''} -- "$W${it.k}"` : ''} && sync -- "$W${it.k}" && rm -f -- "$N${it.k}" && echo "@@CF op ${it.id} inplace" || { ${rest}; echo "@@CF op ${it.id} error inplace"; exit 4; }`,
      `else ${rest}; echo "@@CF op ${it.id} error rename"; exit 4; fi`,
    );
  }
  L.push(`sync -- ${[...new Set(items.map((it) => shq(it.dir)))].join(' ')} 2>/dev/null`);
  return L.join('\n');
}

function writeSpecOf(op: Extract<Op, { op: 'write' }>, before?: FileState): WriteSpec {
  // Keep the current file's mode/owner unless the op sets them (Ansible does the same).
  return {
    path: op.path,
    mode: op.mode ?? (before?.exists ? before.mode : undefined) ?? 0o644,
    uid: op.uid ?? (before?.exists ? before.uid : undefined),
    gid: op.gid ?? (before?.exists ? before.gid : undefined),
    expect: op.expectSha256 ?? 'absent',
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
      return [
        // Builtin printf (no process, nothing in ps) writes the command's stdin and, for the
        // shell module, its command string — which reaches the command on fd 3, never an argv.
        op.stdin !== undefined ? `{ printf '%s' ${shq(op.stdin)}; } >"$T/i"` : `: > "$T/i"`,
        ...(op.script !== undefined ? [`{ printf '%s' ${shq(op.script)}; } >"$T/c"`] : []),
        `( ${op.chdir ? `cd ${shq(op.chdir)} || exit 1; ` : ''}${op.command}\n) <"$T/i" >"$T/o" 2>"$T/e"${op.script !== undefined ? ' 3<"$T/c"; rc=$?; rm -f "$T/c"' : '; rc=$?'}`,
        // Empty output (most service commands) costs no base64 process.
        `echo "@@CF op ${id} exec $rc"; if [ -s "$T/o" ]; then b64 "$T/o"; else echo; fi; if [ -s "$T/e" ]; then b64 "$T/e"; else echo; fi`,
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

export function parseApply(stdout: string): { outcomes: OpOutcome[]; complete: boolean } {
  const lines = stdout.split('\n');
  const outcomes: OpOutcome[] = [];
  let complete = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
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
      const rc = Number(parts[4]);
      const out = fromB64(lines[++i]) ?? Buffer.alloc(0);
      const err = fromB64(lines[++i]) ?? Buffer.alloc(0);
      outcomes.push({ id, kind: 'exec', result: { rc, stdout: out.toString('utf8'), stderr: err.toString('utf8') } });
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
    let body: string;
    if (!s.existed) {
      body = `${p}\nif [ -d "$p" ] && [ ! -L "$p" ]; then rmdir -- "$p" 2>/dev/null; else rm -f -- "$p"; fi; [ -e "$p" ] && { echo "@@CF op ${i} error remove"; exit 4; }; echo "@@CF op ${i} ok"`;
    } else if (s.type === 'symlink') {
      body = `${p}\nif [ -L "$p" ] && [ "$(readlink -- "$p")" = ${shq(s.linkTarget ?? '')} ]; then echo "@@CF op ${i} ok"; exit 0; fi\nrm -f -- "$p" && ln -s -- ${shq(s.linkTarget ?? '')} "$p" && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error symlink"; exit 4; }`;
    } else if (s.type === 'directory') {
      body = `${p}\nmkdir -p -- "$p" && chmod ${octal(s.mode ?? 0o755)} "$p" && chown ${s.uid}:${s.gid} "$p" && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error dir"; exit 4; }`;
    } else if (s.contentB64 === undefined) {
      // Binary or too large: its bytes were never captured, so they cannot be written back —
      // writing the empty string would destroy the file. Put back mode and owner if the
      // bytes are still the ones the run saw; otherwise say it cannot be restored.
      body = [
        p,
        `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? 'unknown')} ] || { echo "@@CF op ${i} error content-not-captured"; exit 4; }`,
        `chmod ${octal(s.mode ?? 0o644)} -- "$p" && chown ${s.uid}:${s.gid} -- "$p" && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error attrs"; exit 4; }`,
      ].join('\n');
    } else {
      const same = `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? '')} ] && [ "$(stat -c '%a:%u:%g' -- "$p")" = ${shq(`${(s.mode ?? 0o644).toString(8)}:${s.uid}:${s.gid}`)} ]`;
      const text = Buffer.from(s.contentB64 ?? '', 'base64').toString('utf8');
      body = `${p}\nif ${same}; then echo "@@CF op ${i} ok"; exit 0; fi\n${writeGroupScript([{ id: i, w: { path: s.path, mode: s.mode ?? 0o644, uid: s.uid, gid: s.gid }, text }])}`;
    }
    lines.push(`(\n${body}\n) || failed=1`);
  });
  lines.push('[ $failed = 0 ] && echo "@@CF end"');
  return lines.join('\n') + '\n';
}
