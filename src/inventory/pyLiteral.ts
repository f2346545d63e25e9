/**
 * One concept: a Python literal reader (ast.literal_eval for inventory values); splitting it would cut the tokenizer from the grammar that drives it.
 *
 * A port of Python's `ast.literal_eval` as Ansible's INI plugin uses it (`_parse_value`):
 * a value that is a Python literal becomes that value, anything else — a syntax error
 * or a valid but non-literal expression — stays the raw string. Ansible catches only
 * ValueError/SyntaxError there, so the one case that makes the whole inventory fail is
 * an unhashable set element or dict key (TypeError); we report that as `unhashable`.
 *
 * Values are shaped the way `ansible-inventory --list` prints them (ansible-core devel
 * coerces the same way): tuples and sets become arrays, bytes are decoded as UTF-8,
 * complex numbers become their Python `str()`, `...` becomes the string "...".
 */

export type PyEvalResult =
  | { ok: true; value: unknown }
  | { ok: false; unhashable?: string };

/** Python's parser refuses deeper bracket nesting with a SyntaxError (s_push limit). */
const MAX_NESTING = 200;

type Tok =
  | { t: 'num'; kind: 'int' | 'float' | 'complex'; int?: bigint; float?: number; pos: number }
  | { t: 'str'; bytes: boolean; value: string; pos: number }
  | { t: 'name'; value: string; pos: number }
  | { t: 'op'; value: string; pos: number }
  | { t: 'end'; pos: number };

class Reject extends Error {}
class Unhashable extends Error {}

const reject = (): never => {
  throw new Reject();
};

// ---------------------------------------------------------------------------
// Tokenizer: only the token shapes that can appear in a literal; anything else rejects.

