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
import { posix } from 'node:path';
import nunjucks from 'nunjucks';
// A static import (not createRequire) so a bundle holds the very module nunjucks itself uses.
import transformer from 'nunjucks/src/transformer.js';
import YAML from 'yaml';
import { pyJsonDumps, pyNumber, pyRepr, pyStr } from '../modules/common.js';
import { compilePyRegex, pyFinditer, pyReEscape, pySearch, pySubn, PyRegexError } from '../modules/pyregex.js';
import { shellQuote } from '../modules/shellQuote.js';


// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const nj = nunjucks as any;
const nodes = nj.nodes;

export class TemplateError extends Error {
  constructor(
    message: string,
    /** The undefined variable, when that is the cause. */
    readonly variable?: string,
    /** The template text that failed. */
    readonly template?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Jinja's Undefined: carried through attribute chains, raises when used. */
export class Undefined {
  constructor(
    readonly name: string,
    readonly hint?: string,
  ) {}
  get message(): string {
    return this.hint ?? `'${this.name}' is undefined`;
  }
  fail(): never {
    throw new TemplateError(this.message, this.name);
  }
  [Symbol.toPrimitive](): never {
    this.fail();
  }
}

const isUndef = (v: unknown): v is Undefined => v instanceof Undefined;

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

function typeErr(msg: string): never {
  throw new TemplateError(msg);
}

function check(v: unknown): void {
  if (isUndef(v)) v.fail();
}

export function pyTruthy(v: unknown): boolean {
  if (isUndef(v)) v.fail();
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isUndef(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export function pyEq(a: unknown, b: unknown): boolean {
  check(a);
  check(b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEq(a[k], b[k]));
  }
  return a === b;
}

function pyCompare(a: unknown, b: unknown, op: string): number {
  check(a);
  check(b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyCompare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  return typeErr(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function cmp(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
    case '===':
      return pyEq(a, b);
    case '!=':
    case '!==':
      return !pyEq(a, b);
    case '<':
      return pyCompare(a, b, op) < 0;
    case '>':
      return pyCompare(a, b, op) > 0;
    case '<=':
      return pyCompare(a, b, op) <= 0;
    case '>=':
      return pyCompare(a, b, op) >= 0;
  }
  return typeErr(`unknown comparison ${op}`);
}

function pyIn(needle: unknown, hay: unknown): boolean {
  check(needle);
  check(hay);
  if (typeof hay === 'string') {
    if (typeof needle !== 'string') typeErr(`'in <string>' requires string as left operand, not ${typeName(needle)}`);
    return hay.includes(needle);
  }
  if (Array.isArray(hay)) return hay.some((x) => pyEq(x, needle));
  if (isPlainObject(hay)) return Object.prototype.hasOwnProperty.call(hay, pyStr(needle));
  return typeErr(`argument of type '${typeName(hay)}' is not iterable`);
}

/** Python str(): what `{{ x }}` prints. */
export function toText(v: unknown): string {
  if (isUndef(v)) v.fail();
  if (v === undefined) throw new TemplateError('expression produced no value (undefined)');
  return pyStr(v);
}

// -- Python methods reachable through attribute access -----------------------

function kwSplit(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (isPlainObject(last) && (last as Record<string, unknown>).__keywords === true) {
    const { __keywords: _k, ...kw } = last as Record<string, unknown>;
    return [args.slice(0, -1), kw];
  }
  return [args, {}];
}

const PY_WS = /^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu;

function pyStrip(s: string, chars: unknown, side: 'both' | 'l' | 'r'): string {
  if (chars === undefined || chars === null) {
    if (side === 'both') return s.replace(PY_WS, '');
    if (side === 'l') return s.replace(/^[\s\x1c-\x1f\x85]+/u, '');
    return s.replace(/[\s\x1c-\x1f\x85]+$/u, '');
  }
  const set = new Set(Array.from(String(chars)));
  const arr = Array.from(s);
  let a = 0;
  let b = arr.length;
  if (side !== 'r') while (a < b && set.has(arr[a]!)) a++;
  if (side !== 'l') while (b > a && set.has(arr[b - 1]!)) b--;
  return arr.slice(a, b).join('');
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = typeof maxsplit === 'number' ? maxsplit : -1;
  if (sep === undefined || sep === null) {
    const parts: string[] = [];
    let rest = s.replace(/^\s+/u, '');
    while (rest.length) {
      if (max >= 0 && parts.length === max) {
        parts.push(rest);
        return parts;
      }
      const m = /\s+/u.exec(rest);
      if (!m) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return parts;
  }
  const d = String(sep);
  if (d === '') typeErr('empty separator');
  const parts = s.split(d);
  if (max >= 0 && parts.length > max + 1) return [...parts.slice(0, max), parts.slice(max).join(d)];
  return parts;
}

function pyFormatBraces(fmt: string, args: unknown[], kw: Record<string, unknown>): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const name = (field ?? '').split(/[!:]/)[0]!;
    const v = name === '' ? args[auto++] : /^\d+$/.test(name) ? args[parseInt(name, 10)] : kw[name];
    return toText(v);
  });
}

/** Python's printf-style `fmt % args` for %s %r %d %i %f %x %o %%. */
export function pyPercentFormat(fmt: string, argsIn: unknown): string {
  const args = Array.isArray(argsIn) ? argsIn : [argsIn];
  const named = isPlainObject(argsIn) ? argsIn : undefined;
  let i = 0;
  const out = fmt.replace(/%(\([^)]*\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdirfFxXoeEgGc%])/g, (_m, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const v = key ? named?.[key.slice(1, -1)] : args[i++];
    if (v === undefined && !key) typeErr('not enough arguments for format string');
    let s: string;
    switch (conv) {
      case 's':
        s = toText(v);
        break;
      case 'r':
        s = pyRepr(v);
        break;
      case 'd':
      case 'i': {
        const n = num(v) ?? (typeof v === 'string' ? typeErr('%d format: a number is required, not str') : NaN);
        s = String(Math.trunc(n));
        break;
      }
      case 'f':
      case 'F':
        s = (num(v) ?? NaN).toFixed(prec === undefined ? 6 : parseInt(prec, 10));
        break;
      case 'x':
        s = Math.trunc(num(v) ?? 0).toString(16);
        break;
      case 'X':
        s = Math.trunc(num(v) ?? 0).toString(16).toUpperCase();
        break;
      case 'o':
        s = Math.trunc(num(v) ?? 0).toString(8);
        break;
      case 'c':
        s = typeof v === 'number' ? String.fromCodePoint(v) : String(v);
        break;
      default:
        s = pyNumber(num(v) ?? NaN);
    }
    if (width && width !== '*') {
      const w = parseInt(width, 10);
      if (flags.includes('-')) s = s.padEnd(w);
      else if (flags.includes('0') && /[dif]/.test(conv)) s = s.padStart(w, '0');
      else s = s.padStart(w);
    }
    return s;
  });
  if (!named && i < args.length) typeErr('not all arguments converted during string formatting');
  return out;
}

function strMethod(s: string, name: string): ((...a: unknown[]) => unknown) | undefined {
  const m: Record<string, (...a: unknown[]) => unknown> = {
    startswith: (p) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p))),
    endswith: (p) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p))),
    split: (sep, max) => pySplit(s, sep, max),
    rsplit: (sep, max) => {
      if (typeof max !== 'number' || max < 0) return pySplit(s, sep, -1);
      const all = pySplit(s, sep, -1);
      const d = sep === undefined || sep === null ? ' ' : String(sep);
      if (all.length <= max + 1) return all;
      return [all.slice(0, all.length - max).join(d), ...all.slice(all.length - max)];
    },
    strip: (c) => pyStrip(s, c, 'both'),
    lstrip: (c) => pyStrip(s, c, 'l'),
    rstrip: (c) => pyStrip(s, c, 'r'),
    lower: () => s.toLowerCase(),
    upper: () => s.toUpperCase(),
    capitalize: () => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s),
    title: () => s.replace(/[A-Za-z]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()),
    replace: (a, b, c) => {
      const parts = s.split(String(a));
      const count = typeof c === 'number' && c >= 0 ? c : Infinity;
      let out = parts[0]!;
      for (let i = 1; i < parts.length; i++) out += (i <= count ? String(b) : String(a)) + parts[i];
      return out;
    },
    find: (x) => s.indexOf(String(x)),
    rfind: (x) => s.lastIndexOf(String(x)),
    index: (x) => {
      const i = s.indexOf(String(x));
      if (i < 0) typeErr('substring not found');
      return i;
    },
    count: (x) => (String(x) === '' ? s.length + 1 : s.split(String(x)).length - 1),
    splitlines: () => s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/).filter((_x, i, a) => i < a.length - 1 || a[i] !== ''),
    join: (xs) => (Array.isArray(xs) ? xs.map((x) => (typeof x === 'string' ? x : typeErr(`sequence item: expected str instance, ${typeName(x)} found`))).join(s) : typeErr('can only join an iterable')),
    format: (...a) => {
      const [args, kw] = kwSplit(a);
      return pyFormatBraces(s, args, kw);
    },
    isdigit: () => /^\d+$/.test(s),
    isalpha: () => /^\p{L}+$/u.test(s),
    isalnum: () => /^[\p{L}\p{N}]+$/u.test(s),
    isspace: () => /^\s+$/.test(s),
    islower: () => /\p{Ll}/u.test(s) && s === s.toLowerCase(),
    isupper: () => /\p{Lu}/u.test(s) && s === s.toUpperCase(),
    zfill: (w) => {
      const width = Number(w);
      const sign = /^[+-]/.test(s) ? s[0]! : '';
      return sign + s.slice(sign.length).padStart(width - sign.length, '0');
    },
  };
  return m[name];
}

