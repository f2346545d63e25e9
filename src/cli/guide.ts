/**
 * `crane-fix guide -i <inventory> [--lang zh]`: the interactive session (src/guide/). This file
 * only wires the terminal: inquirer prompts, stdout, and Ctrl-C.
 *
 * Ctrl-C at a question: inquirer has the terminal in raw mode and rejects the prompt
 * (ExitPromptError) -> exit 130, nothing changed, no journal. Ctrl-C while scanning or
 * previewing (read-only work) -> the same. Ctrl-C while applying -> exactly what `apply` does:
 * the run stops between round trips and restores what it changed (a second Ctrl-C exits).
 */
import type { Command } from 'commander';
import { ExitError, InputError } from '../errors.js';
import { runCheck } from '../engine/check.js';
import { runApply } from '../engine/run.js';
import { runRollback } from '../engine/rollback.js';
import { langOf } from './catalog.js';
import { askSecret, installSignalHandlers } from './io.js';
import { translator } from '../guide/i18n.js';
import { inquirerPrompts, isPromptExit, ExitPromptError } from '../guide/prompts.js';
import { runGuide, EXIT_CANCELLED, type GuideSignals } from '../guide/session.js';
import { colorStyle, plainStyle } from '../guide/render.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function seconds(v: string): number {
  const n = Number(v);
  if (!v.trim() || !Number.isFinite(n) || n <= 0) throw new InputError(`expects a number of seconds, got ${JSON.stringify(v)}`, { flag: '--connect-timeout' });
  return n;
}

export const terminalSignals: GuideSignals = {
  forApply: (log) => installSignalHandlers(log),
  cancellable<R>(work: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const ac = new AbortController();
    const p = work(ac.signal);
    return new Promise<R>((resolve, reject) => {
      const onSigint = () => {
        ac.abort(new Error('SIGINT'));
        // The work is read-only; leave it behind, quietly, and let the session end.
        p.catch(() => {});
        reject(new ExitPromptError('User interrupted with SIGINT'));
      };
      process.once('SIGINT', onSigint);
      p.then(resolve, reject).finally(() => process.off('SIGINT', onSigint));
    });
  },
};

export function registerGuide(program: Command): void {
  program
    .command('guide')
    .description('Interactive: from a pasted error or a scan to a previewed, applied and verified fix (changes nothing until you confirm)')
    .requiredOption('-i, --inventory <file>', "Ansible inventory (YAML or INI, e.g. Crane's crane/nodes)")
    .option('--lang <en|zh>', 'language (default: from LANG; 中文: --lang zh)')
    .option('--journal-dir <dir>', 'where runs are journaled (default ~/.local/state/crane-fix/runs)')
    .option('--known-hosts <file>', 'known_hosts file(s) to verify host keys against', collect, [])
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--connect-timeout <s>', 'SSH connect timeout in seconds', seconds)
    .option('-F, --ssh-config <file>', 'ssh_config to read (default ~/.ssh/config)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password on the terminal')
    .action(async (o) => {
      const lang = langOf(o.lang);
      const t = translator(lang);
      if (!process.stdin.isTTY || !process.stdout.isTTY) throw new InputError(t('needTty', { inventory: o.inventory }), { flag: 'guide' });
      let becomePassword = process.env.CRANE_FIX_BECOME_PASSWORD || process.env.ANSIBLE_BECOME_PASS || undefined;
      if (o.askBecomePass) {
        try {
          becomePassword = await askSecret(t('becomePassQ'));
        } catch (err) {
          if (!isPromptExit(err)) throw err;
          process.stdout.write(t('cancelled') + '\n');
          throw new ExitError(EXIT_CANCELLED, '');
        }
      }
      const color = !process.env.NO_COLOR && process.env.TERM !== 'dumb';
      const code = await runGuide(
        {
          inventory: o.inventory,
          lang,
          journalDir: o.journalDir,
          knownHosts: o.knownHosts,
          acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
          connectTimeout: o.connectTimeout,
          sshConfig: o.sshConfig,
          becomePassword,
          askBecomePass: Boolean(o.askBecomePass),
          argv: process.argv.slice(2),
          cwd: process.cwd(),
          style: color ? colorStyle : plainStyle,
          heartbeatMs: 10_000,
        },
        {
          prompts: inquirerPrompts(t),
          engine: { runCheck, runApply, runRollback },
          out: (line) => process.stdout.write(line + '\n'),
          signals: terminalSignals,
        },
      );
      if (code) throw new ExitError(code, '');
    });
}
