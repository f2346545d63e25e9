/**
 * Module registry. Names resolve like Ansible's: the short name, `ansible.builtin.X`,
 * `ansible.legacy.X`, and the collection FQCNs of the collection modules we implement
 * (`ansible.posix.sysctl`, `community.general.filesystem`).
 */
import type { z } from 'zod';
import { commandModule, shellModule } from './command.js';
import { schemaMeta } from './common.js';
import { assertModule, debugModule, failModule, setFactModule } from './control.js';
import { copyModule } from './copy.js';
import { dropCachesModule } from './dropCaches.js';
import { fileModule } from './file.js';
import { filesystemModule } from './filesystem.js';
import { hostnameModule } from './hostname.js';
import { lineinfileModule } from './lineinfile.js';
import { replaceModule } from './replace.js';
import { sysctlModule } from './sysctl.js';
import { serviceModule, systemdModule } from './systemd.js';
import type { ModuleDef } from './types.js';
import { yamlEditModule } from './yamlEdit.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModule = ModuleDef<any>;

const MODULES: AnyModule[] = [
  replaceModule,
  lineinfileModule,
  copyModule,
  fileModule,
  commandModule,
  shellModule,
  systemdModule,
  serviceModule,
  sysctlModule,
  dropCachesModule,
  filesystemModule,
  hostnameModule,
  yamlEditModule,
  assertModule,
  failModule,
  debugModule,
  setFactModule,
];

const BY_NAME = new Map<string, AnyModule>();
for (const m of MODULES) {
  for (const n of [m.name, ...m.aliases]) {
    if (BY_NAME.has(n)) throw new Error(`duplicate module name ${n}`);
    BY_NAME.set(n, m);
  }
}

/** The module for a name or alias, or undefined. */
export function findModule(name: string): AnyModule | undefined {
  return BY_NAME.get(name);
}

/** The module for a name or alias; throws on an unknown name (the loader reports those first). */
export function getModule(name: string): AnyModule {
  const m = BY_NAME.get(name);
  if (!m) throw new Error(`unknown module '${name}'`);
  return m;
}

/** Canonical module names. */
export function moduleNames(): string[] {
  return MODULES.map((m) => m.name);
}

/** Every accepted name (canonical names and aliases). */
export function allModuleNames(): string[] {
  return [...BY_NAME.keys()];
}

/** alias -> canonical option name, and the canonical option list, of a module's args. */
export function moduleOptions(m: AnyModule): { aliases: Record<string, string>; keys: string[] } | undefined {
  return schemaMeta.get(m.args as z.ZodTypeAny);
}

export type { AnyModule };
