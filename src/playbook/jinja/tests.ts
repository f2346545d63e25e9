/** Jinja2 / Ansible tests (`x is defined`, `is version(...)`, `is match(...)` …). */
import { pyStr } from '../../modules/common.js';
import { compilePyRegex, pyFinditer, pySearch } from '../../modules/pyregex.js';
import { TemplateError, check, cmp, isPlainObject, isUndef, num, pyEq, pyIn, pyTruthy, typeErr } from './pyValues.js';
import { kwSplit } from './pyMethods.js';

export function resultDict(v: unknown, test: string): Record<string, unknown> {
  check(v);
  if (!isPlainObject(v)) throw new TemplateError(`The '${test}' test expects a dictionary`);
  return v;
}

export function looseVersionParts(v: string): (number | string)[] {
  return v
    .split(/(\d+|[a-z]+|\.)/i)
    .filter((x) => x && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? parseInt(x, 10) : x));
}

export function versionCompare(a: unknown, b: unknown, op: unknown = 'eq'): boolean {
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

export function regexTest(value: unknown, pattern: unknown, kw: Record<string, unknown>, matchType: 'search' | 'match' | 'fullmatch'): boolean {
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

export type TestFn = (value: unknown, ...args: unknown[]) => boolean;

export const TESTS: Record<string, TestFn> = {
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

export function runTest(name: string, value: unknown, ...args: unknown[]): boolean {
  const t = TESTS[name];
  if (!t) throw new TemplateError(`no test named '${name}'`);
  if (name !== 'defined' && name !== 'undefined' && name !== 'none') check(value);
  return t(value, ...args);
}
