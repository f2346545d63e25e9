/** Python str/dict/list methods reachable through attribute access, `%`/`{}` formatting, and the +, *, % operators with Python semantics. */
import { pyNumber, pyRepr, pyStr } from '../../modules/common.js';
import { Undefined, check, isPlainObject, isUndef, num, pyEq, toText, typeErr, typeName } from './pyValues.js';

export function kwSplit(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (isPlainObject(last) && (last as Record<string, unknown>).__keywords === true) {
    const { __keywords: _k, ...kw } = last as Record<string, unknown>;
    return [args.slice(0, -1), kw];
  }
  return [args, {}];
}

export const PY_WS = /^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu;

export function pyStrip(s: string, chars: unknown, side: 'both' | 'l' | 'r'): string {
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

export function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
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

export function pyFormatBraces(fmt: string, args: unknown[], kw: Record<string, unknown>): string {
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

export function strMethod(s: string, name: string): ((...a: unknown[]) => unknown) | undefined {
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

export function getattr(obj: unknown, key: unknown): unknown {
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

export function add(a: unknown, b: unknown): unknown {
  check(a);
  check(b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na + nb;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return typeErr(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
}

export function mul(a: unknown, b: unknown): unknown {
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

export function mod(a: unknown, b: unknown): unknown {
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
