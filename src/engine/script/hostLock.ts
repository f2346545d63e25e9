/**
 * The per-host lock in sh (flock on the session's main shell's fd 9) and the errors that
 * report another run holding or taking it.
 */
import { Frames, newToken, shq } from './prelude.js';

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
 * Files in the lock dir (0666, shared by every become user: see `lockScript`), written only by a
 * lock holder and read with the `read` builtin:
 * crane-fix.owner — the holder's run id (for "locked by run <id>"), emptied on release;
 * crane-fix.lock — the id of the last run that took it exclusively, with a token unique to
 * that taking (never emptied: how a run tells that another one took it since its facts).
 */
export type LockSpec =
  | { when: 'now'; exclusive: boolean; runId: string; waitS: number }
  | { when: 'on-change'; runId: string; waitS: number }
  | { when: 'if-held'; runId: string; waitS: number };

export const waitOf = (waitS: number) => Math.max(0, Math.floor(waitS));

/**
 * Said on stderr by a gather whose user cannot write the lock files (made 0644 by an older
 * crane-fix, before they were shared by every become user); `explainLockPermission` reads it.
 */
export const LOCK_PERM_MARK = 'crane-fix: host lock not writable in';

/** The clear error for `LOCK_PERM_MARK` in a failed gather's stderr, else undefined. */
export function explainLockPermission(stderr: string): string | undefined {
  const m = new RegExp(`${LOCK_PERM_MARK} (\\S+)`).exec(stderr);
  if (!m) return undefined;
  const d = m[1];
  return `the host lock files ${d}/crane-fix.lock and ${d}/crane-fix.owner are not writable by the user this run is (an older crane-fix made them 0644); run once as root: chmod 0666 ${d}/crane-fix.lock ${d}/crane-fix.owner — nothing was changed on this host`;
}

/** Builtins only: report the owner and give up (exit 6: HostLockedError, nothing changed). */
const LOCKED = '{ o=; [ -s "$L/crane-fix.owner" ] && read -r o < "$L/crane-fix.owner"; echo "@@CF locked $o"; exit 6; }';

/** Take the lock on the main shell's fd 9 (in the main shell or in a step) and record it. */
function takeLock(exclusive: boolean, runId: string, waitS: number): string {
  const mode = exclusive ? '-x' : '-s';
  return [
    // `9>&9`: mksh closes the fds that `exec` opened for the programs it starts, so flock would
    // find no fd 9; passing it on explicitly is the same as the default in every other shell.
    `flock -n ${mode} 9 9>&9 || { CFW=1; flock -w ${waitOf(waitS)} ${mode} 9 9>&9 || ${LOCKED}; }`,
    // Exclusive: who took it exclusively before us (`lockPrologue` compares), then us.
    ...(exclusive ? ['CFT=; [ -s "$L/crane-fix.lock" ] && read -r CFT < "$L/crane-fix.lock"'] : []),
    `printf '%s\\n' ${shq(runId)} > "$L/crane-fix.owner"`,
    // A fresh token per taking: one run takes it once per play, and a later play of the run
    // that took it last must still count as "another taker" for a run that gathered before.
    ...(exclusive ? [`printf '%s\\n' ${shq(`${runId} ${newToken()}`)} > "$L/crane-fix.lock"`] : []),
  ].join('\n');
}

export function lockScript(lock: LockSpec): string {
  const lines = [
    'L=/run/lock; [ -d "$L" ] || L=/var/lock; [ -d "$L" ] || L=/tmp',
    'CFK=; CFW=; CFG=; CFH=',
    'if command -v flock >/dev/null 2>&1; then',
    // One lock for every user a run may become (root, or a become_user such as kubeops): a
    // per-user lock would let a root run and a kubeops run change the same host at once. So
    // the first run on a host creates the lock and owner files 0666 (umask 000 in a subshell,
    // so it does not reach the steps' files) and any later run, as any user, can flock and
    // write them. The cost is that any local user can hold the lock (a run then says "locked
    // by run ..." and changes nothing) or write a wrong owner name; the sticky lock dir
    // (/run/lock is 1777) keeps them from replacing the files, e.g. by a symlink.
    '  [ -e "$L/crane-fix.lock" ] && [ -e "$L/crane-fix.owner" ] || (umask 000; : >> "$L/crane-fix.lock"; : >> "$L/crane-fix.owner") 2>/dev/null',
    // Files made 0644 by a crane-fix before this one: a non-root become_user cannot write them.
    `  [ -w "$L/crane-fix.lock" ] && [ -w "$L/crane-fix.owner" ] || { echo "${LOCK_PERM_MARK} $L" >&2; exit 7; }`,
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
