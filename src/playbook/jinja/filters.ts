/** Jinja2 / Ansible filters (default, join, regex_replace, to_json, combine, select …), with Python semantics. */
import { posix } from 'node:path';
import YAML from 'yaml';
import { pyJsonDumps, pyStr } from '../../modules/common.js';
import { compilePyRegex, pyFinditer, pyReEscape, pySearch, pySubn } from '../../modules/pyregex.js';
import { shellQuote } from '../../modules/shellQuote.js';
import { TemplateError, Undefined, check, isPlainObject, isUndef, num, pyCompare, pyEq, pyTruthy, toText, typeErr, typeName } from './pyValues.js';
import { add, getattr, kwSplit, pyPercentFormat, pySplit, pyStrip, strMethod } from './pyMethods.js';
import { runTest } from './tests.js';

/** What `__capture` (a template that is one `{{ expr }}`) saw: the native value, read and reset by render. */
export const captured: { value: unknown } = { value: undefined };

export function jsonSafe(v: unknown): unknown {
  check(v);
  return v;
}

export function flatten(v: unknown[], levels?: number): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (Array.isArray(x) && (levels === undefined || levels > 0)) out.push(...flatten(x, levels === undefined ? undefined : levels - 1));
    else if (x !== null) out.push(x);
  }
  return out;
}

export function combine(...dicts: unknown[]): unknown {
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

export function sortKey(v: unknown, caseSensitive: boolean): unknown {
  return typeof v === 'string' && !caseSensitive ? v.toLowerCase() : v;
}

export function attrPath(v: unknown, attribute: string): unknown {
  let cur = v;
  for (const part of attribute.split('.')) cur = getattr(cur, /^\d+$/.test(part) ? parseInt(part, 10) : part);
  return cur;
}

export const FILTERS: Record<string, (this: unknown, value: unknown, ...args: unknown[]) => unknown> = {
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
    captured.value = value;
    return '';
  },
};

export function selectImpl(value: unknown, rest: unknown[], negate: boolean, byAttr: boolean): unknown[] {
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
