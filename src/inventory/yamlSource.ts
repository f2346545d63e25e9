/**
 * YAML as Ansible reads it, with positions. Ansible loads YAML through PyYAML (YAML 1.1),
 * so plain scalars must resolve the PyYAML way, not the `yaml` package's 1.1 way: `y`/`n`
 * stay strings, `08` is a string, `1e3` is a string (PyYAML floats need a dot and a signed
 * exponent), and timestamps stay the text they were written as (Ansible would hold a
 * datetime; keeping the source text is the least surprising JS equivalent).
 *
 * Unlike Ansible (which warns and keeps the last value) a duplicate mapping key is an
 * error: in an inventory it is almost always a copy-paste mistake that silently drops hosts.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type ScalarTag,
  type Tags,
  type YAMLMap,
} from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { pyFloatRepr, setOwn } from './pyValues.js';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

const INT = 'tag:yaml.org,2002:int';
const FLOAT = 'tag:yaml.org,2002:float';
const BOOL = 'tag:yaml.org,2002:bool';
const TIMESTAMP = 'tag:yaml.org,2002:timestamp';
const NEVER = /(?!)/;

/** The yaml-1.1 schema with PyYAML's implicit resolvers (yaml/resolver.py). */
function pyyamlTags(tags: Tags): Tags {
  const out: Tags = [];
  for (const t of tags) {
    if (typeof t !== 'object' || !('tag' in t) || ('collection' in t && t.collection)) {
      out.push(t);
      continue;
    }
    const st = t as ScalarTag;
    const src = st.test?.source ?? '';
    if (st.tag === BOOL) {
      const truthy = src.includes('rue');
      out.push({
        ...st,
        test: truthy ? /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/ : /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
      });
    } else if (st.tag === INT && !st.format) {
      out.push({ ...st, test: /^[-+]?(?:0|[1-9][0-9_]*)$/ });
    } else if (st.tag === INT && st.format === 'TIME') {
      out.push({ ...st, test: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/ });
    } else if (st.tag === FLOAT && st.format === 'EXP') {
      out.push({ ...st, test: NEVER });
    } else if (st.tag === FLOAT && !st.format && !src.includes('inf')) {
      out.push({ ...st, test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/ });
    } else if (st.tag === TIMESTAMP) {
      out.push({ ...st, default: false });
    } else {
      out.push(st);
    }
  }
  // Ansible's own tags. `!unsafe` only marks a string as not-to-be-templated.
  out.push({ tag: '!unsafe', resolve: (s: string) => s } satisfies ScalarTag);
  out.push({
    tag: '!vault',
    resolve: (s: string, onError: (msg: string) => void) => {
      onError('ansible-vault encrypted values are not supported');
      return s;
    },
  } satisfies ScalarTag);
  return out;
}

export function parseYaml(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter: lines,
    uniqueKeys: false, // checked below, to report the second key with the first one's line
    merge: true,
    prettyErrors: false,
    customTags: pyyamlTags,
  });
  // PyYAML refuses unknown tags and the like outright, so warnings are errors here too.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    // The yaml library's words; Ansible's own error says the same and how to fix it.
    const hint = problem.code === 'TAB_AS_INDENT' ? ' (YAML indents with spaces only: replace the tab with spaces)' : '';
    throw new InputError(firstLine(problem.message) + hint, { file, line, col });
  }
  const src = { file, doc, lines };
  checkDuplicateKeys(src);
  return src;
}

function checkDuplicateKeys(src: YamlSource): void {
  visit(src.doc, {
    Map(_key, map) {
      const first = new Map<string, Node>();
      for (const pair of map.items) {
        const k = pair.key as Node | null;
        if (!isScalar(k) || isMergeKey(k)) continue;
        const id = `${typeof k.value}:${String(k.value)}`;
        const prev = first.get(id);
        if (prev) {
          const firstLine = posOf(src, prev).line;
          throw new InputError(`duplicate key '${String(k.value)}' (first defined at line ${firstLine})`, posOf(src, k));
        }
        first.set(id, k);
      }
    },
  });
}

