#!/usr/bin/env node
/**
 * The CLI entry point of the plain bundle (dist/bin/crane-fix.js) — with snapshot.ts, the only
 * place that calls process.exit.
 */
import { main, type CommandTable } from './program.js';

const COMMANDS: CommandTable = {
  apply: async () => (await import('./apply.js')).registerApply,
  runs: async () => (await import('./runs.js')).registerRuns,
  lab: async () => (await import('./lab.js')).registerLab,
  catalog: async () => (await import('./catalog.js')).registerCatalog,
  schedule: async () => (await import('./schedule.js')).registerSchedule,
  guide: async () => (await import('./guide.js')).registerGuide,
};

// Which start-up ran (the benchmark records it; tests assert it).
if (process.env.CRANE_FIX_STARTUP_INFO) process.stderr.write('crane-fix: started from the plain bundle\n');

main(COMMANDS).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`crane-fix: ${String(err)}\n`);
    process.exit(70);
  },
);
