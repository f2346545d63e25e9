/**
 * `crane-fix apply … <playbook.yaml|fix-id>`: a path that exists is a playbook; otherwise the
 * name must be a catalogue fix id, whose playbook ships in the package's playbooks/ folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/**
 * The package root (…/crane-fix): the nearest folder up from this file with crane-fix's
 * package.json — from src/engine, dist/engine or a bundle chunk in dist/bin/chunks alike.
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'crane-fix') return dir;
    } catch {
      /* no package.json here, or not ours: go up */
    }
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}
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
