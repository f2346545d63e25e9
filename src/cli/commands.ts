/**
 * Every command of the CLI, each module loaded only when its command runs (program.ts says
 * why). Its own file so tests can build the whole program without the entry point's exit.
 */
import type { CommandTable } from './program.js';

export const COMMANDS: CommandTable = {
  apply: async () => (await import('./apply.js')).registerApply,
  runs: async () => (await import('./runs.js')).registerRuns,
  lab: async () => (await import('./lab.js')).registerLab,
  catalog: async () => (await import('./catalog.js')).registerCatalog,
  schedule: async () => (await import('./schedule.js')).registerSchedule,
  guide: async () => (await import('./guide.js')).registerGuide,
  inventory: async () => (await import('./inventory.js')).registerInventory,
};
