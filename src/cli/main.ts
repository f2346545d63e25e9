#!/usr/bin/env node
/**
 * The CLI entry point — the only place that calls process.exit. Commands throw ExitError;
 * everything else returns data.
 */
import { Command, CommanderError } from 'commander';
import { ExitError, EXIT } from '../errors.js';
import { registerApply } from './apply.js';
import { registerLab } from './lab.js';
import { registerRuns } from './runs.js';
import { registerCatalog } from './catalog.js';
import { registerSchedule } from './schedule.js';
import { registerGuide } from './guide.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('crane-fix')
    .description('Find and fix known Kubernetes node problems across a fleet over SSH: dry-run diffs, atomic apply, rollback.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerApply(program);
  registerRuns(program);
  registerLab(program);
  registerCatalog(program);
  registerSchedule(program);
  registerGuide(program);
  return program;
}

async function main(): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; usage errors are exit 1 (commander already printed why).
      return err.exitCode === 0 ? 0 : EXIT.INPUT;
    }
    if (err instanceof ExitError) {
      if (err.message) process.stderr.write(`crane-fix: ${err.message}\n`);
      return err.code;
    }
    process.stderr.write(`crane-fix: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 70;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`crane-fix: ${String(err)}\n`);
    process.exit(70);
  },
);
