/**
 * Terminal plumbing shared by commands: where human output goes, asking for consent, and
 * turning SIGINT/SIGTERM into an AbortSignal so a run stops between round trips, restores
 * what it did and leaves a consistent journal.
 */
import * as readline from 'node:readline/promises';
import { InputError } from '../errors.js';

export function humanLog(json: boolean): (line: string) => void {
  // With --json, stdout carries exactly one JSON document; people read stderr.
  const stream = json ? process.stderr : process.stdout;
  return (line: string) => {
    stream.write(line + '\n');
  };
}

/** Ask on the terminal; no terminal means no consent. `expect` must be typed back exactly. */
export async function confirmOnTty(question: string, expect?: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question}${expect ? ` [type ${expect}]` : ' [y/N]'}: `)).trim();
    return expect ? answer === expect : /^y(es)?$/i.test(answer);
  } finally {
    rl.close();
  }
}

export function installSignalHandlers(log: (l: string) => void): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      log(`\n${sig}: finishing the current step on each host, then restoring what this run changed (send again to exit at once)`);
      ac.abort(new Error(sig));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** A no-echo prompt for a secret (become password). No terminal: a clear input error. */
export async function askSecret(message: string): Promise<string> {
  if (!process.stdin.isTTY) throw new InputError('needs a terminal to ask on; set CRANE_FIX_BECOME_PASSWORD instead', { flag: '--ask-become-pass' });
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: false });
}
