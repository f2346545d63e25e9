/**
 * `crane-fix apply … <playbook.yaml|fix-id>`: a path that exists is a playbook; otherwise the
 * name must be a catalogue fix id, whose playbook ships in the package's playbooks/ folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/** The package root (…/crane-fix), from dist/engine or src/engine alike. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PLAYBOOK_DIR = path.join(PACKAGE_ROOT, 'playbooks');

export function fixIds(): string[] {
  try {
    return fs
      .readdirSync(PLAYBOOK_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
  } catch {
    return [];
  }
}

export function resolveTarget(target: string): string {
  if (fs.existsSync(target)) return path.resolve(target);
  if (/^[a-z0-9][a-z0-9-]*$/.test(target)) {
    const p = path.join(PLAYBOOK_DIR, `${target}.yaml`);
    if (fs.existsSync(p)) return p;
  }
  const looksLikePath = /[/.]/.test(target);
  throw new InputError(
    looksLikePath
      ? `playbook ${target} does not exist`
      : `unknown fix id '${target}'; known fixes: ${fixIds().join(', ') || '(none)'} (or give a playbook path)`,
    { flag: 'apply' },
  );
}
