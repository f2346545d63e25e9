/**
 * Become (sudo): the remote command that starts a host's shell as the become user, and what a
 * sudo failure means in words a user can act on.
 *
 * Every script reaches the node on the shell's stdin (what Ansible calls pipelining), so:
 *  - the password travels on stdin too (`sudo -S`, one line), never in argv: nothing in `ps`,
 *    the sshd log (it logs the command, not the channel's data) or sudo's own log;
 *  - sudo needs no terminal, and a sudoers `Defaults requiretty` refuses it — as it refuses
 *    Ansible with pipelining. We say so and how to exempt the login user, instead of
 *    allocating a pty: a pty would merge stderr into stdout, echo and translate the scripts
 *    (CR/LF, ^D, ^C) and end the held session's EOF protocol.
 *
 * Nothing runs on the host before sudo has authenticated and authorised: a wrong password, a
 * missing one, a user without sudo rights or a requiretty sudoers ends the session before the
 * first fact is read, so "nothing changed" holds by construction.
 */
import type { ConnectionSpec } from '../inventory/types.js';
import { ExitError, EXIT } from '../errors.js';

export interface BecomeShell {
  /** The remote command (an exec request): `sh -s`, or sudo starting it. */
  command: string;
  /** Sent on stdin before the first script: the password and a marker line, or nothing. */
  stdinPrefix: string;
}

const SUDO_MARK = '@@CF-SUDO';
/** Ansible's rule for user names it passes to sudo -u; anything else is refused at input time. */
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;

export function shellFor(spec: ConnectionSpec, password?: string): BecomeShell {
  // Plain `sh`: with no operand a POSIX shell reads its script from stdin, as with `-s`, and
  // posh (Debian's policy shell) rejects `-s` itself ("posh: -s: unknown option").
  if (!spec.become || spec.user === spec.becomeUser) return { command: 'sh', stdinPrefix: '' };
  if (spec.becomeMethod !== 'sudo') throw new ExitError(EXIT.INPUT, `become method ${spec.becomeMethod} is not supported (sudo only)`);
  if (!USER.test(spec.becomeUser)) throw new ExitError(EXIT.INPUT, `become user ${JSON.stringify(spec.becomeUser)} is not a user name`);
  const user = spec.becomeUser;
  // `-H`: HOME of the become user (Ansible's default become_flags are `-H -S -n`).
  // With a password, sudo -S reads one line. When sudo needs none (NOPASSWD), it does not
  // read that line: the inner shell then reads and discards it instead of running it, and
  // only starts the script after the marker line. The line is read by the shell's builtin
  // `read`: no process ever has the password in its argv.
  if (password !== undefined && password !== '') {
    if (/[\r\n]/.test(password)) throw new ExitError(EXIT.INPUT, 'the become password cannot hold a line break (sudo -S reads one line)');
    const inner = `IFS= read -r l; if [ "$l" != ${SUDO_MARK} ]; then IFS= read -r l; [ "$l" = ${SUDO_MARK} ] || exit 97; fi; exec sh -s`;
    return { command: `sudo -H -S -p '' -u ${user} sh -c '${inner}'`, stdinPrefix: `${password}\n${SUDO_MARK}\n` };
  }
  // No password: -n makes sudo fail at once ("a password is required") instead of waiting
  // for one that never comes.
  return { command: `sudo -H -n -u ${user} sh -s`, stdinPrefix: '' };
}

/** How to give crane-fix the become password (the same three ways for every command). */
const HOW_PASSWORD = 'give it with --ask-become-pass (-K), CRANE_FIX_BECOME_PASSWORD, or ansible_become_password in the inventory (vault it)';

/**
 * A host failure's message, rewritten when it is sudo refusing (the session ended before the
 * shell started). `error` is what the transport said, ending with the last lines of stderr.
 * Returns undefined when it is not a sudo refusal.
 */
export function explainBecomeFailure(error: string, spec: Pick<ConnectionSpec, 'become' | 'becomeUser' | 'user'>, passwordGiven: boolean): string | undefined {
  if (!spec.become) return undefined;
  const login = spec.user || 'the login user';
  const as = `become ${spec.becomeUser} with sudo`;
  const nothing = 'nothing was changed on this host';
  if (/incorrect password attempt|Sorry, try again/.test(error)) {
    return `cannot ${as}: sudo rejected the become password for ${login} (incorrect password); ${nothing}`;
  }
  if (/must have a tty to run sudo|a terminal is required/.test(error)) {
    return (
      `cannot ${as}: sudoers on this host has 'Defaults requiretty' for ${login}, and crane-fix sends its scripts on stdin without a terminal ` +
      `(as Ansible does with pipelining); exempt the login user with 'Defaults:${login} !requiretty' (visudo -f /etc/sudoers.d/...); ${nothing}`
    );
  }
  if (/a password is required/.test(error)) {
    return passwordGiven
      ? `cannot ${as}: sudo asked for a password it did not read; ${nothing}`
      : `cannot ${as}: sudo needs a password for ${login} and none was given — ${HOW_PASSWORD}; ${nothing}`;
  }
  if (/is not in the sudoers file|may not run sudo on/.test(error)) {
    return `cannot ${as}: ${login} has no sudo rights on this host ("not in the sudoers file"); give it a sudoers rule, or log in as a user that has one; ${nothing}`;
  }
  const notAllowed = /is not allowed to execute '([^']*)' as (\S+)/.exec(error);
  if (notAllowed) {
    return `cannot ${as}: sudoers lets ${login} run only some commands as ${notAllowed[2]}; crane-fix (like Ansible) needs to run /bin/sh — a rule such as '${login} ALL=(${spec.becomeUser}) ALL'; ${nothing}`;
  }
  if (/unknown user:? |unknown user /.test(error)) {
    return `cannot ${as}: there is no user ${spec.becomeUser} on this host; ${nothing}`;
  }
  if (/sudo: (command )?not found|sudo: No such file/.test(error)) {
    return `cannot ${as}: sudo is not installed on this host; ${nothing}`;
  }
  return undefined;
}