function firstLine(msg: string): string {
  return msg.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export function posOf(src: YamlSource, node: Node | null | undefined, fallback?: SourcePos): SourcePos {
  const offset = node?.range?.[0];
  if (offset === undefined) return fallback ?? { file: src.file, line: 1, col: 1 };
  const { line, col } = src.lines.linePos(offset);
  return { file: src.file, line, col };
}

export function resolveAlias(src: YamlSource, node: Node | null | undefined): Node | null | undefined {
  let n = node;
  for (let hops = 0; n && isAlias(n); hops++) {
    if (hops > 100) throw new InputError('alias chain too long', posOf(src, node));
    const target = n.resolve(src.doc);
    if (!target) throw new InputError(`unresolved alias *${n.source}`, posOf(src, n));
    n = target as Node;
  }
  return n;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

export interface YamlEntry {
  keyNode: Node | null;
  valueNode: Node | null;
}

/**
 * The pairs of a mapping with `<<` merges applied the way PyYAML's flatten_mapping does:
 * merged pairs first (later sources first, so earlier sources win), explicit pairs last;
 * one entry per distinct key, at its first position, holding the winning value.
 */
export function mapEntries(src: YamlSource, map: YAMLMap, seen: Set<Node> = new Set()): YamlEntry[] {
  if (seen.has(map as unknown as Node)) throw new InputError('recursive merge key', posOf(src, map as unknown as Node));
  seen.add(map as unknown as Node);
  const merged: YamlEntry[] = [];
  const explicit: YamlEntry[] = [];
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) {
      const value = resolveAlias(src, pair.value as Node);
      const sources = isSeq(value) ? value.items.map((n) => resolveAlias(src, n as Node)) : [value];
      const groups: YamlEntry[][] = [];
      for (const s of sources) {
        if (!isMap(s)) throw new InputError('merge key (<<) value must be a mapping or a list of mappings', posOf(src, s ?? (pair.key as Node)));
        groups.push(mapEntries(src, s, seen));
      }
      for (const g of groups.reverse()) merged.push(...g);
    } else {
      explicit.push({ keyNode: (pair.key as Node) ?? null, valueNode: (pair.value as Node) ?? null });
    }
  }
  seen.delete(map as unknown as Node);
  const order: string[] = [];
  const byKey = new Map<string, YamlEntry>();
  for (const e of [...merged, ...explicit]) {
    const k = entryIdentity(src, e.keyNode);
    if (!byKey.has(k)) order.push(k);
    const prev = byKey.get(k);
    byKey.set(k, prev ? { keyNode: prev.keyNode, valueNode: e.valueNode } : e);
  }
  return order.map((k) => byKey.get(k)!);
}

/** Collection keys never compare equal to anything else (they are rejected later anyway). */
const nodeIds = new WeakMap<object, number>();
let nextNodeId = 0;

function entryIdentity(src: YamlSource, keyNode: Node | null): string {
  const k = resolveAlias(src, keyNode);
  if (k == null) return 'null';
  if (isScalar(k)) return `${typeof k.value}:${String(k.value)}`;
  if (!nodeIds.has(k)) nodeIds.set(k, nextNodeId++);
  return `node:${nodeIds.get(k)}`;
}

/** How Python's json module writes a scalar dict key, which is how Ansible shows it. */
export function keyToString(src: YamlSource, keyNode: Node | null): string {
  const k = resolveAlias(src, keyNode);
  if (k == null) return 'null';
  if (!isScalar(k)) throw new InputError('mapping keys must be scalars', posOf(src, keyNode));
  const v = k.value;
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) && !isFloatSource(k.source) ? String(v) : pyFloatRepr(v);
  if (typeof v === 'symbol') return '<<';
  return String(k.source ?? v);
}

function isFloatSource(source: unknown): boolean {
  return typeof source === 'string' && /[.]|inf|nan/i.test(source) && !/^[-+]?0x/i.test(source);
}

/** A plain JS value for a node: aliases resolved (and shared), merges applied. */
export function toPlain(src: YamlSource, node: Node | null | undefined, memo = new Map<Node, unknown>()): unknown {
  if (node == null) return null;
  if (isAlias(node)) {
    const target = resolveAlias(src, node)!;
    if (memo.has(target)) {
      const v = memo.get(target);
      if (v === IN_PROGRESS) throw new InputError('recursive alias', posOf(src, node));
      return v;
    }
    return toPlain(src, target, memo);
  }
  if (isScalar(node)) {
    const v = node.value;
    if (v instanceof Date) return typeof node.source === 'string' ? node.source : v.toISOString();
    if (v instanceof Uint8Array) return new TextDecoder('utf-8').decode(v);
    if (typeof v === 'symbol') return '<<';
    return v ?? null;
  }
  if (isMap(node)) {
    memo.set(node, IN_PROGRESS);
    const obj: Record<string, unknown> = {};
    for (const e of mapEntries(src, node)) setOwn(obj, keyToString(src, e.keyNode), toPlain(src, e.valueNode, memo));
    memo.set(node, obj);
    return obj;
  }
  if (isSeq(node)) {
    memo.set(node, IN_PROGRESS);
    const arr = node.items.map((it) => {
      if (isPair(it)) {
        // !!omap / !!pairs items
        const o: Record<string, unknown> = {};
        setOwn(o, keyToString(src, it.key as Node), toPlain(src, it.value as Node, memo));
        return o;
      }
      return toPlain(src, it as Node, memo);
    });
    memo.set(node, arr);
    return arr;
  }
  return null;
}

const IN_PROGRESS = Symbol('in-progress');

/** Python truthiness of a plain value (`if not data:` in Ansible). */
export function isFalsy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Ansible vault files start with this header; we cannot decrypt them. */
export function isVaultText(text: string): boolean {
  return text.startsWith('$ANSIBLE_VAULT;');
}
