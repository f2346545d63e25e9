/**
 * `group_vars/` and `host_vars/` beside the inventory file, as Ansible's host_group_vars
 * plugin and DataLoader.find_vars_files find them: for entity `web` the first of
 * `web` (file or directory), `web.yml`, `web.yaml`, `web.json` that exists wins — the
 * others are not read. A directory is read recursively in sorted order, skipping hidden
 * and `~` backup files and files with other extensions. Files are merged shallowly (later
 * top-level keys replace earlier ones, Ansible's default hash_behaviour=replace); empty
 * files are ignored.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { InputError } from '../errors.js';
import { compareCodePoints } from './builder.js';
import { decodeUtf8, readInputBytes } from '../readInput.js';
import { isFalsy, isPlainObject, isVaultText, parseYaml, posOf, toPlain } from './yamlSource.js';
import { kindOf } from './yamlInventory.js';
import type { Node } from 'yaml';

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export class VarsFiles {
  private readonly cache = new Map<string, Record<string, unknown>>();

  constructor(private readonly basedir: string) {}

  groupVars(name: string): Record<string, unknown> {
    return this.vars('group_vars', name);
  }

  hostVars(name: string): Record<string, unknown> {
    return this.vars('host_vars', name);
  }

  private vars(subdir: 'group_vars' | 'host_vars', name: string): Record<string, unknown> {
    const key = `${subdir}\0${name}`;
    let v = this.cache.get(key);
    if (!v) {
      v = this.load(subdir, name);
      this.cache.set(key, v);
    }
    return v;
  }

  private load(subdir: string, name: string): Record<string, unknown> {
    // Ansible skips names that are absolute paths ("chroot"-style inventory hostnames).
    if (name.startsWith('/')) return {};
    const dir = join(this.basedir, subdir);
    if (!stat(dir)?.isDirectory()) return {};
    let files: string[] = [];
    for (const ext of ['', ...VARS_EXTENSIONS]) {
      const p = join(dir, name) + ext;
      const st = stat(p);
      if (!st) continue;
      files = st.isDirectory() ? dirVarsFiles(p) : [p];
      break;
    }
    let out: Record<string, unknown> = {};
    for (const f of files) out = { ...out, ...loadVarsFile(f) };
    return out;
  }
}

function dirVarsFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort(compareCodePoints)) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const ext = extname(entry);
    const full = join(dir, entry);
    const st = stat(full);
    if (!st) continue;
    if (st.isDirectory() && !ext) found.push(...dirVarsFiles(full));
    else if (st.isFile() && (!ext || VARS_EXTENSIONS.includes(ext))) found.push(full);
  }
  return found;
}

/** A YAML/JSON vars file: a mapping, or nothing at all. */
export function loadVarsFile(file: string): Record<string, unknown> {
  const text = decodeUtf8(file, readInputBytes(file));
  if (isVaultText(text)) throw new InputError('ansible-vault encrypted files are not supported', { file, line: 1, col: 1 });
  const src = parseYaml(file, text);
  const root = src.doc.contents as Node | null;
  const data = toPlain(src, root);
  if (isFalsy(data)) return {};
  if (!isPlainObject(data)) throw new InputError(`vars file must contain a mapping, got a ${kindOf(root)}`, posOf(src, root));
  return data;
}
