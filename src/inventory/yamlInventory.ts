/**
 * Ansible's YAML inventory plugin (ansible/plugins/inventory/yaml.py): top-level keys are
 * groups; each group maps `hosts`, `children` and `vars` (a bare string is shorthand for a
 * one-key mapping); a child key *defines* that group, so children need no other
 * declaration. Where Ansible only warns and skips (a group that is not a mapping, an
 * unknown key such as `host:`), we stop with the position instead: a skipped typo in a
 * fleet-fixing tool silently drops hosts from the run.
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';
import type { InventoryBuilder } from './builder.js';
import { expandHostPattern, HostPatternError } from './hostPattern.js';
import {
  isFalsy,
  isPlainObject,
  keyToString,
  mapEntries,
  posOf,
  resolveAlias,
  toPlain,
  type YamlEntry,
  type YamlSource,
} from './yamlSource.js';

const SECTIONS = ['vars', 'children', 'hosts'] as const;

/** What to do with an inventory crane-fix cannot read itself (a plugin, a script): let Ansible resolve it once. */
export const STATIC_HINT = (file: string) => `make it static once with 'ansible-inventory -i ${file} --list --yaml > static.yml' and pass static.yml`;

export function kindOf(node: Node | null | undefined): string {
  if (node == null) return 'null';
  if (isMap(node)) return 'mapping';
  if (isSeq(node)) return 'list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    return typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'float') : typeof v === 'boolean' ? 'boolean' : 'string';
  }
  return 'value';
}

/** True if the document root is a mapping, i.e. this can be a YAML inventory. */
export function yamlRootIsMapping(src: YamlSource): boolean {
  return isMap(resolveAlias(src, src.doc.contents as Node | null));
}

export function parseYamlInventory(src: YamlSource, b: InventoryBuilder): void {
  const root = resolveAlias(src, src.doc.contents as Node | null);
  if (!isMap(root)) {
    throw new InputError(`a YAML inventory must be a mapping of group names, got a ${kindOf(root)}`, posOf(src, root));
  }
  const entries = mapEntries(src, root);
  if (entries.length === 0) throw new InputError('inventory is empty', posOf(src, root));
  for (const e of entries) {
    if (keyString(src, e.keyNode) === 'plugin') {
      throw new InputError(
        `this is an inventory plugin configuration (it has a "plugin" key), not a static inventory; crane-fix does not run inventory plugins: ${STATIC_HINT(src.file)}`,
        posOf(src, e.keyNode),
      );
    }
  }
  for (const e of entries) parseGroup(src, b, e);
}

function keyString(src: YamlSource, keyNode: Node | null): string | undefined {
  const k = resolveAlias(src, keyNode);
  return isScalar(k) && typeof k.value === 'string' ? k.value : undefined;
}

function parseGroup(src: YamlSource, b: InventoryBuilder, entry: YamlEntry): string {
  const keyPos = posOf(src, entry.keyNode);
  const name = keyString(src, entry.keyNode);
  if (name === undefined) {
    const k = resolveAlias(src, entry.keyNode);
    throw new InputError(`group name must be a string, got ${kindOf(k)} ${JSON.stringify(isScalar(k) ? k.value : null)}`, keyPos);
  }
  const data = resolveAlias(src, entry.valueNode);
  b.addGroup(name, keyPos);
  if (data == null || (isScalar(data) && data.value === null)) return name;
  if (!isMap(data)) {
    throw new InputError(`group '${name}' must be a mapping with hosts, children or vars, got a ${kindOf(data)}`, posOf(src, data, keyPos));
  }
  const items = mapEntries(src, data);
  // Ansible validates the three section types before it processes any of them.
  for (const it of items) {
    const key = keyString(src, it.keyNode);
    if (!SECTIONS.includes(key as (typeof SECTIONS)[number])) {
      throw new InputError(
        `unexpected key '${keyToString(src, it.keyNode)}' in group '${name}': only hosts, children and vars are allowed`,
        posOf(src, it.keyNode, keyPos),
      );
    }
    const value = resolveAlias(src, it.valueNode);
    const ok = value == null || isMap(value) || (isScalar(value) && (value.value === null || typeof value.value === 'string'));
    if (!ok) {
      throw new InputError(
        `'${key}' of group '${name}' must be a mapping, got a ${kindOf(value)}`,
        posOf(src, value, posOf(src, it.keyNode)),
      );
    }
  }
  for (const it of items) {
    const key = keyString(src, it.keyNode)!;
    const value = resolveAlias(src, it.valueNode);
    if (value == null || (isScalar(value) && value.value === null)) continue;
    const sub: YamlEntry[] = isMap(value)
      ? mapEntries(src, value as YAMLMap)
      : // `hosts: web1` is shorthand for `hosts: {web1: null}`
        [{ keyNode: value, valueNode: null }];
    if (key === 'vars') {
      for (const v of sub) b.setGroupVar(name, keyToString(src, v.keyNode), toPlain(src, v.valueNode), posOf(src, v.keyNode));
    } else if (key === 'children') {
      for (const c of sub) {
        const child = parseGroup(src, b, c);
        b.linkChild(name, child, posOf(src, c.keyNode));
      }
    } else {
      for (const h of sub) parseHost(src, b, name, h);
    }
  }
  return name;
}

function parseHost(src: YamlSource, b: InventoryBuilder, group: string, entry: YamlEntry): void {
  const pos = posOf(src, entry.keyNode) as Required<ReturnType<typeof posOf>>;
  const k = resolveAlias(src, entry.keyNode);
  if (!isScalar(k) || typeof k.value !== 'string') {
    throw new InputError(
      `host name must be a string, got ${kindOf(k)} ${JSON.stringify(isScalar(k) ? k.value : null)} (quote numbers)`,
      pos,
    );
  }
  const pattern = k.value;
  const data = toPlain(src, entry.valueNode);
  let vars: Record<string, unknown> = {};
  if (isPlainObject(data)) vars = data;
  else if (!isFalsy(data)) {
    // Ansible does `data or {}`, so empty strings/lists pass; anything else is an error.
    throw new InputError(
      `host '${pattern}' must map to a mapping of variables (or nothing), got a ${kindOf(resolveAlias(src, entry.valueNode))}`,
      posOf(src, resolveAlias(src, entry.valueNode), pos),
    );
  }
  let names: string[];
  let port: number | undefined;
  try {
    ({ names, port } = expandHostPattern(pattern));
  } catch (e) {
    if (e instanceof HostPatternError) throw new InputError(`invalid host pattern '${pattern}': ${e.message}`, pos);
    throw e;
  }
  for (const n of names) {
    b.addHost(n, group, port, pos, names.length > 1 ? pattern : undefined);
    for (const [key, v] of Object.entries(vars)) b.setHostVar(n, key, v);
  }
}
