/**
 * Why a host's shell ended before it ran the first script, said once for every command that
 * starts one (apply, rollback, check): sudo refusing to become (wrong or missing password,
 * requiretty, no rights, unknown user), the user it runs as not being able to write the
 * host lock files, or not being able to read a file the play reads (the gather stops there).
 * In each case nothing ran on the host, so every message ends with "nothing was changed on
 * this host".
 */
import type { ConnectionSpec } from '../inventory/types.js';
import { NOT_READY } from '../transport/openSession.js';
import { explainBecomeFailure } from './becomeShell.js';
import { explainLockPermission } from './script/hostLock.js';

/**
 * The clear message for a shell that failed to start, read from its stderr (or from an error
 * message that ends with it); undefined when the stderr names no cause we know.
 */
export function explainStartFailure(stderr: string, spec: Pick<ConnectionSpec, 'become' | 'becomeUser' | 'user'>, passwordGiven: boolean): string | undefined {
  return explainBecomeFailure(stderr, spec, passwordGiven) ?? explainLockPermission(stderr) ?? explainUnreadable(stderr, spec);
}

/** The gather reads every file a task may change; one the run's user cannot read stops it. */
function explainUnreadable(stderr: string, spec: Pick<ConnectionSpec, 'become' | 'becomeUser' | 'user'>): string | undefined {
  // head's message (files read without stat) or cat's (files read with their mode and owner: copy, yaml_edit …).
  const m = /cannot open '([^']+)' for reading: Permission denied/.exec(stderr) ?? /\bcat: (\/.*?): Permission denied/.exec(stderr);
  if (!m) return undefined;
  const who = spec.become ? spec.becomeUser : spec.user;
  const fix = spec.become ? `run as a user that can read it (become_user, now ${spec.becomeUser})` : 'let the run become root: ansible_become=true in the inventory, or become: true on the play';
  return `${m[1]} is not readable by ${who ?? 'the login user'}: ${fix} — nothing was changed on this host`;
}

/**
 * A host failure's message, rewritten when the session ended before its shell was ready (the
 * transport's `NOT_READY` error, which ends with the last lines of stderr) for a known cause.
 * Any other message is returned unchanged: a failure once the script ran is not a start failure.
 */
export function explainNotReady(error: string, spec: Pick<ConnectionSpec, 'become' | 'becomeUser' | 'user'>, passwordGiven: boolean): string {
  if (!error.includes(NOT_READY)) return error;
  return explainStartFailure(error, spec, passwordGiven) ?? error;
}