const ID_START = /[\p{L}\p{Nl}_]/u;
const ID_CONT = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment runs to the end of the (single) line
    if (c === '\\' || c === '\n' || c === '\r') reject(); // no line continuation in one INI line
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const [tok, next] = readNumber(src, i);
      toks.push(tok);
      i = next;
      continue;
    }
    if (c === '.' && src.startsWith('...', i)) {
      toks.push({ t: 'name', value: '...', pos: i });
      i += 3;
      continue;
    }
    const strStart = matchStringPrefix(src, i);
    if (strStart) {
      const [tok, next] = readString(src, i, strStart.prefix, strStart.quoteAt);
      toks.push(tok);
      i = next;
      continue;
    }
    if (ID_START.test(c)) {
      let j = i + 1;
      while (j < n && ID_CONT.test(src[j]!)) j++;
      toks.push({ t: 'name', value: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    if ('()[]{},:+-'.includes(c)) {
      toks.push({ t: 'op', value: c, pos: i });
      i++;
      continue;
    }
    // Any other operator or character cannot be part of a literal.
    reject();
  }
  toks.push({ t: 'end', pos: n });
  return toks;
}

function matchStringPrefix(src: string, i: number): { prefix: string; quoteAt: number } | undefined {
  let j = i;
  while (j < src.length && j - i < 2 && /[rRbBuUfF]/.test(src[j]!)) j++;
  for (let k = j; k >= i; k--) {
    const q = src[k];
    if (q === "'" || q === '"') {
      const prefix = src.slice(i, k).toLowerCase();
      if (['', 'r', 'u', 'b', 'br', 'rb', 'f', 'fr', 'rf'].includes(prefix)) return { prefix, quoteAt: k };
      return undefined;
    }
    if (k === i) break;
  }
  return undefined;
}

const DIGITPART = '[0-9](?:_?[0-9])*';
const EXPONENT = `[eE][+-]?${DIGITPART}`;
const POINTFLOAT = `(?:(?:${DIGITPART})?\\.${DIGITPART}|${DIGITPART}\\.)`;
const FLOAT_RE = new RegExp(`^(?:${POINTFLOAT}(?:${EXPONENT})?|${DIGITPART}${EXPONENT})`);
const IMAG_RE = new RegExp(`^(?:${POINTFLOAT}(?:${EXPONENT})?|${DIGITPART}${EXPONENT}|${DIGITPART})[jJ]`);
const INT_RES: Array<[RegExp, number]> = [
  [/^0[xX](?:_?[0-9a-fA-F])+/, 16],
  [/^0[oO](?:_?[0-7])+/, 8],
  [/^0[bB](?:_?[01])+/, 2],
  [/^(?:[1-9](?:_?[0-9])*|0+(?:_?0)*)/, 10],
];

function readNumber(src: string, i: number): [Tok, number] {
  const rest = src.slice(i);
  let m: RegExpExecArray | null;
  let tok: Tok;
  let len: number;
  if ((m = IMAG_RE.exec(rest))) {
    len = m[0].length;
    tok = { t: 'num', kind: 'complex', float: Number(m[0].slice(0, -1).replace(/_/g, '')), pos: i };
  } else if ((m = FLOAT_RE.exec(rest))) {
    len = m[0].length;
    tok = { t: 'num', kind: 'float', float: Number(m[0].replace(/_/g, '')), pos: i };
  } else {
    let found: [string, number] | undefined;
    for (const [re, base] of INT_RES) {
      const mm = re.exec(rest);
      if (mm) {
        found = [mm[0], base];
        break;
      }
    }
    if (!found) return reject();
    const [text, base] = found;
    len = text.length;
    const digits = text.replace(/_/g, '');
    const body = base === 10 ? digits : digits.slice(2);
    const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
    tok = { t: 'num', kind: 'int', int: BigInt(prefix + body), pos: i };
  }
  // Python refuses a number glued to a name ("1x", "08" -> "0" then "8" is also invalid).
  const after = src[i + len];
  if (after !== undefined && (ID_CONT.test(after) || after === '.')) {
    // "1.e5" etc. are consumed by the regexes already; whatever remains glued is invalid,
    // except "1." followed by an attribute in non-literals — also not a literal.
    reject();
  }
  return [tok, i + len];
}

function readString(src: string, start: number, prefix: string, quoteAt: number): [Tok, number] {
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  if (prefix.includes('f')) reject(); // f-strings are JoinedStr, never a literal
  const q = src[quoteAt]!;
  const triple = src.startsWith(q.repeat(3), quoteAt);
  const close = triple ? q.repeat(3) : q;
  let i = quoteAt + close.length;
  let body = '';
  for (;;) {
    if (i >= src.length) reject(); // unterminated
    if (src.startsWith(close, i)) {
      i += close.length;
      break;
    }
    const c = src[i]!;
    if (c === '\\') {
      if (i + 1 >= src.length) reject();
      body += c + src[i + 1]!; // keep escapes for later decoding; never ends the string
      i += 2;
      continue;
    }
    body += c;
    i++;
  }
  if (bytes && /[^\x00-\x7f]/.test(body)) reject(); // bytes can only contain ASCII literal characters
  const value = raw ? body : decodeEscapes(body, bytes);
  return [{ t: 'str', bytes, value, pos: start }, i];
}

function decodeEscapes(body: string, bytes: boolean): string {
  let out = '';
  const byteBuf: number[] = [];
  const pushCode = (cp: number) => {
    if (bytes) byteBuf.push(cp);
    else out += String.fromCodePoint(cp);
  };
  const pushText = (s: string) => {
    if (bytes) for (const ch of s) byteBuf.push(ch.codePointAt(0)!);
    else out += s;
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c !== '\\') {
      pushText(c);
      i++;
      continue;
    }
    const e = body[i + 1]!;
    i += 2;
    const simple: Record<string, number> = { '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (e in simple) {
      pushCode(simple[e]!);
    } else if (/[0-7]/.test(e)) {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(body[i] ?? '')) digits += body[i++];
      const v = parseInt(digits, 8);
      pushCode(bytes ? v & 0xff : v); // Python 3.11 truncates b'\777' to 0xff
    } else if (e === 'x') {
      const hex = body.slice(i, i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) reject();
      pushCode(parseInt(hex, 16));
      i += 2;
    } else if (!bytes && (e === 'u' || e === 'U')) {
      const len = e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) reject();
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) reject();
      pushCode(cp);
      i += len;
    } else if (!bytes && e === 'N') {
      // \N{NAME} needs the Unicode name database; we cannot evaluate it, so the whole
      // value stays a raw string (Python would produce the character).
      reject();
    } else {
      // Unknown escapes keep the backslash (Python only warns).
      pushText('\\' + e);
    }
  }
  if (!bytes) return out;
  // Ansible's to_text(bytes) decodes UTF-8; undecodable bytes degrade to U+FFFD here.
  return new TextDecoder('utf-8').decode(Uint8Array.from(byteBuf));
}

// ---------------------------------------------------------------------------
// Parser for the restricted AST literal_eval accepts.

type Node =
  | { k: 'const'; v: PyValue }
  | { k: 'tuple' | 'list' | 'set'; items: Node[] }
  | { k: 'dict'; keys: Node[]; values: Node[] }
  | { k: 'unary'; op: '+' | '-'; operand: Node }
  | { k: 'binop'; op: '+' | '-'; left: Node; right: Node }
  | { k: 'other' };