function getattr(obj: unknown, key: unknown): unknown {
  if (isUndef(obj)) return obj;
  if (isUndef(key)) key.fail();
  if (obj === null || obj === undefined) return new Undefined(String(key), `'None' has no attribute '${pyStr(key)}'`);
  if (Array.isArray(obj)) {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const i = key < 0 ? obj.length + key : key;
      if (i >= 0 && i < obj.length) return obj[i];
      return new Undefined(String(key), `list object has no element ${key}`);
    }
    if (key === 'index') return (x: unknown) => {
      const i = obj.findIndex((e) => pyEq(e, x));
      if (i < 0) typeErr(`${pyRepr(x)} is not in list`);
      return i;
    };
    if (key === 'count') return (x: unknown) => obj.filter((e) => pyEq(e, x)).length;
    return new Undefined(String(key), `'list object' has no attribute '${pyStr(key)}'`);
  }
  if (typeof obj === 'string') {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const cps = Array.from(obj);
      const i = key < 0 ? cps.length + key : key;
      if (i >= 0 && i < cps.length) return cps[i];
      return new Undefined(String(key), 'string index out of range');
    }
    const f = strMethod(obj, String(key));
    if (f) return f;
    return new Undefined(String(key), `'str object' has no attribute '${pyStr(key)}'`);
  }
  if (typeof obj === 'object') {
    const o = obj as Record<string, unknown>;
    const k = pyStr(key);
    if (Object.prototype.hasOwnProperty.call(o, k)) return o[k];
    if (k === 'items') return () => Object.entries(o);
    if (k === 'keys') return () => Object.keys(o);
    if (k === 'values') return () => Object.values(o);
    if (k === 'get') return (kk: unknown, d: unknown = null) => (Object.prototype.hasOwnProperty.call(o, pyStr(kk)) ? o[pyStr(kk)] : d);
    return new Undefined(k, `'dict object' has no attribute '${k}'`);
  }
  return new Undefined(String(key), `'${typeName(obj)} object' has no attribute '${pyStr(key)}'`);
}

