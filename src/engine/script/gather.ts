/**
 * The gather script: every fact of every task of a host (files with stat and content,
 * commands) in ONE round trip, and the parser of its output.
 */
import { createHash } from 'node:crypto';
import type { CommandResult, FactRequest, FileState } from '../../modules/types.js';
import { Frames, MAX_FACT_FILE_BYTES, PRELUDE, ProtocolError, captured, newToken, parseCaptured, shq } from './prelude.js';
import { HostLockedError, lockScript, type LockSpec } from './hostLock.js';

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
    // The size is the last |-field. The '|' is quoted: mksh reads a bare | in a ${..##..}
    // pattern as an alternation (`*|` matches everything), POSIX shells as a literal.
    '    z=${s##*"|"}',
    `    if [ "$z" -le ${MAX_FACT_FILE_BYTES} ]; then BLOB="$BLOB $i:$z"; C="$C \\"\\$P$i\\""; else BIG="$BIG $i"; fi ;;`,
    '  esac',
    'done',
    `if [ -n "$C" ]; then echo "@@CF blob ${token}$BLOB"; eval "cat -- $C" || { printf '\\n@@CF race\\n'; exit 7; }; printf '\\n@@CF blobend ${token}\\n'; fi`,
    'for i in $BIG; do eval "p=\\$P$i"; h=$(sha256sum < "$p") || h=-; echo "@@CF big $i ${h%% *}"; done',
  );
  return L;
}

/**
 * What the requested symlinks resolve to (Ansible's lineinfile/replace/copy follow=yes edit
 * that file, not the link): `readlink -m` (Python's os.path.realpath: every link followed,
 * a missing last part allowed), then one `stat` and the bytes of that file, framed like the
 * blob of `statRead` under index `n + i` — exactly the size `stat` gave (`head -c`: a link into
 * /proc, like /etc/mtab, says 0 bytes and would print more). Only `[ -L ]` (a builtin) runs for a path that is
 * no link: a node without links pays nothing.
 */
function linkRead(count: number, token: string): string[] {
  const all = Array.from({ length: count }, (_, i) => i).join(' ');
  return [
    `for i in ${all}; do eval "p=\\$P$i"; [ -L "$p" ] || continue`,
    '  r=$(readlink -m -- "$p" 2>/dev/null || readlink -f -- "$p") || r=',
    // A resolved path is no link — except in a loop, where readlink -m gives the path back.
    '  if [ -z "$r" ] || [ -L "$r" ]; then continue; fi',
    '  rb=$(printf %s "$r" | base64 -w0)',
    '  if [ -e "$r" ]; then s=$(stat -c \'%F|%a|%u|%g|%U|%G|%s\' -- "$r" 2>/dev/null) || s=absent; else s=absent; fi',
    '  echo "@@CF real $i $rb $s"',
    '  case "$s" in "regular file|"*|"regular empty file|"*)',
    '    z=${s##*"|"}; j=$((i + ' + String(count) + '))',
    `    if [ "$z" -le ${MAX_FACT_FILE_BYTES} ]; then echo "@@CF blob ${token} $j:$z"; head -c "$z" -- "$r"; printf '\\n@@CF blobend ${token}\\n'; else h=$(sha256sum < "$r") || h=-; echo "@@CF big $j \${h%% *}"; fi ;;`,
    '  esac',
    'done',
  ];
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
 * A file `cat` or `head` cannot read (permission) ends the script with rc 7 and the tool's
 * message on stderr, which startFailure.ts turns into "not readable by <user>: become root".
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
    lines.push(...linkRead(req.files.length, token));
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

export function fileType(t: string): FileState['type'] {
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


function setContent(st: FileState, chunk: Buffer): void {
  st.tooLarge = false;
  st.sha256 = createHash('sha256').update(chunk).digest('hex');
  // A NUL byte or invalid UTF-8 means binary: never rewrite it through a text planner.
  const text = chunk.toString('utf8');
  if (chunk.includes(0) || Buffer.from(text, 'utf8').compare(chunk) !== 0) st.binary = true;
  else st.content = text;
}

/** A `stat -c '%F|%a|%u|%g|%U|%G|%s'` line (+ `|<b64 link target>`) as a fact. */
function statState(path: string, tail: string): FileState {
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
  return state;
}

/** Parse a gather script's output (read as latin1). */
export function parseGather(req: GatherRequest, stdout: string): GatheredFacts {
  const files = new Map<string, FileState>();
  const commands = new Map<string, CommandResult>();
  const skipped = new Set<string>();
  let sawEnd = false;
  let relock = false;
  const bare: FileState[] = [];
  // Link targets (linkRead) are indexed after the requested files: n + i.
  const n = req.files.length;
  const realPaths = new Map<number, string>();
  const pathAt = (k: number) => (k < n ? req.files[k] : realPaths.get(k - n));
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
      files.set(path, statState(path, tail));
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
        const p = pathAt(Number(iS));
        const st = p === undefined ? undefined : files.get(p);
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
    } else if (kind === 'real') {
      // `@@CF real <i> <b64 realpath> <stat line | absent>`: what link i resolves to.
      const [, , , b64, ...rest] = line.split(' ');
      const link = files.get(req.files[idx]!);
      const real = Buffer.from(b64 ?? '', 'base64').toString('utf8');
      if (!link || !real) continue;
      link.realPath = real;
      realPaths.set(idx, real);
      // A target also requested by its own path keeps that fact (read the same way).
      if (files.has(real)) continue;
      const tail = rest.join(' ');
      if (tail === 'absent') files.set(real, { path: real, exists: false });
      else files.set(real, statState(real, tail));
    } else if (kind === 'big') {
      const p = pathAt(idx);
      const st = p === undefined ? undefined : files.get(p);
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
