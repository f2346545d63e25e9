/**
 * Jinja2 templating with Ansible semantics, on nunjucks.
 *
 * nunjucks parses and compiles the template; before compiling we rewrite its AST so that
 * expressions follow Python/Jinja rules instead of JavaScript's:
 *
 *  - `==`, `!=`, `<`, … compare like Python (no `"1" == 1`, no string/number ordering);
 *  - `and` / `or` / `not` / `if` use Python truthiness (`[]`, `{}` are false) and stay lazy;
 *  - `in` is Python membership, `is test(args)` works (nunjucks' own emits broken code);
 *  - `a.b` / `a['b']` is Jinja getattr/getitem, including the common Python str/dict/list
 *    methods (`x.startswith('a')`, `d.items()`, `s.split(',')`);
 *  - `+`, `~`, `*`, `%` behave like Python (list concat, str repetition, printf formatting);
 *  - printing uses Python's `str()` (True, None, ['a', 'b']);
 *  - string literals use Python escapes (`'\d'` stays `\d`, nunjucks would drop the `\`);
 *  - an undefined variable raises TemplateError naming it (Ansible's StrictUndefined), while
 *    `is defined`, `default`/`d` and attribute chains on it work like in Ansible.
 *
 * `renderValue` keeps the native type of a string that is exactly one `{{ expr }}`
 * (ansible-core 2.19 semantics; 2.14 would turn ints into strings there).
 */
// A static import (not createRequire) so a bundle holds the very module nunjucks itself uses.
import transformer from 'nunjucks/src/transformer.js';
import { PyRegexError } from '../modules/pyregex.js';
import { TemplateError, Undefined, check, cmp, isPlainObject, isUndef, pyIn, pyTruthy, toText } from './jinja/pyValues.js';
import { add, getattr, mod, mul } from './jinja/pyMethods.js';
import { runTest } from './jinja/tests.js';
import { FILTERS, captured } from './jinja/filters.js';
import { makeStringParser, rewrite } from './jinja/rewrite.js';
import { type AnyNode, nj, nodes } from './jinja/nunjucks.js';

export { TemplateError } from './jinja/pyValues.js';

interface Compiled {
  tmpl: AnyNode;
  symbols: Set<string>;
}

const env = new nj.Environment([], { autoescape: false, throwOnUndefined: true });
for (const [k, f] of Object.entries(FILTERS)) {
  const guarded = function (this: unknown, value: unknown, ...args: unknown[]) {
    if (k !== 'default' && k !== 'mandatory' && k !== 'type_debug' && k !== '__capture') check(value);
    for (const a of args) if (k !== 'default') check(a);
    try {
      return f.call(this, value, ...args);
    } catch (e) {
      if (e instanceof PyRegexError) throw new TemplateError(`${k}: ${e.message}`);
      throw e;
    }
  };
  env.addFilter(k, guarded);
}
env.addFilter('d', env.getFilter('default'));

/** What `{{ x }}` prints inside text: Ansible's finalize turns None into ''. */
function outText(v: unknown): string {
  if (v === null) return '';
  return toText(v);
}

const GLOBALS: Record<string, unknown> = {
  True: true,
  False: false,
  None: null,
  __out: outText,
  __bool: pyTruthy,
  __not: (v: unknown) => !pyTruthy(v),
  __cmp: cmp,
  __in: pyIn,
  __test: runTest,
  __getattr: getattr,
  __add: add,
  __concat: (a: unknown, b: unknown) => toText(a) + toText(b),
  __mul: mul,
  __mod: mod,
  range: (a: number, b?: number, step = 1) => {
    const [lo, hi] = b === undefined ? [0, a] : [a, b];
    const out: number[] = [];
    for (let i = lo; step > 0 ? i < hi : i > hi; i += step) out.push(i);
    return out;
  },
  lookup: () => {
    throw new TemplateError('lookup plugins are not supported');
  },
  query: () => {
    throw new TemplateError('lookup plugins are not supported');
  },
};

const compileCache = new Map<string, Compiled>();

/**
 * Every name the template looks up. Not nunjucks' `findAll(Symbol)`: it does not descend into
 * plain arrays (a Compare node's `ops`), so `x` in `1 < x < 3` would be missed — and render()
 * passes only these names to the template.
 */
function collectSymbols(root: AnyNode): Set<string> {
  const out = new Set<string>();
  const walk = (n: AnyNode): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (!(n instanceof nodes.Node)) return;
    if (n instanceof nodes.Symbol) out.add(n.value);
    for (const f of n.fields as string[]) walk(n[f]);
  };
  walk(root);
  return out;
}

