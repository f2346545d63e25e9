/**
 * The guide's questions. `GuidePrompts` is what the session needs; `inquirerPrompts` answers
 * it on a terminal with @inquirer/prompts (localised key hints and yes/no), plus a multi-line
 * paste reader that @inquirer has no prompt for.
 *
 * Ctrl-C at any question rejects with an error named `ExitPromptError` (inquirer's own, or
 * ours from the paste reader): the session treats it as "leave, change nothing".
 */
import * as readline from 'node:readline';
import { checkbox, confirm, input, select } from '@inquirer/prompts';
import type { MessageKey, T } from './i18n.js';

export interface Choice<V> {
  name: string;
  value: V;
  description?: string;
  checked?: boolean;
  disabled?: boolean | string;
}

/** Every question has an `id` (its message key) so scripted tests can follow the dialogue. */
export interface GuidePrompts {
  select<V>(q: { id: MessageKey; message: string; choices: Choice<V>[]; default?: V }): Promise<V>;
  /** At least one answer. */
  checkbox<V>(q: { id: MessageKey; message: string; choices: Choice<V>[] }): Promise<V[]>;
  input(q: { id: MessageKey; message: string; default?: string; validate?: (v: string) => true | string }): Promise<string>;
  confirm(q: { id: MessageKey; message: string; default: boolean }): Promise<boolean>;
  /** Multi-line text, ended by an empty line (or Ctrl-D). */
  paste(q: { id: MessageKey; message: string }): Promise<string>;
}

/** The error Ctrl-C produces at a prompt; same name as @inquirer/core's. */
export class ExitPromptError extends Error {
  override name = 'ExitPromptError';
}

export function isPromptExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

/**
 * Read pasted lines until an empty line. A paste often carries blank lines of its own (in the
 * middle, or a final newline), and a terminal delivers a paste in one burst: a blank line that
 * arrives within PASTE_BURST_MS of the line before it is part of the paste. A blank line typed
 * by a person ends the input once nothing else follows it for PASTE_SETTLE_MS.
 */
export const PASTE_BURST_MS = 40;
export const PASTE_SETTLE_MS = 150;

export function readPaste(message: string, streams: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {}): Promise<string> {
  const inp = (streams.input ?? process.stdin) as NodeJS.ReadStream;
  const out = (streams.output ?? process.stdout) as NodeJS.WriteStream;
  out.write(`? ${message}\n`);
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: inp, output: out, terminal: Boolean(inp.isTTY), historySize: 0 });
    const lines: string[] = [];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rl.close();
      if (err) reject(err);
      else resolve(lines.join('\n').replace(/\n+$/, ''));
    };
    rl.setPrompt('  │ ');
    rl.prompt();
    let lastLineAt = 0;
    rl.on('line', (line) => {
      clearTimeout(timer);
      const now = Date.now();
      const inBurst = now - lastLineAt < PASTE_BURST_MS;
      lastLineAt = now;
      if (line.trim() === '') {
        lines.push('');
        // Typed, not pasted: the end, unless more of a paste follows at once.
        if (!inBurst) timer = setTimeout(() => finish(), PASTE_SETTLE_MS);
      } else {
        lines.push(line);
      }
      rl.prompt();
    });
    rl.on('SIGINT', () => finish(new ExitPromptError('User force closed the prompt with SIGINT')));
    rl.on('close', () => finish());
  });
}

export function inquirerPrompts(t: T): GuidePrompts {
  const keysHelpTip = (keys: [string, string][]) =>
    keys.map(([key, action]) => `${key} ${t((`key.${action}` as MessageKey) in KEY_WORDS ? (`key.${action}` as MessageKey) : 'key.select')}`).join(' • ');
  const theme = { style: { keysHelpTip } };
  return {
    select: <V>(q: { message: string; choices: Choice<V>[]; default?: V }) =>
      select<V>({ message: q.message, choices: q.choices, default: q.default, pageSize: 12, theme }),
    checkbox: <V>(q: { message: string; choices: Choice<V>[] }) =>
      checkbox<V>({
        message: q.message,
        choices: q.choices.map((c) => ({ ...c, disabled: c.disabled ?? false })),
        pageSize: 12,
        theme,
        validate: (items: readonly unknown[]) => (items.length ? true : t('needOne')),
      }),
    input: (q) => input({ message: q.message, default: q.default, validate: q.validate }),
    confirm: (q) => confirm({ message: q.message, default: q.default, transformer: (v: boolean) => (v ? t('yes') : t('no')) }),
    paste: (q) => readPaste(q.message),
  };
}

const KEY_WORDS: Record<string, true> = { 'key.navigate': true, 'key.select': true, 'key.all': true, 'key.invert': true, 'key.submit': true };