function add(a: unknown, b: unknown): unknown {
  check(a);
  check(b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na + nb;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return typeErr(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
}

function mul(a: unknown, b: unknown): unknown {
  check(a);
  check(b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na * nb;
  if (typeof a === 'string' && nb !== undefined) return a.repeat(Math.max(0, nb));
  if (typeof b === 'string' && na !== undefined) return b.repeat(Math.max(0, na));
  if (Array.isArray(a) && nb !== undefined) return Array.from({ length: Math.max(0, nb) }, () => a).flat();
  return typeErr(`unsupported operand type(s) for *: '${typeName(a)}' and '${typeName(b)}'`);
}

function mod(a: unknown, b: unknown): unknown {
  check(a);
  check(b);
  if (typeof a === 'string') return pyPercentFormat(a, b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) {
    if (nb === 0) typeErr('integer division or modulo by zero');
    return ((na % nb) + nb) % nb;
  }
  return typeErr(`unsupported operand type(s) for %: '${typeName(a)}' and '${typeName(b)}'`);
}

// -- tests --------------------------------------------------------------------

function resultDict(v: unknown, test: string): Record<string, unknown> {
  check(v);
  if (!isPlainObject(v)) throw new TemplateError(`The '${test}' test expects a dictionary`);
  return v;
}

function looseVersionParts(v: string): (number | string)[] {
  return v
    .split(/(\d+|[a-z]+|\.)/i)
    .filter((x) => x && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? parseInt(x, 10) : x));
}

function versionCompare(a: unknown, b: unknown, op: unknown = 'eq'): boolean {
  const ops: Record<string, string> = { '==': 'eq', '=': 'eq', eq: 'eq', '<': 'lt', lt: 'lt', '<=': 'le', le: 'le', '>': 'gt', gt: 'gt', '>=': 'ge', ge: 'ge', '!=': 'ne', '<>': 'ne', ne: 'ne' };
  const o = ops[String(op)];
  if (!o) typeErr(`Invalid operator type (${pyStr(op)})`);
  if (!pyTruthy(a)) typeErr('Input version value cannot be empty');
  if (!pyTruthy(b)) typeErr('Version parameter to compare against cannot be empty');
  const pa = looseVersionParts(pyStr(a));
  const pb = looseVersionParts(pyStr(b));
  let c = 0;
  for (let i = 0; i < Math.max(pa.length, pb.length) && c === 0; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) c = -1;
    else if (y === undefined) c = 1;
    else if (typeof x === typeof y) c = x < y ? -1 : x > y ? 1 : 0;
    else typeErr(`Version comparison failed: '<' not supported between instances of '${typeof x === 'number' ? 'int' : 'str'}' and '${typeof y === 'number' ? 'int' : 'str'}'`);
  }
  return { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[o as 'eq'];
}

function regexTest(value: unknown, pattern: unknown, kw: Record<string, unknown>, matchType: 'search' | 'match' | 'fullmatch'): boolean {
  check(value);
  const rx = compilePyRegex(pyStr(pattern), { ignorecase: pyTruthy(kw.ignorecase ?? false), multiline: pyTruthy(kw.multiline ?? false) });
  const s = pyStr(value ?? '');
  const m = pySearch(rx, s, 0);
  if (!m) return false;
  if (matchType === 'search') return true;
  // re.match / fullmatch: must start at 0 (retry anchored by scanning matches at index 0)
  for (const mm of pyFinditer(rx, s)) {
    if (mm.index !== 0) break;
    if (matchType === 'match' || mm[0].length === s.length) return true;
  }
  if (matchType === 'match') {
    const anchored = compilePyRegex(`(?:${pyStr(pattern)})`, { ignorecase: pyTruthy(kw.ignorecase ?? false), multiline: pyTruthy(kw.multiline ?? false) });
    const a = pySearch(anchored, s, 0);
    return !!a && a.index === 0;
  }
  const full = compilePyRegex(`(?:${pyStr(pattern)})\\Z`, { ignorecase: pyTruthy(kw.ignorecase ?? false), multiline: pyTruthy(kw.multiline ?? false) });
  const f = pySearch(full, s, 0);
  return !!f && f.index === 0;
}

type TestFn = (value: unknown, ...args: unknown[]) => boolean;

const TESTS: Record<string, TestFn> = {
  defined: (v) => !isUndef(v) && v !== undefined,
  undefined: (v) => isUndef(v) || v === undefined,
  none: (v) => v === null,
  true: (v) => v === true,
  false: (v) => v === false,
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  mapping: (v) => isPlainObject(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  callable: (v) => typeof v === 'function',
  sameas: (v, o) => v === o,
  eq: (v, o) => pyEq(v, o),
  equalto: (v, o) => pyEq(v, o),
  '==': (v, o) => pyEq(v, o),
  ne: (v, o) => !pyEq(v, o),
  '!=': (v, o) => !pyEq(v, o),
  lt: (v, o) => cmp('<', v, o),
  '<': (v, o) => cmp('<', v, o),
  le: (v, o) => cmp('<=', v, o),
  '<=': (v, o) => cmp('<=', v, o),
  gt: (v, o) => cmp('>', v, o),
  greaterthan: (v, o) => cmp('>', v, o),
  '>': (v, o) => cmp('>', v, o),
  ge: (v, o) => cmp('>=', v, o),
  '>=': (v, o) => cmp('>=', v, o),
  lessthan: (v, o) => cmp('<', v, o),
  in: (v, seq) => pyIn(v, seq),
  contains: (seq, v) => pyIn(v, seq),
  divisibleby: (v, n) => (num(v) ?? NaN) % (num(n) ?? NaN) === 0,
  even: (v) => (num(v) ?? NaN) % 2 === 0,
  odd: (v) => Math.abs((num(v) ?? NaN) % 2) === 1,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  failed: (v) => pyTruthy(resultDict(v, 'failed').failed ?? false),
  failure: (v) => pyTruthy(resultDict(v, 'failed').failed ?? false),
  succeeded: (v) => !pyTruthy(resultDict(v, 'failed').failed ?? false),
  success: (v) => !pyTruthy(resultDict(v, 'failed').failed ?? false),
  successful: (v) => !pyTruthy(resultDict(v, 'failed').failed ?? false),
  changed: (v) => {
    const r = resultDict(v, 'changed');
    if (!('changed' in r)) {
      const results = r.results;
      if (Array.isArray(results) && isPlainObject(results[0])) return results.some((x) => isPlainObject(x) && pyTruthy(x.changed ?? false));
      return false;
    }
    return pyTruthy(r.changed);
  },
  change: (v) => TESTS.changed!(v),
  skipped: (v) => pyTruthy(resultDict(v, 'skipped').skipped ?? false),
  skip: (v) => pyTruthy(resultDict(v, 'skipped').skipped ?? false),
  unreachable: (v) => pyTruthy(resultDict(v, 'unreachable').unreachable ?? false),
  reachable: (v) => !pyTruthy(resultDict(v, 'unreachable').unreachable ?? false),
  finished: () => true,
  match: (v, p, ...rest) => regexTest(v, p, kwSplit(rest)[1], 'match'),
  search: (v, p, ...rest) => regexTest(v, p, kwSplit(rest)[1], 'search'),
  regex: (v, p, ...rest) => {
    const kw = kwSplit(rest)[1];
    const mt = String(kw.match_type ?? 'search');
    return regexTest(v, p, kw, mt === 'match' ? 'match' : mt === 'fullmatch' ? 'fullmatch' : 'search');
  },
  version: (v, ver, ...rest) => {
    const [args, kw] = kwSplit(rest);
    return versionCompare(v, ver, kw.operator ?? args[0] ?? 'eq');
  },
  version_compare: (v, ver, ...rest) => TESTS.version!(v, ver, ...rest),
  truthy: (v) => pyTruthy(v),
  falsy: (v) => !pyTruthy(v),
  subset: (a, b) => Array.isArray(a) && Array.isArray(b) && a.every((x) => b.some((y) => pyEq(x, y))),
  superset: (a, b) => Array.isArray(a) && Array.isArray(b) && b.every((x) => a.some((y) => pyEq(x, y))),
  any: (v) => Array.isArray(v) && v.some(pyTruthy),
  all: (v) => Array.isArray(v) && v.every(pyTruthy),
};

function runTest(name: string, value: unknown, ...args: unknown[]): boolean {
  const t = TESTS[name];
  if (!t) throw new TemplateError(`no test named '${name}'`);
  if (name !== 'defined' && name !== 'undefined' && name !== 'none') check(value);
  return t(value, ...args);
}

// -- filters ------------------------------------------------------------------

let capturedValue: unknown;

function jsonSafe(v: unknown): unknown {
  check(v);
  return v;
}

function flatten(v: unknown[], levels?: number): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (Array.isArray(x) && (levels === undefined || levels > 0)) out.push(...flatten(x, levels === undefined ? undefined : levels - 1));
    else if (x !== null) out.push(x);
  }
  return out;
}

function combine(...dicts: unknown[]): unknown {
  const [ds, kw] = kwSplit(dicts);
  const recursive = pyTruthy(kw.recursive ?? false);
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      out[k] = recursive && isPlainObject(out[k]) && isPlainObject(v) ? merge(out[k] as Record<string, unknown>, v) : v;
    }
    return out;
  };
  let acc: Record<string, unknown> = {};
  for (const d of ds.flat()) {
    check(d);
    if (!isPlainObject(d)) typeErr(`failed to combine variables, expected dicts but got a '${typeName(d)}'`);
    acc = merge(acc, d);
  }
  return acc;
}