function compile(src: string): Compiled {
  const hit = compileCache.get(src);
  if (hit) return hit;
  let ast: AnyNode;
  try {
    const tokens = nj.lexer.lex(src, env.opts);
    tokens._parseString = makeStringParser(tokens);
    const next = tokens.nextToken.bind(tokens);
    tokens.nextToken = () => {
      const tok = next();
      if (tok?.type === nj.lexer.TOKEN_VARIABLE_START) tokens.__inVariable = true;
      else if (tok?.type === nj.lexer.TOKEN_VARIABLE_END || tok?.type === nj.lexer.TOKEN_BLOCK_START) tokens.__inVariable = false;
      return tok;
    };
    const parser = new nj.parser.Parser(tokens);
    parser.extensions = [];
    ast = parser.parseAsRoot();
  } catch (e) {
    throw new TemplateError(`template syntax error: ${cleanMsg(e)}`, undefined, src);
  }
  const symbols = collectSymbols(ast);
  for (const s of ast.findAll(nodes.Macro)) throw new TemplateError(`macros are not supported (${s.name?.value ?? ''})`, undefined, src);
  for (const t of ['Include', 'Import', 'FromImport', 'Extends', 'Block']) {
    if (ast.findAll(nodes[t]).length) throw new TemplateError(`{% ${t.toLowerCase()} %} is not supported`, undefined, src);
  }
  let tmpl: AnyNode;
  try {
    const rewritten = rewrite(ast);
    const c = new nj.compiler.Compiler('template', true);
    c.compile(transformer.transform(rewritten, [], 'template'));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const props = new Function(c.getCode())();
    tmpl = new nj.Template({ type: 'code', obj: props }, env, 'template');
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw new TemplateError(`template syntax error: ${cleanMsg(e)}`, undefined, src);
  }
  const compiled = { tmpl, symbols };
  if (compileCache.size > 2000) compileCache.clear();
  compileCache.set(src, compiled);
  return compiled;
}

function cleanMsg(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m
    .replace(/^\(unknown path\)\s*/, '')
    .replace(/^\s*\[Line \d+, Column \d+\]\s*/m, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Rendered results by template and the values it reads. The same templates are rendered for
 * every host, twice (prepareTasks, then planTask with the facts known), mostly over the same
 * play/extra vars: a nunjucks render (context, frames, filters) is ~100x the cost of a hit.
 * Only when every name the template reads is a primitive (or absent): the filters and tests
 * are pure functions of their inputs, so the output — and the value an expression captured,
 * kept only if primitive too — cannot differ. Errors are never cached.
 */
const renderCache = new Map<string, { out: string; captured: unknown }>();

function renderKey(src: string, symbols: Set<string>, vars: Readonly<Record<string, unknown>>): string | undefined {
  let key = src;
  for (const s of symbols) {
    if (!Object.prototype.hasOwnProperty.call(vars, s)) {
      key += '\0-';
      continue;
    }
    const v = vars[s];
    if (typeof v === 'string') key += `\0s${v.length}:${v}`;
    else if (typeof v === 'number') key += Object.is(v, -0) ? '\0n-0' : `\0n${v}`;
    else if (typeof v === 'boolean') key += v ? '\0t' : '\0f';
    else if (v === null) key += '\0z';
    else return undefined;
  }
  return key;
}

const isPrimitive = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function render(src: string, vars: Readonly<Record<string, unknown>>): string {
  const { tmpl, symbols } = compile(src);
  const key = renderKey(src, symbols, vars);
  if (key !== undefined) {
    const hit = renderCache.get(key);
    if (hit) {
      captured.value = hit.captured;
      return hit.out;
    }
  }
  const out = renderUncached(src, vars, tmpl, symbols);
  if (key !== undefined && isPrimitive(captured.value)) {
    if (renderCache.size > 5000) renderCache.clear();
    renderCache.set(key, { out, captured: captured.value });
  }
  return out;
}

function renderUncached(src: string, vars: Readonly<Record<string, unknown>>, tmpl: AnyNode, symbols: Set<string>): string {
  // Only the names the template refers to (every variable lookup is a Symbol node): copying
  // all of a host's vars — inventory, groups, play vars — for every string was most of the
  // cost of templating 50 hosts.
  const ctx: Record<string, unknown> = { ...GLOBALS };
  for (const s of symbols) {
    if (Object.prototype.hasOwnProperty.call(vars, s)) ctx[s] = vars[s];
    else if (!Object.prototype.hasOwnProperty.call(ctx, s)) ctx[s] = new Undefined(s);
  }
  try {
    return tmpl.render(ctx) as string;
  } catch (e) {
    const inner = findTemplateError(e);
    if (inner) throw new TemplateError(inner.message, inner.variable, src);
    throw new TemplateError(`template error while templating string: ${cleanMsg(e)}`, undefined, src);
  }
}

function findTemplateError(e: unknown): TemplateError | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur instanceof TemplateError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  // nunjucks wraps errors in its own TemplateError, keeping the original message text
  const msg = e instanceof Error ? e.message : '';
  const m = /'([^']+)' is undefined/.exec(msg);
  if (m) return new TemplateError(`'${m[1]}' is undefined`, m[1]);
  const mt = /TemplateError: (.*)$/m.exec(msg);
  if (mt) return new TemplateError(mt[1]!.trim());
  return undefined;
}