/** Python values with enough type information to follow Python's rules. */
type PyValue =
  | { py: 'int'; v: bigint }
  | { py: 'float'; v: number }
  | { py: 'complex'; re: number; im: number }
  | { py: 'str'; v: string }
  | { py: 'bytes'; v: string }
  | { py: 'bool'; v: boolean }
  | { py: 'none' }
  | { py: 'ellipsis' }
  | { py: 'tuple' | 'list' | 'set'; items: PyValue[] }
  | { py: 'dict'; entries: Array<[PyValue, PyValue]> };

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.value === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) reject();
    this.i++;
  }

  parseTop(): Node {
    const node = this.exprList(() => this.peek().t === 'end');
    if (this.peek().t !== 'end') reject();
    return node;
  }

  /** expr (',' expr)* [','] — a bare comma makes a tuple, as in Python's eval mode. */
  private exprList(atEnd: () => boolean): Node {
    if (atEnd()) reject();
    const first = this.expr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (atEnd()) break;
      items.push(this.expr());
    }
    return { k: 'tuple', items };
  }

  /** Additive level: a + b - c ... (left associative). */
  private expr(): Node {
    let left = this.unary();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { value: '+' | '-' }).value;
      this.i++;
      const right = this.unary();
      left = { k: 'binop', op, left, right };
    }
    return left;
  }

  private unary(): Node {
    // Iterative so that a long run of signs cannot overflow the JS stack.
    const ops: Array<'+' | '-'> = [];
    while (this.isOp('+') || this.isOp('-')) {
      ops.push((this.peek() as { value: '+' | '-' }).value);
      this.i++;
    }
    let node = this.atom();
    for (let k = ops.length - 1; k >= 0; k--) node = { k: 'unary', op: ops[k]!, operand: node };
    return node;
  }

  private nest<T>(fn: () => T): T {
    if (++this.depth >= MAX_NESTING) reject();
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private atom(): Node {
    const t = this.peek();
    if (t.t === 'num') {
      this.i++;
      if (t.kind === 'int') return { k: 'const', v: { py: 'int', v: t.int! } };
      if (t.kind === 'float') return { k: 'const', v: { py: 'float', v: t.float! } };
      return { k: 'const', v: { py: 'complex', re: 0, im: t.float! } };
    }
    if (t.t === 'str') {
      // Adjacent string literals concatenate; mixing bytes and str is a SyntaxError.
      let value = '';
      const bytes = t.bytes;
      while (this.peek().t === 'str') {
        const s = this.peek() as Extract<Tok, { t: 'str' }>;
        if (s.bytes !== bytes) reject();
        value += s.value;
        this.i++;
      }
      return { k: 'const', v: bytes ? { py: 'bytes', v: value } : { py: 'str', v: value } };
    }
    if (t.t === 'name') {
      this.i++;
      if (t.value === 'True') return { k: 'const', v: { py: 'bool', v: true } };
      if (t.value === 'False') return { k: 'const', v: { py: 'bool', v: false } };
      if (t.value === 'None') return { k: 'const', v: { py: 'none' } };
      if (t.value === '...') return { k: 'const', v: { py: 'ellipsis' } };
      if (t.value === 'set' && this.isOp('(')) {
        this.i++;
        this.expectOp(')');
        return { k: 'set', items: [] };
      }
      // Any other name (yes, true, hostnames, ...) is valid Python but not a literal.
      return reject();
    }
    if (t.t === 'op' && t.value === '(') {
      this.i++;
      return this.nest(() => {
        if (this.isOp(')')) {
          this.i++;
          return { k: 'tuple', items: [] } as Node;
        }
        const inner = this.exprList(() => this.isOp(')'));
        this.expectOp(')');
        return inner;
      });
    }
    if (t.t === 'op' && t.value === '[') {
      this.i++;
      return this.nest(() => {
        const items = this.commaItems(']', () => this.expr());
        return { k: 'list', items } as Node;
      });
    }
    if (t.t === 'op' && t.value === '{') {
      this.i++;
      return this.nest(() => this.braces());
    }
    return reject();
  }

  private commaItems<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    while (!this.isOp(close)) {
      items.push(item());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(close)) reject();
    }
    this.i++;
    return items;
  }

  private braces(): Node {
    if (this.isOp('}')) {
      this.i++;
      return { k: 'dict', keys: [], values: [] };
    }
    const first = this.expr();
    if (this.isOp(':')) {
      this.i++;
      const keys = [first];
      const values = [this.expr()];
      while (this.isOp(',')) {
        this.i++;
        if (this.isOp('}')) break;
        keys.push(this.expr());
        this.expectOp(':');
        values.push(this.expr());
      }
      this.expectOp('}');
      return { k: 'dict', keys, values };
    }
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp('}')) break;
      items.push(this.expr());
    }
    this.expectOp('}');
    return { k: 'set', items };
  }
}

// ---------------------------------------------------------------------------
// literal_eval's _convert.

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

function convert(node: Node): PyValue {
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

function toJs(v: PyValue): unknown {
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
export function pyLiteralEval(text: string): PyEvalResult {
  try {
    // literal_eval strips leading spaces and tabs (not other whitespace) before parsing.
    const src = text.replace(/^[ \t]+/, '');
    const node = new Parser(tokenize(src)).parseTop();
    return { ok: true, value: toJs(convert(node)) };
  } catch (e) {
    if (e instanceof Reject) return { ok: false };
    if (e instanceof Unhashable) return { ok: false, unhashable: e.message };
    throw e;
  }
}

/** Ansible's `_parse_value`: the literal's value, or the text unchanged. */
export function parseIniValue(text: string): { value: unknown; unhashable?: string } {
  const r = pyLiteralEval(text);
  if (r.ok) return { value: r.value };
  return r.unhashable ? { value: text, unhashable: r.unhashable } : { value: text };
}
