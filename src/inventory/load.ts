/**
 * loadInventory: one static inventory file (Ansible YAML or INI) plus the group_vars/ and
 * host_vars/ beside it, resolved to final per-host variables.
 *
 * Format detection follows Ansible's plugin order: the YAML plugin is tried for files with
 * no extension or .yml/.yaml/.json and wins if the document is a mapping; otherwise the
 * INI plugin reads it. One deviation: when a file *looks* like YAML (first statement is
 * `key:` or `---`) but fails to parse, the YAML error is reported instead of the
 * confusing INI error Ansible would add.
 *
 * Variable precedence is Ansible's default VARIABLE_PRECEDENCE, lowest first:
 *   [all:vars] in the inventory
 *   < other groups' inventory vars, sorted by (depth, ansible_group_priority, name)
 *   < group_vars/all < group_vars/<group> (same order)
 *   < host vars in the inventory < host_vars/<host>
 * Every merge is shallow (hash_behaviour=replace).
 */
import { statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { InputError } from '../errors.js';
import { compareGroups, InventoryBuilder } from './builder.js';
import { decodeIniLines, parseIniInventory, type IniReadNotes } from './ini.js';
import { decodeUtf8, readInputBytes } from '../readInput.js';
import type { Inventory, InventoryGroup, InventoryHost } from './types.js';
import { VarsFiles } from './varsFiles.js';
import { parseYamlInventory, STATIC_HINT, yamlRootIsMapping } from './yamlInventory.js';
import { isVaultText, parseYaml, type YamlSource } from './yamlSource.js';

/** Extensions for which Ansible's YAML inventory plugin is tried (case-sensitive, as there). */
const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** First statement is a YAML document marker or a `key:` mapping entry. */
function looksLikeYaml(text: string): boolean {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    return /^(?:---(?:\s|$)|\{|[^\s[=#;'"][^=]*?:(?:\s|$))/.test(line) || /^["'][^"']*["']\s*:(?:\s|$)/.test(line);
  }
  return false;
}

export interface LoadOptions {
  /**
   * Accept an inventory without hosts, as Ansible does (`crane-fix inventory --list` shows
   * it the same way). Commands that contact hosts refuse it: running against nothing is
   * almost always an inventory whose host lines are all still commented out.
   */
  allowEmpty?: boolean;
}

function readInventoryBytes(path: string): Buffer {
  try {
    return readInputBytes(path);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // Ansible also takes a directory of inventories, and `-i a,b,` as a host list.
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new InputError(`is a directory: crane-fix reads one inventory file; pass the file, or ${STATIC_HINT(path)}`, { file: path }, { cause: e });
    }
    if (path.includes(',') && !statSync(path, { throwIfNoEntry: false })) {
      throw new InputError(`no such file (a comma-separated host list is not supported: write the hosts into an INI file, one per line)`, { file: path }, { cause: e });
    }
    throw e;
  }
}

export function loadInventory(path: string, opts: LoadOptions = {}): Inventory {
  const bytes = readInventoryBytes(path);
  if (bytes.subarray(0, 2).toString('latin1') === '#!') {
    throw new InputError(`this is a dynamic inventory script (it starts with '#!'); crane-fix does not run inventory scripts: ${STATIC_HINT(path)}`, { file: path, line: 1, col: 1 });
  }
  const ext = extname(path);
  const b = new InventoryBuilder(path);

  let yaml: YamlSource | undefined;
  if (ext === '' || YAML_EXTENSIONS.includes(ext)) {
    let text: string | undefined;
    try {
      text = decodeUtf8(path, bytes);
    } catch (e) {
      // Only the INI reader tolerates undecodable bytes (in comment lines).
      if (ext !== '') throw e;
    }
    if (text !== undefined) {
      if (isVaultText(text)) throw new InputError('ansible-vault encrypted inventories are not supported', { file: path, line: 1, col: 1 });
      try {
        const src = parseYaml(path, text);
        if (yamlRootIsMapping(src)) yaml = src;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        if (ext !== '' || looksLikeYaml(text)) throw e;
      }
    }
  }

  let notes: IniReadNotes = {};
  if (yaml) parseYamlInventory(yaml, b);
  else notes = parseIniInventory(path, decodeIniLines(path, bytes), b);

  b.reconcile();
  if (b.hosts.size === 0 && !opts.allowEmpty) {
    const c = notes.commentedHost;
    if (c) throw new InputError(`inventory defines no hosts: its host lines are commented out, the first here ('${c.text}'); uncomment the hosts to run on`, { file: c.file, line: c.line, col: c.col });
    throw new InputError(`inventory defines no hosts: add hosts under a group (INI: a line under [group]; YAML: the group's hosts:)`, { file: path });
  }
  return resolve(b, new VarsFiles(dirname(path)));
}

function resolve(b: InventoryBuilder, files: VarsFiles): Inventory {
  const depths = b.depths();
  const sortKey = (name: string) => ({ name, depth: depths.get(name)!, priority: b.groups.get(name)!.priority });

  const groups = new Map<string, InventoryGroup>();
  for (const g of b.groups.values()) {
    groups.set(g.name, {
      name: g.name,
      hosts: [...g.hosts],
      children: [...g.children],
      // As `ansible-inventory --list --export` shows a group: its inventory vars, then its group_vars file.
      vars: { ...g.vars, ...files.groupVars(g.name) },
    });
  }

  const allGroup = b.groups.get('all')!;
  const hosts = new Map<string, InventoryHost>();
  for (const h of b.hosts.values()) {
    const member = b.hostGroups(h.name);
    const sorted = [...member]
      .filter((g) => g !== 'all')
      .map(sortKey)
      .sort(compareGroups)
      .map((k) => k.name);
    let vars: Record<string, unknown> = { ...allGroup.vars };
    for (const g of sorted) vars = { ...vars, ...b.groups.get(g)!.vars };
    vars = { ...vars, ...files.groupVars('all') };
    for (const g of sorted) vars = { ...vars, ...files.groupVars(g) };
    vars = { ...vars, ...h.vars, ...files.hostVars(h.name) };
    hosts.set(h.name, {
      name: h.name,
      vars,
      groups: [...b.groups.keys()].filter((g) => member.has(g)),
      pos: h.pos as InventoryHost['pos'],
    });
  }
  return { file: b.file, hosts, groups };
}