export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

/** `{{ expr }}` alone (Ansible keeps its native type) → the inner expression, else undefined. */
function singleExpression(s: string): string | undefined {
  const m = /^\{\{-?([\s\S]*?)-?\}\}$/.exec(s);
  if (!m) return undefined;
  const inner = m[1]!;
  // reject "{{ a }} and {{ b }}"
  if (inner.includes('}}') || inner.includes('{{')) return undefined;
  return inner;
}

function evalExpression(expr: string, vars: Readonly<Record<string, unknown>>, block = false): unknown {
  captured.value = undefined;
  render(block ? `{% set __crane_cond = (${expr}) | __capture %}` : `{{ (${expr}) | __capture }}`, vars);
  const v = captured.value;
  captured.value = undefined;
  return v;
}

/** Render one string with Ansible semantics (native type for a lone `{{ expr }}`). */
export function renderString(s: string, vars: Readonly<Record<string, unknown>>): unknown {
  if (!isTemplate(s)) return s;
  const single = singleExpression(s);
  if (single !== undefined) {
    const v = evalExpression(single, vars);
    if (isUndef(v)) v.fail();
    if (v === undefined) throw new TemplateError(`${s} produced no value`, undefined, s);
    return v;
  }
  return render(s, vars);
}

/** Template every string inside `value` (objects, arrays) against `vars`. */
export function renderValue(value: unknown, vars: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') return renderString(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, vars));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[isTemplate(k) ? toText(renderString(k, vars)) : k] = renderValue(v, vars);
    return out;
  }
  return value;
}

function conditionSource(c: string): string {
  const t = c.trim();
  const single = singleExpression(t);
  return single !== undefined ? single : t;
}

/**
 * Ansible `when:` / `changed_when:` / `failed_when:` / `until:` / assert `that:`: every
 * condition must hold. Booleans are taken as-is. Undefined variables raise TemplateError.
 */
export function evalCondition(expr: string | boolean | readonly (string | boolean)[], vars: Readonly<Record<string, unknown>>): boolean {
  const list = Array.isArray(expr) ? expr : [expr];
  for (const c of list as (string | boolean)[]) {
    if (typeof c === 'boolean') {
      if (!c) return false;
      continue;
    }
    const src = conditionSource(c);
    if (src === '') continue;
    let v: unknown;
    try {
      v = evalExpression(src, vars, true);
    } catch (e) {
      if (e instanceof TemplateError) throw new TemplateError(`The conditional check '${c}' failed. The error was: error while evaluating conditional (${c}): ${e.message}`, e.variable, c);
      throw e;
    }
    if (!pyTruthy(v)) return false;
  }
  return true;
}

/** Load-time check: throws TemplateError if `s` is not a valid template. Does not render. */
export function checkTemplateSyntax(s: string): void {
  if (!isTemplate(s)) return;
  compile(s);
}

/** Load-time check of a conditional expression. */
export function checkConditionSyntax(c: string): void {
  compile(`{% set __crane_cond = (${conditionSource(c)}) | __capture %}`);
}

/** Names of the variables a template or condition reads (top-level symbols). */
export function templateVariables(s: string, condition = false): string[] {
  const src = condition ? `{{ (${conditionSource(s)}) }}` : s;
  if (!condition && !isTemplate(s)) return [];
  return [...compile(src).symbols].filter((n) => !(n in GLOBALS));
}
