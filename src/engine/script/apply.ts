/**
 * The apply script: every op of a segment in ONE round trip, each file write guarded (sha256
 * of the content the plan was made from) and atomic (temp file in the same dir, fsync,
 * rename), and the parser of its output.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { CommandResult, FileState, Op } from '../../modules/types.js';
import { Frames, PRELUDE, captured, parseCaptured, shq } from './prelude.js';

export interface ScriptOp {
  /** Index into the host's flat op list, echoed back so results map to tasks. */
  id: number;
  op: Op;
  /** A failing exec does not stop the script (task has failed_when / ignore_errors). */
  mayFail?: boolean;
  /** Current state of the file this op touches (from facts + earlier planned ops). */
  before?: FileState;
}

export const octal = (m: number) => m.toString(8).padStart(4, '0');

export interface WriteSpec {
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
export function tempName(dir: string): string {
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
export function writeGroupScript(group: { id: number; w: WriteSpec; text: string }[]): string {
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
        // `cd -P`: $PWD is the physical path, as after Ansible's os.chdir.
        ...(files ? ['mkT'] : []),
        ...(op.stdin !== undefined ? [`{ printf '%s' ${shq(op.stdin)}; } >"$T/i"`] : []),
        ...(op.script !== undefined ? [`{ printf '%s' ${shq(op.script)}; } >"$T/c"`] : []),
        captured(`${op.chdir ? `cd -P ${shq(op.chdir)} || exit 1; ` : ''}${op.command}`, `${op.stdin !== undefined ? '<"$T/i"' : '</dev/null'}${op.script !== undefined ? ' 3<"$T/c"' : ''}`),
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
