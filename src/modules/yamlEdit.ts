/**
 * crane-fix `yaml_edit`: set or remove one key of a YAML file (kubelet config,
 * containerd/kubeadm YAMLs …) while keeping everything else byte-identical.
 *
 * The edit is a text splice located with the yaml Document API (replace one scalar, insert
 * the missing keys after the parent map's last entry, or delete one entry's lines). The
 * result is re-parsed and must equal "old data with exactly this key changed"; when a
 * splice can't be done safely (flow collections, block scalars, emptied maps …) the
 * document is re-serialized by the Document API instead (comments kept, formatting of
 * untouched parts mostly kept) and verified the same way.
 *
 * `key` is a dotted path: `featureGates.CSIMigration`, `a\.b.c` for a literal dot,
 * numeric segments index sequences (`containers.0.image`). New strings are quoted
 * whenever a YAML 1.1 reader (Go's yaml.v2, PyYAML) could read them as something else.
 */
import YAML, { isMap, isScalar, isSeq, type Document, type Node as YNode } from 'yaml';
import { z } from 'zod';
import { aBool, aChoice, aPath, aStr, defineModule, failed, fileAttrShape, issue, options, ownershipOp, planAttrs, readText } from './common.js';
import type { FileDiff, ModulePlan, Op } from './types.js';
import { normPath } from './virtualFs.js';
import { followForEdit, linkLabel, viaField } from './followLink.js';

const args = options(
  {
    path: aPath(),
    key: aStr(),
    value: z.unknown().optional(),
    state: aChoice(['present', 'absent'] as const).default('present'),
    create: aBool().default(false),
    ...fileAttrShape,
  },
  { path: ['dest'] },
  (v, ctx) => {
    if (v.key === '') issue(ctx, 'key', 'key must not be empty');
    else if (splitKey(v.key).some((s) => s === '')) issue(ctx, 'key', `key ${JSON.stringify(v.key)} has an empty segment`);
    if (v.state === 'present' && !('value' in v)) issue(ctx, undefined, 'value is required with state=present');
  },
);

type Args = z.output<typeof args>;

/** Split a dotted key; `\.` is a literal dot, `\\` a backslash. */
export function splitKey(key: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '\\' && (key[i + 1] === '.' || key[i + 1] === '\\')) {
      cur += key[i + 1];
      i++;
    } else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

type Seg = string | number;

/** Resolve segments against the document: digits index a sequence. */
function resolvePath(doc: Document, segs: string[]): { path: Seg[]; error?: string } {
  const path: Seg[] = [];
  let node: unknown = doc.contents;
  for (const s of segs) {
    if (isSeq(node)) {
      if (!/^\d+$/.test(s)) return { path, error: `${path.join('.') || '<root>'} is a sequence: '${s}' is not an index` };
      path.push(parseInt(s, 10));
      node = node.get(parseInt(s, 10), true);
    } else if (isMap(node) || node === null || node === undefined) {
      path.push(s);
      node = isMap(node) ? node.get(s, true) : undefined;
    } else {
      return { path, error: `${path.join('.') || '<root>'} is a scalar: cannot descend into '${s}'` };
    }
  }
  return { path };
}

function toJS(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: -1 });
}

function setJS(data: unknown, path: Seg[], value: unknown, del: boolean): unknown {
  if (path.length === 0) return del ? null : value;
  const [head, ...rest] = path;
  if (Array.isArray(data) && typeof head === 'number') {
    const copy = [...data];
    if (del && rest.length === 0) copy.splice(head, 1);
    else copy[head] = setJS(copy[head], rest, value, del);
    return copy;
  }
  const obj: Record<string, unknown> = data && typeof data === 'object' && !Array.isArray(data) ? { ...(data as Record<string, unknown>) } : {};
  if (del && rest.length === 0) delete obj[String(head)];
  else obj[String(head)] = setJS(obj[String(head)], rest, value, del);
  return obj;
}

/** Block text for `value` (YAML 1.1-safe quoting), without the trailing newline. */
function render(value: unknown, indentStep: number): string {
  return new YAML.Document(value, { version: '1.1' }).toString({ indent: indentStep, lineWidth: 0 }).replace(/\n$/, '');
}

function lineStart(text: string, off: number): number {
  return text.lastIndexOf('\n', off - 1) + 1;
}

function lineEndIncl(text: string, off: number): number {
  const i = text.indexOf('\n', off);
  return i < 0 ? text.length : i + 1;
}

function detectIndentStep(text: string): number {
  const m = /\n( +)\S/.exec(text);
  return m ? Math.min(Math.max(m[1]!.length, 2), 8) : 2;
}