function sortKey(v: unknown, caseSensitive: boolean): unknown {
  return typeof v === 'string' && !caseSensitive ? v.toLowerCase() : v;
}

function attrPath(v: unknown, attribute: string): unknown {
  let cur = v;
  for (const part of attribute.split('.')) cur = getattr(cur, /^\d+$/.test(part) ? parseInt(part, 10) : part);
  return cur;
}

const FILTERS: Record<string, (this: unknown, value: unknown, ...args: unknown[]) => unknown> = {
  default(value, def = '', boolean = false) {
    if (isUndef(value) || value === undefined) return def;
    if (pyTruthy(boolean) && !pyTruthy(value)) return def;
    return value;
  },
  mandatory(value, msg) {
    if (isUndef(value)) throw new TemplateError(msg !== undefined ? pyStr(msg) : `Mandatory variable ${value.message.replace(/ is undefined$/, '')} not defined.`, value.name);
    return value;
  },
  regex_escape(value, reType = 'python') {
    const s = pyStr(value);
    if (reType === 'python') return pyReEscape(s);
    if (reType === 'posix_basic') return s.replace(/([\].[^$*\\])/g, '\\$1');
    throw new TemplateError(`Invalid regex type (${pyStr(reType)})`);
  },
  regex_replace(value = '', pattern = '', replacement = '', ...rest) {
    const [args, kw] = kwSplit(rest);
    const ignorecase = pyTruthy(kw.ignorecase ?? args[0] ?? false);
    const multiline = pyTruthy(kw.multiline ?? args[1] ?? false);
    const count = Number(kw.count ?? args[2] ?? 0);
    const rx = compilePyRegex(pyStr(pattern), { ignorecase, multiline });
    return pySubn(rx, pyStr(replacement), pyStr(value), count)[0];
  },
  regex_search(value, regex, ...rest) {
    const [args, kw] = kwSplit(rest);
    const rx = compilePyRegex(pyStr(regex), { ignorecase: pyTruthy(kw.ignorecase ?? false), multiline: pyTruthy(kw.multiline ?? false) });
    const m = pySearch(rx, pyStr(value), 0);
    if (!m) return null;
    if (!args.length) return m[0];
    return args.map((a) => {
      const s = String(a);
      const g = /^\\g<(\S+)>/.exec(s);
      if (g) return /^\d+$/.test(g[1]!) ? (m[parseInt(g[1]!, 10)] ?? null) : (m.groups?.[g[1]!] ?? null);
      const d = /^\\(\d+)/.exec(s);
      if (d) return m[parseInt(d[1]!, 10)] ?? null;
      throw new TemplateError('Unknown argument');
    });
  },
  regex_findall(value, regex, ...rest) {
    const [args, kw] = kwSplit(rest);
    const rx = compilePyRegex(pyStr(regex), { multiline: pyTruthy(kw.multiline ?? args[0] ?? false), ignorecase: pyTruthy(kw.ignorecase ?? args[1] ?? false) });
    return pyFinditer(rx, pyStr(value)).map((m) => (rx.groups === 0 ? m[0] : rx.groups === 1 ? (m[1] ?? '') : m.slice(1).map((x) => x ?? '')));
  },
  bool(value) {
    if (value === null || typeof value === 'boolean') return value;
    const v = typeof value === 'string' ? value.toLowerCase() : value;
    return v === 'yes' || v === 'on' || v === '1' || v === 'true' || v === 1;
  },
  int(value, def = 0, base = 10) {
    check(value);
    if (typeof value === 'number') return Math.trunc(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'string') {
      const s = value.trim().replace(/_/g, '');
      const b = Number(base);
      const re = b === 16 ? /^[+-]?(0x)?[0-9a-f]+$/i : b === 8 ? /^[+-]?(0o)?[0-7]+$/i : b === 2 ? /^[+-]?(0b)?[01]+$/i : /^[+-]?\d+$/;
      if (re.test(s)) return parseInt(s.replace(/^([+-]?)0[xob]/i, '$1'), b);
      if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Math.trunc(parseFloat(s));
    }
    return def;
  },
  float(value, def = 0.0) {
    check(value);
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value)) return parseFloat(value);
    return def;
  },
  string: (value) => toText(value),
  lower: (value) => toText(value).toLowerCase(),
  upper: (value) => toText(value).toUpperCase(),
  capitalize: (value) => strMethod(toText(value), 'capitalize')!(),
  title: (value) => strMethod(toText(value), 'title')!(),
  trim: (value, chars) => pyStrip(toText(value), chars, 'both'),
  replace: (value, old, nw, count) => strMethod(toText(value), 'replace')!(old, nw, count),
  split: (value, sep, max) => pySplit(toText(value), sep, max),
  join(value, d = '', attribute) {
    check(value);
    if (!Array.isArray(value)) typeErr(`join expects a list, got ${typeName(value)}`);
    return value.map((x) => toText(attribute !== undefined && attribute !== null ? attrPath(x, pyStr(attribute)) : x)).join(pyStr(d));
  },
  length(value) {
    check(value);
    if (typeof value === 'string') return Array.from(value).length;
    if (Array.isArray(value)) return value.length;
    if (isPlainObject(value)) return Object.keys(value).length;
    return typeErr(`object of type '${typeName(value)}' has no len()`);
  },
  count: (value) => FILTERS.length!.call(undefined, value),
  first(value) {
    check(value);
    if (Array.isArray(value)) return value.length ? value[0] : new Undefined('first', 'No first item, sequence was empty.');
    if (typeof value === 'string') return Array.from(value)[0] ?? new Undefined('first', 'No first item, sequence was empty.');
    return typeErr(`first expects a list, got ${typeName(value)}`);
  },
  last(value) {
    check(value);
    if (Array.isArray(value)) return value.length ? value[value.length - 1] : new Undefined('last', 'No last item, sequence was empty.');
    if (typeof value === 'string') return Array.from(value).pop() ?? new Undefined('last', 'No last item, sequence was empty.');
    return typeErr(`last expects a list, got ${typeName(value)}`);
  },
  list(value) {
    check(value);
    if (typeof value === 'string') return Array.from(value);
    if (Array.isArray(value)) return [...value];
    if (isPlainObject(value)) return Object.keys(value);
    return typeErr(`'${typeName(value)}' object is not iterable`);
  },
  unique(value) {
    check(value);
    if (!Array.isArray(value)) typeErr('unique expects a list');
    const out: unknown[] = [];
    for (const x of value) if (!out.some((y) => pyEq(x, y))) out.push(x);
    return out;
  },
  sort(value, ...rest) {
    check(value);
    const [args, kw] = kwSplit(rest);
    const reverse = pyTruthy(kw.reverse ?? args[0] ?? false);
    const cs = pyTruthy(kw.case_sensitive ?? args[1] ?? false);
    const attribute = kw.attribute ?? args[2];
    const arr = FILTERS.list!.call(undefined, value) as unknown[];
    const key = (x: unknown) => sortKey(attribute !== undefined && attribute !== null ? attrPath(x, pyStr(attribute)) : x, cs);
    const sorted = [...arr].sort((a, b) => pyCompare(key(a), key(b), '<'));
    return reverse ? sorted.reverse() : sorted;
  },
  reverse(value) {
    check(value);
    if (typeof value === 'string') return Array.from(value).reverse().join('');
    if (Array.isArray(value)) return [...value].reverse();
    return typeErr('reverse expects a list or string');
  },
  min: (value) => (FILTERS.sort!.call(undefined, value) as unknown[])[0] ?? new Undefined('min', 'No aggregated item, sequence was empty.'),
  max: (value) => (FILTERS.sort!.call(undefined, value) as unknown[]).pop() ?? new Undefined('max', 'No aggregated item, sequence was empty.'),
  sum(value, ...rest) {
    check(value);
    const [args, kw] = kwSplit(rest);
    const attribute = kw.attribute ?? args[0];
    let acc: unknown = kw.start ?? args[1] ?? 0;
    for (const x of value as unknown[]) acc = add(acc, attribute !== undefined && attribute !== null ? attrPath(x, pyStr(attribute)) : x);
    return acc;
  },
  abs: (value) => Math.abs(num(value) ?? typeErr(`bad operand type for abs(): '${typeName(value)}'`)),
  round(value, precision = 0, method = 'common') {
    const v = num(value) ?? typeErr('round expects a number');
    const p = Math.pow(10, Number(precision));
    if (method === 'ceil') return Math.ceil(v * p) / p;
    if (method === 'floor') return Math.floor(v * p) / p;
    return Math.sign(v) * Math.round(Math.abs(v) * p) / p;
  },
  flatten(value, levels) {
    check(value);
    if (!Array.isArray(value)) typeErr('flatten expects a list');
    return flatten(value, levels === undefined || levels === null ? undefined : Number(levels));
  },
  dict2items(value, ...rest) {
    check(value);
    const [, kw] = kwSplit(rest);
    if (!isPlainObject(value)) typeErr(`dict2items requires a dictionary, got ${typeName(value)} instead.`);
    const k = pyStr(kw.key_name ?? 'key');
    const v = pyStr(kw.value_name ?? 'value');
    return Object.entries(value).map(([a, b]) => ({ [k]: a, [v]: b }));
  },
  items2dict(value, ...rest) {
    check(value);
    const [, kw] = kwSplit(rest);
    const k = pyStr(kw.key_name ?? 'key');
    const v = pyStr(kw.value_name ?? 'value');
    const out: Record<string, unknown> = {};
    for (const it of value as Record<string, unknown>[]) out[pyStr(it[k])] = it[v];
    return out;
  },
  combine: (...args) => combine(...args),
  ternary(value, t, f, n = null) {
    if (value === null && n !== null) return n;
    return pyTruthy(value) ? t : f;
  },
  type_debug: (value) => (isUndef(value) ? 'AnsibleUndefined' : typeName(value)),
  to_json(value, ...rest) {
    const [, kw] = kwSplit(rest);
    return pyJsonDumps(jsonSafe(value), {
      indent: kw.indent === undefined ? undefined : Number(kw.indent),
      sortKeys: pyTruthy(kw.sort_keys ?? false),
      ensureAscii: kw.ensure_ascii === undefined ? true : pyTruthy(kw.ensure_ascii),
    });
  },
  to_nice_json(value, ...rest) {
    const [args, kw] = kwSplit(rest);
    return pyJsonDumps(jsonSafe(value), { indent: Number(kw.indent ?? args[0] ?? 4), sortKeys: pyTruthy(kw.sort_keys ?? args[1] ?? true), separators: [',', ': '] });
  },
  from_json(value) {
    try {
      return JSON.parse(toText(value));
    } catch (e) {
      throw new TemplateError(`from_json: ${(e as Error).message}`);
    }
  },
  to_yaml(value) {
    return YAML.stringify(jsonSafe(value), { lineWidth: 0, flowCollectionPadding: false });
  },
  to_nice_yaml(value, ...rest) {
    const [args, kw] = kwSplit(rest);
    return YAML.stringify(jsonSafe(value), { indent: Number(kw.indent ?? args[0] ?? 4), lineWidth: 0 });
  },
  from_yaml(value) {
    try {
      return YAML.parse(toText(value), { version: '1.1' });
    } catch (e) {
      throw new TemplateError(`from_yaml: ${(e as Error).message}`);
    }
  },
  b64encode: (value) => Buffer.from(toText(value), 'utf8').toString('base64'),
  b64decode: (value) => Buffer.from(toText(value), 'base64').toString('utf8'),
  basename: (value) => {
    const s = toText(value);
    return s.slice(s.lastIndexOf('/') + 1);
  },
  dirname: (value) => {
    const s = toText(value);
    const i = s.lastIndexOf('/') + 1;
    let head = s.slice(0, i);
    if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
    return head;
  },
  realpath: (value) => posix.normalize(toText(value)),
  quote: (value) => shellQuote(value === null ? '' : toText(value)),
  format: (value, ...args) => pyPercentFormat(toText(value), args.length === 1 && isPlainObject(args[0]) ? args[0] : args),
  map(this: unknown, value, ...rest) {
    check(value);
    const [args, kw] = kwSplit(rest);
    const arr = FILTERS.list!.call(undefined, value) as unknown[];
    if (kw.attribute !== undefined) {
      return arr.map((x) => {
        const r = attrPath(x, pyStr(kw.attribute));
        return isUndef(r) && 'default' in kw ? kw.default : r;
      });
    }
    const name = pyStr(args[0]);
    const f = FILTERS[name];
    if (!f) throw new TemplateError(`no filter named '${name}'`);
    return arr.map((x) => f.call(this, x, ...args.slice(1)));
  },
  select: (value, ...rest) => selectImpl(value, rest, false, false),
  reject: (value, ...rest) => selectImpl(value, rest, true, false),
  selectattr: (value, ...rest) => selectImpl(value, rest, false, true),
  rejectattr: (value, ...rest) => selectImpl(value, rest, true, true),
  __capture(value) {
    capturedValue = value;
    return '';
  },
};

