/**
 * The values of the Python literal reader (pyLiteral.ts): literal_eval's `_convert` over the
 * parsed nodes (with Python's hashing rules for set elements and dict keys), then the Python
 * value shaped the way `ansible-inventory --list` prints it.
 */
import type { Node, PyValue } from './pyParser.js';
import { reject } from './pyTokens.js';

/** A set element or dict key Python cannot hash: the one error that fails a whole inventory. */
export class Unhashable extends Error {}

function convertNum(node: Node): PyValue {
  if (node.k !== 'const') return reject();
  const p = node.v.py;
  if (p !== 'int' && p !== 'float' && p !== 'complex') return reject();
  return node.v;
}

function negate(v: PyValue): PyValue {
  if (v.py === 'int') return { py: 'int', v: -v.v };
  if (v.py === 'float') return { py: 'float', v: -v.v };
  if (v.py === 'complex') return { py: 'complex', re: -v.re, im: -v.im };
  return reject();
}

function convertSignedNum(node: Node): PyValue {
  if (node.k === 'unary') {
    const operand = convertNum(node.operand);
    return node.op === '+' ? operand : negate(operand);
  }
  return convertNum(node);
}

export function convert(node: Node): PyValue {
  switch (node.k) {
    case 'const':
      return node.v;
    case 'tuple':
    case 'list':
      return { py: node.k, items: node.items.map(convert) };
    case 'set': {
      const items: PyValue[] = [];
      for (const it of node.items.map(convert)) {
        const h = hashKey(it);
        if (!items.some((x) => hashKey(x) === h)) items.push(it);
      }
      return { py: 'set', items };
    }
    case 'dict': {
      const entries: Array<[PyValue, PyValue]> = [];
      node.keys.forEach((kn, idx) => {
        const k = convert(kn);
        const v = convert(node.values[idx]!);
        const h = hashKey(k);
        const existing = entries.find(([ek]) => hashKey(ek) === h);
        if (existing) existing[1] = v; // Python keeps the first key object, last value
        else entries.push([k, v]);
      });
      return { py: 'dict', entries };
    }
    case 'binop': {
      const left = convertSignedNum(node.left);
      const right = convertNum(node.right);
      if ((left.py === 'int' || left.py === 'float') && right.py === 'complex') {
        const re = Number(left.v);
        return node.op === '+'
          ? { py: 'complex', re: re + right.re, im: right.im }
          : { py: 'complex', re: re - right.re, im: -right.im };
      }
      return reject();
    }
    case 'unary':
      return convertSignedNum(node);
    default:
      return reject();
  }
}

/** Python equality for hashable values (1 == 1.0 == True); throws Unhashable otherwise. */
function hashKey(v: PyValue): string {
  switch (v.py) {
    case 'int':
      return `n:${v.v}`;
    case 'bool':
      return `n:${v.v ? 1 : 0}`;
    case 'float':
      return Number.isInteger(v.v) ? `n:${BigInt(v.v)}` : `f:${v.v}`;
    case 'complex':
      return v.im === 0 ? hashKey({ py: 'float', v: v.re }) : `c:${v.re}:${v.im}`;
    case 'str':
      return `s:${v.v}`;
    case 'bytes':
      return `b:${v.v}`;
    case 'none':
      return 'none';
    case 'ellipsis':
      return 'ellipsis';
    case 'tuple':
      return `t:(${v.items.map(hashKey).join(',')})`;
    default:
      throw new Unhashable(v.py);
  }
}

// ---------------------------------------------------------------------------
// Python value -> JS value, as Ansible's JSON output shows it.

/** Python's repr() of a float (shortest round-trip digits, 1e16 switches to exponent). */
export function pyFloatRepr(x: number, addDotZero = true): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return (Object.is(x, -0) ? '-0' : '0') + (addDotZero ? '.0' : '');
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length) + (addDotZero ? '.0' : '');
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return (neg ? '-' : '') + out;
}

function complexStr(re: number, im: number): string {
  const imS = pyFloatRepr(im, false);
  if (re === 0 && !Object.is(re, -0)) return `${imS}j`;
  const sign = im < 0 || Object.is(im, -0) || Number.isNaN(im) ? '' : '+';
  return `(${pyFloatRepr(re, false)}${sign}${imS}j)`;
}

/** How Python's json module spells a dict key (Ansible prints vars with it). */
function jsonKey(k: PyValue): string {
  switch (k.py) {
    case 'str':
    case 'bytes':
      return k.v;
    case 'int':
      return k.v.toString();
    case 'float':
      return pyFloatRepr(k.v);
    case 'bool':
      return k.v ? 'true' : 'false';
    case 'none':
      return 'null';
    default:
      // json.dumps cannot write tuple/complex keys; Ansible would fail to show them.
      return reject();
  }
}

/** Sets a key even when it is "__proto__", so inventory data can never touch prototypes. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

export function toJs(v: PyValue): unknown {
  switch (v.py) {
    case 'int': {
      // JS numbers are doubles; an integer that cannot round-trip is not representable,
      // so the caller falls back to the raw text rather than silently changing digits.
      if (v.v > BigInt(Number.MAX_SAFE_INTEGER) || v.v < -BigInt(Number.MAX_SAFE_INTEGER)) return reject();
      return Number(v.v);
    }
    case 'float':
      return v.v;
    case 'complex':
      return complexStr(v.re, v.im);
    case 'str':
    case 'bytes':
      return v.v;
    case 'bool':
      return v.v;
    case 'none':
      return null;
    case 'ellipsis':
      return '...';
    case 'tuple':
    case 'list':
    case 'set':
      return v.items.map(toJs);
    case 'dict': {
      const o: Record<string, unknown> = {};
      for (const [k, val] of v.entries) setOwn(o, jsonKey(k), toJs(val));
      return o;
    }
  }
}

/**
 * `ast.literal_eval(text)` with Ansible's fallbacks. `ok: false` means "keep the raw
 * string" unless `unhashable` is set, which Ansible turns into a parse failure.
 */
