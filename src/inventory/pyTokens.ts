/**
 * The tokenizer of the Python literal reader (pyLiteral.ts): only the token shapes that can
 * appear in a literal — numbers with Python's digit grammar, str/bytes with every prefix and
 * escape, names, operators; anything else rejects, which means "keep the raw string".
 */

export type Tok =
  | { t: 'num'; kind: 'int' | 'float' | 'complex'; int?: bigint; float?: number; pos: number }
  | { t: 'str'; bytes: boolean; value: string; pos: number }
  | { t: 'name'; value: string; pos: number }
  | { t: 'op'; value: string; pos: number }
  | { t: 'end'; pos: number };

export class Reject extends Error {}

export const reject = (): never => {
  throw new Reject();
};

const ID_START = /[\p{L}\p{Nl}_]/u;
const ID_CONT = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;

export function tokenize(src: string): Tok[] {
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