function selectImpl(value: unknown, rest: unknown[], negate: boolean, byAttr: boolean): unknown[] {
  check(value);
  const [args] = kwSplit(rest);
  const arr = FILTERS.list!.call(undefined, value) as unknown[];
  let i = 0;
  const attr = byAttr ? pyStr(args[i++]) : undefined;
  const testName = args[i] !== undefined ? pyStr(args[i++]) : undefined;
  const targs = args.slice(i);
  return arr.filter((x) => {
    const v = attr !== undefined ? attrPath(x, attr) : x;
    const r = testName === undefined ? pyTruthy(v) : runTest(testName, v, ...targs);
    return negate ? !r : r;
  });
}

// -- AST rewriting ------------------------------------------------------------

function call(name: string, node: AnyNode, args: AnyNode[]): AnyNode {
  return new nodes.FunCall(node.lineno, node.colno, new nodes.Symbol(node.lineno, node.colno, name), new nodes.NodeList(node.lineno, node.colno, args));
}

function lit(node: AnyNode, value: unknown): AnyNode {
  return new nodes.Literal(node.lineno, node.colno, value);
}

function rewrite(node: AnyNode): AnyNode {
  if (!node || typeof node !== 'object' || !node.typename) return node;
  // children first
  if (node instanceof nodes.NodeList) {
    node.children = node.children.map(rewrite);
  } else {
    for (const f of node.fields as string[]) {
      const v = node[f];
      if (Array.isArray(v)) node[f] = v.map(rewrite);
      else if (v && typeof v === 'object' && v.typename) node[f] = rewrite(v);
    }
  }
  switch (node.typename) {
    case 'Output':
      node.children = node.children.map((c: AnyNode) => (c.typename === 'TemplateData' ? c : call('__out', c, [c])));
      return node;
    case 'If':
    case 'IfAsync':
    case 'InlineIf':
      node.cond = call('__bool', node.cond, [node.cond]);
      if (node.typename === 'InlineIf' && node.else_ === null) node.else_ = lit(node, null);
      return node;
    case 'And':
      return new nodes.InlineIf(node.lineno, node.colno, call('__bool', node.left, [node.left]), node.right, node.left);
    case 'Or':
      return new nodes.InlineIf(node.lineno, node.colno, call('__bool', node.left, [node.left]), node.left, node.right);
    case 'Not':
      return call('__not', node, [node.target]);
    case 'In':
      return call('__in', node, [node.left, node.right]);
    case 'Is': {
      const r = node.right;
      let name: string;
      let args: AnyNode[] = [];
      if (r.typename === 'FunCall') {
        name = r.name.value;
        args = r.args.children;
      } else if (r.typename === 'Literal') {
        name = r.value === null ? 'none' : String(r.value);
      } else if (r.typename === 'Symbol') {
        name = r.value;
      } else {
        throw new TemplateError('unsupported test expression after "is"');
      }
      return call('__test', node, [lit(node, name), node.left, ...args]);
    }
    case 'Compare': {
      let left = node.expr;
      const parts: AnyNode[] = [];
      for (const op of node.ops) {
        parts.push(call('__cmp', node, [lit(node, op.type), left, op.expr]));
        left = op.expr;
      }
      return parts.reduce((acc, p) => new nodes.InlineIf(node.lineno, node.colno, call('__bool', acc, [acc]), p, acc));
    }
    case 'LookupVal':
      return call('__getattr', node, [node.target, node.val]);
    case 'Group':
      // Python tuple: ("a", 3) -> a list (JS would evaluate a comma expression)
      return node.children.length === 1 ? node : new nodes.Array(node.lineno, node.colno, node.children);
    case 'Add':
      return call('__add', node, [node.left, node.right]);
    case 'Concat':
      return call('__concat', node, [node.left, node.right]);
    case 'Mul':
      return call('__mul', node, [node.left, node.right]);
    case 'Mod':
      return call('__mod', node, [node.left, node.right]);
    default:
      return node;
  }
}

