/** Python values as Jinja2 sees them: the template error, Undefined, truthiness, ==, ordering, `in` and str(). */
import { pyStr } from '../../modules/common.js';

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

export const isUndef = (v: unknown): v is Undefined => v instanceof Undefined;

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

export function typeErr(msg: string): never {
  throw new TemplateError(msg);
}

export function check(v: unknown): void {
  if (isUndef(v)) v.fail();
}

export function pyTruthy(v: unknown): boolean {
  if (isUndef(v)) v.fail();
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isUndef(v);
}

export function num(v: unknown): number | undefined {
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

export function pyCompare(a: unknown, b: unknown, op: string): number {
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

export function cmp(op: string, a: unknown, b: unknown): boolean {
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

export function pyIn(needle: unknown, hay: unknown): boolean {
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
