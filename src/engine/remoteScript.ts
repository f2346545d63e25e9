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
import { shellQuote } from '../modules/shellQuote.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
const shq = (v: string | number): string => shellQuote(String(v));

/** Files larger than this are not read into memory (a module that needs content fails clearly). */
export const MAX_FACT_FILE_BYTES = 4 * 1024 * 1024;

const PRELUDE = `umask 022
export LC_ALL=C
T=$(mktemp -d "\${TMPDIR:-/tmp}/.crane-fix.XXXXXX") || exit 90
trap 'rm -rf "$T"' EXIT
b64() { base64 -w0 "$@"; echo; }
ismount() { awk -v p="$1" '$5==p{f=1} END{exit !f}' /proc/self/mountinfo; }
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
else echo "@@CF nolock"; fi`;
}

export function gatherScript(req: GatherRequest, lock?: LockSpec): string {
  const lines = [PRELUDE];
  if (lock) lines.push(lockScript(lock));
  // Which of the paths are mount points, in one awk pass (not one process per file): the
  // indices of those that are, as " 3 5 ".
  if (req.files.length) {
    lines.push(
      `MOUNTS=" $(awk 'BEGIN{for(i=1;i<ARGC;i++){w[ARGV[i]]=i-1;ARGV[i]=""};ARGV[1]="/proc/self/mountinfo";ARGC=2} ($5 in w){printf "%d ", w[$5]}' ${req.files.map((f) => shq(f)).join(' ')})"`,
    );
  }
  req.files.forEach((p, i) => {
    lines.push(
      `p=${shq(p)}`,
      `if [ -e "$p" ] || [ -L "$p" ]; then`,
      `  s=$(stat -c '%F|%a|%u|%g|%U|%G|%s' -- "$p" 2>/dev/null) || s='other|0|0|0|?|?|0'`,
      `  m=0; case "$MOUNTS" in *" ${i} "*) m=1 ;; esac`,
      // A symlink's target (base64: it may hold '|' or spaces); `file state=link` needs it.
      `  l=-; [ -L "$p" ] && l=$(readlink -- "$p" | base64 -w0)`,
      `  echo "@@CF file ${i} $s|$m|$l"`,
      `  if [ -f "$p" ] && [ "\${s##*|}" -le ${MAX_FACT_FILE_BYTES} ]; then h=$(sha256sum < "$p"); echo "\${h%% *}"; b64 "$p"; else echo -; echo -; fi`,
      `else echo "@@CF file ${i} absent"; fi`,
    );
  });
  req.commands.forEach((c, i) => {
    lines.push(
      `( ${c.command}\n) </dev/null >"$T/o" 2>"$T/e"; rc=$?`,
      `echo "@@CF cmd ${i} $rc"; b64 "$T/o"; b64 "$T/e"`,
    );
  });
  lines.push('echo "@@CF end"');
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
  let sawEnd = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('@@CF ')) continue;
    const [, kind, idxS, rest] = line.split(' ', 4) as [string, string, string, string | undefined];
    if (kind === 'nolock') continue;
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
      const sha = lines[++i]!;
      const content = fromB64(lines[++i]);
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
      if (state.type === 'file') {
        if (sha === '-') state.tooLarge = Number(size) > MAX_FACT_FILE_BYTES;
        else {
          state.sha256 = sha;
          const buf = content ?? Buffer.alloc(0);
          // A NUL byte or invalid UTF-8 means binary: never rewrite it through a text planner.
          const text = buf.toString('utf8');
          if (buf.includes(0) || Buffer.from(text, 'utf8').compare(buf) !== 0) state.binary = true;
          else state.content = text;
        }
      }
      files.set(path, state);
      void rest;
    } else if (kind === 'cmd') {
      const c = req.commands[idx]!;
      const rc = Number(line.split(' ')[3]);
      const out = fromB64(lines[++i]) ?? Buffer.alloc(0);
      const err = fromB64(lines[++i]) ?? Buffer.alloc(0);
      commands.set(c.key, { rc, stdout: out.toString('utf8'), stderr: err.toString('utf8') });
    }
  }
  if (!sawEnd) throw new Error('fact gathering was cut short (no end marker)');
  for (const p of req.files) if (!files.has(p)) throw new Error(`fact for ${p} missing from gather output`);
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
  contentB64: string;
  mode: number;
  uid?: number;
  gid?: number;
  /** sha256 the file must have now ('absent' = must not exist); undefined = no guard (restore). */
  expect?: string;
}

