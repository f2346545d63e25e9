/**
 * The inventory layer's public API. Everything here reads local files only; all bad input
 * surfaces as InputError (exit 1) with a file:line:col or the offending flag.
 */
export type { ConnectionSpec, Inventory, InventoryGroup, InventoryHost } from './types.js';
export { loadInventory } from './load.js';
export { groupHosts, playHosts, selectHosts } from './limit.js';
export { resolveConnection, type ResolveOptions } from './connection.js';
export { parseExtraVars } from './extraVars.js';
export {
  loadSshConfig,
  lookupSshConfig,
  parseSshConfig,
  type SshConfig,
  type SshHostConfig,
} from './sshConfig.js';
export { sortedKeys, toAnsibleGraph, toAnsibleList } from './ansibleList.js';