function parse(text: string): { doc?: Document; error?: string } {
  const docs = YAML.parseAllDocuments(text);
  if (!Array.isArray(docs)) return { error: 'cannot parse YAML' };
  if (docs.length > 1) return { error: 'multi-document YAML files are not supported' };
  const doc = docs[0] ?? YAML.parseDocument('');
  if (doc.errors.length) return { error: `cannot parse YAML: ${doc.errors[0]!.message.split('\n')[0]}` };
  return { doc };
}

/** Try a splice; returns the new text or undefined when no safe splice applies. */
function splice(text: string, doc: Document, path: Seg[], value: unknown, del: boolean): string | undefined {
  const step = detectIndentStep(text);
  if (del) {
    const parentPath = path.slice(0, -1);
    const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
    const last = path[path.length - 1]!;
    if (!isMap(parent) || parent.flow) return undefined;
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    if (!pair || !isScalar(pair.key) || !pair.key.range) return undefined;
    const start = lineStart(text, pair.key.range[0]);
    if (text.slice(start, pair.key.range[0]).trim() !== '') return undefined;
    const vnode = pair.value as YNode | null;
    const endOff = vnode?.range ? vnode.range[1] : pair.key.range[1];
    return text.slice(0, start) + text.slice(lineEndIncl(text, Math.max(endOff - 1, pair.key.range[1])));
  }
  // existing scalar -> replace its text
  const node = doc.getIn(path, true) as YNode | undefined;
  const isCollection = value !== null && typeof value === 'object';
  if (node && isScalar(node) && node.range && !isCollection) {
    if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') return undefined;
    const src = text.slice(node.range[0], node.range[1]);
    if (src.includes('\n')) return undefined;
    const r = render(value, step);
    if (r.includes('\n')) return undefined;
    return text.slice(0, node.range[0]) + r + text.slice(node.range[1]);
  }
  if (node !== undefined) return undefined;
  // missing: find the deepest existing block map and append the rest under it
  let i = path.length - 1;
  while (i > 0 && !doc.hasIn(path.slice(0, i))) i--;
  const parentPath = path.slice(0, i);
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (path.slice(i).some((s) => typeof s === 'number')) return undefined;
  let subtree: unknown = value;
  for (let k = path.length - 1; k >= i; k--) subtree = { [String(path[k])]: subtree };
  if (parent === null || parent === undefined) {
    if (parentPath.length) return undefined;
    if (text.trim() !== '' && !/^(\s*#[^\n]*\n?)*\s*$/.test(text)) return undefined;
    const body = render(subtree, step) + '\n';
    return text === '' || text.endsWith('\n') ? text + body : text + '\n' + body;
  }
  if (!isMap(parent) || parent.flow || parent.items.length === 0) return undefined;
  const firstKey = parent.items[0]!.key;
  if (!isScalar(firstKey) || !firstKey.range) return undefined;
  const indent = firstKey.range[0] - lineStart(text, firstKey.range[0]);
  if (text.slice(lineStart(text, firstKey.range[0]), firstKey.range[0]).trim() !== '') return undefined;
  const lastPair = parent.items[parent.items.length - 1]!;
  const lastNode = (lastPair.value as YNode | null)?.range ? (lastPair.value as YNode) : (lastPair.key as YNode);
  if (!lastNode.range) return undefined;
  const at = lineEndIncl(text, Math.max(lastNode.range[1] - 1, 0));
  const pad = ' '.repeat(indent);
  const block = render(subtree, step)
    .split('\n')
    .map((l) => pad + l)
    .join('\n') + '\n';
  const before = text.slice(0, at);
  return (before.endsWith('\n') || before === '' ? before : before + '\n') + block + text.slice(at);
}

export const yamlEditModule = defineModule<Args>({
  name: 'yaml_edit',
  aliases: ['crane.fix.yaml_edit', 'crane_fix.yaml_edit'],
  args,
  supportsCheck: true,
  supportsDiff: true,
  reversible: true,
  facts: (a) => [{ kind: 'file', path: normPath(a.path) }],
  plan(a, ctx): ModulePlan {
    // A symlinked path is followed as lineinfile/replace do in Ansible (followLink.ts).
    const f = followForEdit(ctx, a);
    if ('error' in f) return failed(f.error);
    const path = f.path;
    const { state, error } = readText(ctx, path);
    if (state.exists && state.type === 'directory') return failed(`Path ${a.path} is a directory !`);
    if (error) return failed(error);
    if (!state.exists && a.state === 'absent') return { status: 'ok', msg: 'file not present', ops: [], diffs: [], result: { changed: false, msg: 'file not present' } };
    if (!state.exists && !a.create) return failed(`Path ${a.path} does not exist !`, { rc: 257 });
    const original = state.exists ? state.content! : '';
    const form = textForm(original);
    const text = form.body;
    const parsed = parse(text);
    if (!parsed.doc) return failed(`${a.path}: ${parsed.error}`);
    const doc = parsed.doc;
    const segs = splitKey(a.key);
    const { path: ypath, error: perr } = resolvePath(doc, segs);
    if (perr) return failed(`${a.path}: ${perr}`);
    const del = a.state === 'absent';
    const exists = doc.contents !== null && doc.hasIn(ypath);
    const value = a.value === undefined ? null : a.value;
    if (del && !exists) return okPlan(a, path, state, `${a.key} is already absent`);
    if (!del && exists && deepEqual(jsAt(toJS(doc), ypath), value)) return okPlan(a, path, state, `${a.key} is already ${JSON.stringify(value)}`);
    const expected = setJS(toJS(doc), ypath, value, del);
    const verify = (out: string | undefined): boolean => {
      if (out === undefined) return false;
      const p = parse(out);
      return !!p.doc && deepEqual(toJS(p.doc), expected);
    };
    let after = splice(text, doc, ypath, value, del);
    if (!verify(after)) {
      const d2 = parse(text).doc!;
      if (del) d2.deleteIn(ypath);
      else if (d2.contents === null) d2.contents = d2.createNode(setJS(null, ypath, value, false)) as never;
      else d2.setIn(ypath, d2.createNode(value));
      after = d2.toString({ lineWidth: 0 });
      if (!verify(after)) return failed(`${a.path}: could not apply the edit to ${a.key} safely`);
    }
    after = form.restore(after!);
    const ops: Op[] = [];
    const named = linkLabel(f);
    const diffs: FileDiff[] = [{ path, before: original, after, beforeHeader: state.exists ? named : null, ...(f.via ? { afterHeader: named } : {}) }];
    if (state.exists) {
      ops.push({ op: 'write', path, content: after, expectSha256: state.sha256 ?? null, ...viaField(f) });
      const attrs = planAttrs(path, state, a);
      if (attrs.op) ops.push(attrs.op);
      if (attrs.summary.length) diffs[0]!.attrs = attrs.summary;
    } else {
      const attrs = planAttrs(path, undefined, a);
      ops.push({ op: 'write', path, content: after, expectSha256: null, mode: attrs.mode ?? 0o644, ...viaField(f) });
      const own = ownershipOp(path, a);
      if (own) ops.push(own);
    }
    const msg = del ? `remove ${a.key}` : `set ${a.key} = ${JSON.stringify(value)}`;
    return { status: 'changed', msg, ops, diffs, result: { changed: true, msg, path: a.path, key: a.key }, ...(f.warnings.length ? { warnings: f.warnings } : {}) };
  },
});

/**
 * The file's BOM and line endings, taken off before the edit and put back after it: the splice
 * and the Document API write LF lines and no BOM, so a CRLF kubelet config would get LF lines
 * among its CRLF ones (or, re-serialized, every line changed) and a BOM file would lose its BOM.
 * Only a file whose every line ends in CRLF counts as CRLF; one with both keeps them as they are
 * and the new lines get LF, as Ansible's line modules do.
 */
export function textForm(text: string): { body: string; restore: (edited: string) => string } {
  const bom = text.startsWith('\ufeff') ? '\ufeff' : '';
  let body = text.slice(bom.length);
  const crlf = body.includes('\r\n') && !/(^|[^\r])\n/.test(body);
  if (crlf) body = body.replace(/\r\n/g, '\n');
  return { body, restore: (edited) => bom + (crlf ? edited.replace(/\n/g, '\r\n') : edited) };
}

function jsAt(data: unknown, path: Seg[]): unknown {
  let cur = data;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return cur;
}

function okPlan(a: Args, path: string, state: ReturnType<typeof readText>['state'], why: string): ModulePlan {
  const attrs = planAttrs(path, state, a);
  if (attrs.changed && state.exists) {
    return { status: 'changed', msg: attrs.summary.join(', '), ops: attrs.op ? [attrs.op] : [], diffs: [{ path, before: state.content ?? '', after: state.content ?? '', attrs: attrs.summary }], result: { changed: true } };
  }
  return { status: 'ok', msg: why, ops: [], diffs: [], result: { changed: false, msg: why } };
}