function writeFileScript(id: number, w: WriteSpec): string {
  const chunks = w.contentB64.match(/.{1,76}/g) ?? [];
  return [
    `p=${shq(w.path)}; d=\${p%/*}; d=\${d:-/}`,
    `cur=absent; [ -e "$p" ] && cur=$(shaof "$p")`,
    w.expect !== undefined ? `[ "$cur" = ${shq(w.expect)} ] || { echo "@@CF op ${id} guard $cur"; exit 3; }` : ':',
    `t=$(mktemp "$d/.crane-fix.XXXXXX") || { echo "@@CF op ${id} error mktemp"; exit 4; }`,
    `base64 -d > "$t" <<'CRANE_FIX_B64' || { rm -f "$t"; echo "@@CF op ${id} error write"; exit 4; }`,
    ...chunks,
    `CRANE_FIX_B64`,
    `chmod ${octal(w.mode)} "$t" && ${w.uid !== undefined ? `chown ${w.uid}:${w.gid ?? ''} "$t" &&` : ''} sync "$t" || { rm -f "$t"; echo "@@CF op ${id} error attrs"; exit 4; }`,
    `if mv -f "$t" "$p" 2>/dev/null; then`,
    `  sync "$d" 2>/dev/null; echo "@@CF op ${id} ok"`,
    // A file that is itself a mount point (bind-mounted resolv.conf) cannot be renamed over
    // (EBUSY): fall back to an in-place write, re-checking the guard first, and say so.
    `elif ismount "$p"; then`,
    `  now=$(shaof "$p"); [ "$now" = "$cur" ] || { rm -f "$t"; echo "@@CF op ${id} guard $now"; exit 3; }`,
    `  cat "$t" > "$p" && sync "$p" && rm -f "$t" && echo "@@CF op ${id} inplace" || { rm -f "$t"; echo "@@CF op ${id} error inplace"; exit 4; }`,
    `else`,
    `  rm -f "$t"; echo "@@CF op ${id} error rename"; exit 4`,
    `fi`,
  ].join('\n');
}

function writeOp(id: number, op: Extract<Op, { op: 'write' }>, before?: FileState): string {
  // Keep the current file's mode/owner unless the op sets them (Ansible does the same).
  return writeFileScript(id, {
    path: op.path,
    contentB64: Buffer.from(op.content, 'utf8').toString('base64'),
    mode: op.mode ?? (before?.exists ? before.mode : undefined) ?? 0o644,
    uid: op.uid ?? (before?.exists ? before.uid : undefined),
    gid: op.gid ?? (before?.exists ? before.gid : undefined),
    expect: op.expectSha256 ?? 'absent',
  });
}

function opScript(s: ScriptOp): string {
  const { id, op } = s;
  switch (op.op) {
    case 'write':
      return writeOp(id, op, s.before);
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
      const b64lines = (text: string) => (Buffer.from(text, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\n');
      const stdin = op.stdin !== undefined ? b64lines(op.stdin) : '';
      return [
        stdin ? `base64 -d > "$T/i" <<'CRANE_FIX_B64'\n${stdin}\nCRANE_FIX_B64` : `: > "$T/i"`,
        // The shell module's command string goes to a file in the private temp dir and reaches
        // the command on fd 3 — never through an argv, where `ps` would show it.
        ...(op.script !== undefined ? [`base64 -d > "$T/c" <<'CRANE_FIX_B64'\n${b64lines(op.script)}\nCRANE_FIX_B64`] : []),
        `( ${op.chdir ? `cd ${shq(op.chdir)} || exit 1; ` : ''}${op.command}\n) <"$T/i" >"$T/o" 2>"$T/e"${op.script !== undefined ? ' 3<"$T/c"; rc=$?; rm -f "$T/c"' : '; rc=$?'}`,
        `echo "@@CF op ${id} exec $rc"; b64 "$T/o"; b64 "$T/e"`,
        s.mayFail ? ':' : `[ $rc -eq 0 ] || exit 5`,
      ].join('\n');
    }
  }
}

export function applyScript(ops: ScriptOp[]): string {
  return [PRELUDE, ...ops.map(opScript), 'echo "@@CF end"'].join('\n') + '\n';
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
    } else {
      const same = `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? '')} ] && [ "$(stat -c '%a:%u:%g' -- "$p")" = ${shq(`${(s.mode ?? 0o644).toString(8)}:${s.uid}:${s.gid}`)} ]`;
      body = `${p}\nif ${same}; then echo "@@CF op ${i} ok"; exit 0; fi\n${writeFileScript(i, { path: s.path, contentB64: s.contentB64 ?? '', mode: s.mode ?? 0o644, uid: s.uid, gid: s.gid })}`;
    }
    lines.push(`(\n${body}\n) || failed=1`);
  });
  // A write cut short (node killed mid-op) leaves its temp file beside the target; the host
  // lock guarantees no other run is writing here, so leftovers in these dirs are ours.
  const dirs = [...new Set(snaps.map((s) => s.path.replace(/\/[^/]*$/, '') || '/'))];
  for (const d of dirs) lines.push(`rm -f -- ${shq(d)}/.crane-fix.?????? 2>/dev/null`);
  lines.push('[ $failed = 0 ] && echo "@@CF end"');
  return lines.join('\n') + '\n';
}
