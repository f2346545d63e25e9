/**
 * Walking a playbook's YAML AST: the context that turns a node into its file:line:col, and the
 * typed readers (bool, string, list, int, condition, vars) that fail at the offending node.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YNode, type Pair, type YAMLMap } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { isTemplated, pyStr, toAnsibleBool } from '../modules/common.js';
import { checkConditionSyntax, checkTemplateSyntax, TemplateError } from './template.js';

export class Ctx {
  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    readonly doc: Document,
  ) {}
  pos(node: { range?: [number, number, number] | null } | null | undefined, fallback?: SourcePos): SourcePos {
    if (!node?.range) return fallback ?? { file: this.file };
    const { line, col } = this.lc.linePos(node.range[0]);
    return { file: this.file, line, col };
  }
  fail(detail: string, node: { range?: [number, number, number] | null } | null | undefined, fallback?: SourcePos): never {
    throw new InputError(detail, this.pos(node, fallback));
  }
  js(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    return (node as YNode).toJS(this.doc, { maxAliasCount: 100 });
  }
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

export function keyName(c: Ctx, pair: Pair): string {
  const k = pair.key as YNode | null;
  if (!isScalar(k)) c.fail('mapping keys must be plain scalars', k as YNode);
  return pyStr(k.value);
}

export function checkTags(c: Ctx, node: unknown): void {
  const walk = (n: unknown) => {
    if (!n || typeof n !== 'object') return;
    const tag = (n as { tag?: string }).tag;
    if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
      if (tag === '!vault') c.fail('!vault values are not supported by crane-fix (decrypt them into vars_files handled by your secret store)', n as YNode);
      c.fail(`unsupported YAML tag ${tag}`, n as YNode);
    }
    if (isMap(n)) for (const p of n.items) {
      walk(p.key);
      walk(p.value);
    }
    else if (isSeq(n)) for (const x of n.items) walk(x);
  };
  walk(node);
}

export function pairsOf(c: Ctx, node: YAMLMap): { key: string; pair: Pair; keyNode: YNode; value: unknown }[] {
  const out: { key: string; pair: Pair; keyNode: YNode; value: unknown }[] = [];
  for (const p of node.items) {
    const k = keyName(c, p);
    if (k === '<<') {
      // merge key: expand the merged mapping(s), positioned at the << key
      const src = c.deref(p.value);
      const maps = isSeq(src) ? src.items.map((x) => c.deref(x)) : [src];
      for (const m of maps) {
        if (!isMap(m)) c.fail('<< merge value must be a mapping', p.value as YNode);
        for (const inner of pairsOf(c, m)) if (!out.some((o) => o.key === inner.key)) out.push({ ...inner, keyNode: p.key as YNode });
      }
      continue;
    }
    const existing = out.findIndex((o) => o.key === k);
    if (existing >= 0) out.splice(existing, 1);
    out.push({ key: k, pair: p, keyNode: p.key as YNode, value: c.deref(p.value) });
  }
  return out;
}

export function asBool(c: Ctx, v: unknown, node: unknown, what: string): boolean {
  const b = toAnsibleBool(c.js(v));
  if (b === undefined) c.fail(`${what} must be a boolean (yes/no/true/false)`, node as YNode);
  return b;
}

export function asString(c: Ctx, v: unknown, node: unknown, what: string): string {
  const js = c.js(v);
  if (typeof js === 'string') return js;
  if (typeof js === 'number' || typeof js === 'boolean') return pyStr(js);
  return c.fail(`${what} must be a string`, node as YNode);
}

export function asStringList(c: Ctx, v: unknown, what: string): string[] {
  const node = v as YNode;
  if (isSeq(node)) return node.items.map((x) => asString(c, c.deref(x), x, what));
  if (v === null || v === undefined || (isScalar(v) && v.value === null)) return [];
  return [asString(c, v, node, what)];
}

export function asInt(c: Ctx, v: unknown, what: string): number {
  const js = c.js(v);
  if (typeof js === 'number' && Number.isInteger(js)) return js;
  if (typeof js === 'string' && /^\s*\d+\s*$/.test(js)) return parseInt(js, 10);
  return c.fail(`${what} must be an integer${isTemplated(js) ? ' (templates are not supported here)' : ''}`, v as YNode);
}

export function asConditions(c: Ctx, v: unknown, what: string): string[] {
  const node = v as YNode;
  const items: unknown[] = isSeq(node) ? node.items.map((x) => c.deref(x)) : [v];
  const out: string[] = [];
  for (const it of items) {
    const js = c.js(it);
    let s: string;
    if (typeof js === 'boolean') s = js ? 'True' : 'False';
    else if (typeof js === 'string') s = js;
    else if (typeof js === 'number') s = pyStr(js);
    else if (js === null) continue;
    else return c.fail(`${what} must be a condition string, a boolean or a list of them`, it as YNode);
    try {
      checkConditionSyntax(s);
    } catch (e) {
      if (e instanceof TemplateError) c.fail(`${what}: ${e.message}`, it as YNode);
      throw e;
    }
    out.push(s);
  }
  return out;
}

export function asVarsMap(c: Ctx, v: unknown, what: string): Record<string, unknown> {
  if (v === null || v === undefined || (isScalar(v) && v.value === null)) return {};
  if (!isMap(v)) {
    if (isScalar(v) && typeof v.value === 'string' && isTemplated(v.value)) c.fail(`${what} must be a mapping (a template here is not supported)`, v);
    c.fail(`${what} must be a mapping`, v as YNode);
  }
  checkTemplatesIn(c, v, what);
  const out: Record<string, unknown> = {};
  for (const { key, value } of pairsOf(c, v)) out[key] = c.js(value);
  return out;
}

/** Syntax-check every template string inside a node. */
export function checkTemplatesIn(c: Ctx, node: unknown, what: string): void {
  const n = c.deref(node);
  if (isScalar(n)) {
    if (typeof n.value === 'string' && (n.value.includes('{{') || n.value.includes('{%'))) {
      try {
        checkTemplateSyntax(n.value);
      } catch (e) {
        if (e instanceof TemplateError) c.fail(`${what}: ${e.message}`, n);
        throw e;
      }
    }
  } else if (isMap(n)) {
    for (const p of n.items) checkTemplatesIn(c, p.value, what);
  } else if (isSeq(n)) {
    for (const x of n.items) checkTemplatesIn(c, x, what);
  }
}
