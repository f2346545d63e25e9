/**
 * The CLI program: commands, and turning their errors into exit codes. The entry point
 * (main.ts) runs it through `runCli`, the only place that calls process.exit. Commands throw
 * ExitError; everything else returns data.
 */
import { Command, CommanderError } from 'commander';
import { ExitError, EXIT } from '../errors.js';
type Register = (program: Command) => void;

/**
 * The commands a program knows, by module: each loaded only when its command runs. Starting
 * the CLI costs the client CPU the benchmark counts per host, and `apply` need not load the
 * guide's prompts or the scheduler. Help (no or unknown command) loads them all.
 */
export type CommandTable = Record<CommandModule, () => Promise<Register>>;
type CommandModule = 'apply' | 'runs' | 'lab' | 'catalog' | 'schedule' | 'guide' | 'inventory';
const MODULE_OF: Record<string, CommandModule> = { apply: 'apply', rollback: 'apply', runs: 'runs', lab: 'lab', fixes: 'catalog', check: 'catalog', diagnose: 'catalog', schedule: 'schedule', guide: 'guide', inventory: 'inventory' };

export async function buildProgram(commands: CommandTable, argv: string[] = process.argv): Promise<Command> {
  const program = new Command();
  program
    .name('crane-fix')
    .description('Find and fix known Kubernetes node problems across a fleet over SSH: dry-run diffs, atomic apply, rollback.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const wanted = MODULE_OF[argv[2] ?? ''];
  const names = wanted ? [wanted] : (Object.keys(commands) as CommandModule[]);
  for (const n of names) (await commands[n]())(program);
  return program;
}

/** Runs the command line in process.argv; resolves to the exit code. */
export async function main(commands: CommandTable): Promise<number> {
  try {
    const program = await buildProgram(commands);
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

/** An entry point's whole job: run the command line, then exit with its code. */
export function runCli(commands: CommandTable): void {
  main(commands).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`crane-fix: ${String(err)}\n`);
      process.exit(70);
    },
  );
}
