#!/usr/bin/env node
/**
 * The CLI entry point (bundled as dist/bin/crane-fix.js): every command, each module loaded
 * when its command runs.
 */
import { runCli, type CommandTable } from './program.js';

const COMMANDS: CommandTable = {
  apply: async () => (await import('./apply.js')).registerApply,
  runs: async () => (await import('./runs.js')).registerRuns,
  lab: async () => (await import('./lab.js')).registerLab,
  catalog: async () => (await import('./catalog.js')).registerCatalog,
  schedule: async () => (await import('./schedule.js')).registerSchedule,
  guide: async () => (await import('./guide.js')).registerGuide,
  inventory: async () => (await import('./inventory.js')).registerInventory,
};

runCli(COMMANDS);
