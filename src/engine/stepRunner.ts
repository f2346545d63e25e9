/**
 * Round trips: how one remote script reaches a host — a fresh exec channel, or the next part
 * of the held gather shell's input — and the apply's host lock taken on the first change.
 */
import type { Connector, OpenSession } from '../transport/types.js';
import { HostFailure, type HostRunOptions } from './hostTypes.js';
import { lockPrologue, newToken, RelockError, throwUnlessLockTaken } from './remoteScript.js';

export interface StepOptions {
  /** The script only reads the host (facts read again): it needs no host lock. */
  readOnly?: boolean;
  /** Its bound, when not the session's (counted from its first line if `firstLineMs` is set). */
  timeoutMs?: number;
  /**
   * Its first line may take this long (a step that first waits for the host lock prints one
   * line once it has it); the rest of the step then has its usual bound. Session steps only.
   */
  firstLineMs?: number;
}

/** Runs one remote script and returns what it printed. */
export type StepRunner = (script: string, o?: StepOptions) => Promise<{ rc: number; stdout: string; stderr: string }>;

/** A fresh exec channel per script (rollback of a finished run; restore after the held session died). */
export function channelRunner(conn: Connector, shell: { command: string; stdinPrefix: string }): StepRunner {
  return (script, o) => conn.run(shell.command, { stdin: shell.stdinPrefix + script, encoding: 'latin1', ...(o?.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
}

/**
 * The next script as the next part of the held gather shell's input: no new channel, no new
 * shell, and the host lock that shell holds (or takes in this step) covers it. Each script runs in a subshell, so its
 * `exit` ends only that step; the shell then prints the step's status and a marker.
 */
export function sessionRunner(holder: OpenSession): StepRunner {
  let n = 0;
  // Steps print raw payloads (file bytes, command output): the marker that ends a step holds
  // a token no payload can contain, and its status line is the last line before it.
  const token = newToken();
  return async (script, o) => {
    const k = ++n;
    const from = holder.stdoutLength;
    const errFrom = holder.stderrLength;
    const marker = `@@CF step ${k} done ${token}\n`;
    holder.send(`(\n${script}\n)\necho "@@CF step ${k} rc $?"; echo "@@CF step ${k} done ${token}"\n`);
    if (o?.firstLineMs) await holder.waitFor('\n', o.firstLineMs, from);
    const all = await holder.waitFor(marker, o?.timeoutMs, from);
    const body = all.slice(from, all.indexOf(marker, from));
    const at = body.lastIndexOf(`@@CF step ${k} rc `);
    const rc = at >= 0 ? Number(body.slice(at).split(' ')[4]) : NaN;
    return { rc: Number.isInteger(rc) ? rc : 255, stdout: at >= 0 ? body.slice(0, at) : body, stderr: holder.stderrSince(errFrom) };
  };
}

/**
 * Apply's host lock ('on-change', see `LockSpec`): the first script sent through this runner
 * that is not read-only starts with `lockPrologue`, and may wait for the lock as long as
 * `waitS` on top of its own bound. Later scripts run as they are: the session's main shell
 * holds the lock from then on. A step the prologue stopped changed nothing: `aborted` is
 * told (the snapshots journaled for it are void) before HostLockedError or RelockError is
 * thrown — after RelockError the lock is held, and the caller gathers and plans again.
 */
export function lockOnFirstChange(inner: StepRunner, lock: { runId: string; waitS: number; stepMs: number }, aborted: (why: 'locked' | 'relock') => void): StepRunner {
  let held = false;
  return async (script, o) => {
    if (held || o?.readOnly) return inner(script, o);
    // Two bounds, as for the gather: the lock within --lock-timeout + --timeout, then the
    // step itself within its own.
    const r = await inner(lockPrologue(lock) + script, { ...o, firstLineMs: Math.max(0, Math.floor(lock.waitS)) * 1000 + (o?.timeoutMs ?? lock.stepMs) });
    let stdout: string;
    try {
      stdout = throwUnlessLockTaken(r.stdout);
    } catch (err) {
      held = err instanceof RelockError;
      aborted(held ? 'relock' : 'locked');
      throw err;
    }
    held = true;
    return { ...r, stdout };
  };
}


/** Runs one step unless the run was interrupted (SIGINT/SIGTERM) before it. */
export async function exec(run: StepRunner, opts: HostRunOptions, script: string, o?: StepOptions) {
  if (opts.signal?.aborted) throw new HostFailure('interrupted before the next step (signal)');
  return run(script, o);
}