/**
 * String literals as ansible-core reads them. Inside `{{ }}` Ansible doubles every
 * backslash before Jinja sees it (Templar._escape_backslashes), so a literal there is
 * raw: `'\1'` stays backslash-one and a backslash never escapes the quote. Inside
 * `{% %}` (and so in `when:` conditions, which Ansible wraps in `{% if %}`) Jinja's
 * unicode-escape rules apply (`\n` is a newline, unknown escapes keep their backslash).
 */
function makeStringParser(tokens: AnyNode): (delimiter: string) => string {
  return function pyParseString(this: AnyNode, delimiter: string): string {
    this.forward();
    let str = '';
    if (tokens.__inVariable) {
      while (!this.isFinished() && this.current() !== delimiter) {
        str += this.current();
        this.forward();
      }
      this.forward();
      return str;
    }
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      if (cur !== '\\') {
        str += cur;
        this.forward();
        continue;
      }
      this.forward();
      const c = this.current();
      if (c in simple) {
        str += simple[c];
        this.forward();
      } else if (/[0-7]/.test(c)) {
        let d = '';
        while (d.length < 3 && /[0-7]/.test(this.current())) {
          d += this.current();
          this.forward();
        }
        str += String.fromCodePoint(parseInt(d, 8));
      } else if (c === 'x' || c === 'u' || c === 'U') {
        const len = c === 'x' ? 2 : c === 'u' ? 4 : 8;
        let h = '';
        this.forward();
        while (h.length < len && /[0-9a-fA-F]/.test(this.current())) {
          h += this.current();
          this.forward();
        }
        if (h.length !== len) throw new TemplateError(`truncated \\${c} escape in string literal`);
        str += String.fromCodePoint(parseInt(h, 16));
      } else {
        str += '\\' + c;
        this.forward();
      }
    }
    this.forward();
    return str;
  };
}

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
      capturedValue = hit.captured;
      return hit.out;
    }
  }
  const out = renderUncached(src, vars, tmpl, symbols);
  if (key !== undefined && isPrimitive(capturedValue)) {
    if (renderCache.size > 5000) renderCache.clear();
    renderCache.set(key, { out, captured: capturedValue });
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
  capturedValue = undefined;
  render(block ? `{% set __crane_cond = (${expr}) | __capture %}` : `{{ (${expr}) | __capture }}`, vars);
  const v = capturedValue;
  capturedValue = undefined;
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
