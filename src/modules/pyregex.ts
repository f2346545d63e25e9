/**
 * Python `re` semantics on top of JavaScript RegExp.
 *
 * Ansible's modules (replace, lineinfile) and filters (regex_replace, regex_search) take
 * Python regular expressions and Python replacement templates. Playbooks written for
 * ansible-playbook must behave the same here, so patterns are translated token by token
 * instead of being handed to `new RegExp` as-is:
 *
 *  - `(?P<n>…)` → `(?<n>…)`, `(?P=n)` → `\k<n>`, `\A`/`\Z`, `{,n}`, octal escapes,
 *    `\U0001F600`, leading global flags `(?imsxa)`, verbose mode;
 *  - `^`, `$` and `.` keep Python's meaning (only `\n` is a line break; non-MULTILINE `$`
 *    also matches before a final newline), independent of JS's `m`/`s` flags;
 *  - `\w`, `\d`, `\s`, `\b` are Unicode-aware for text patterns and ASCII-only for byte
 *    patterns (lineinfile works on bytes), like Python;
 *  - a literal `{`, `}` or `]` that Python accepts is escaped for JS.
 *
 * Constructs JS cannot express (conditional groups, scoped inline flags, atomic groups,
 * possessive quantifiers, `\N{…}`) raise a PyRegexError instead of silently meaning
 * something else.
 */

export class PyRegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PyRegexError';
  }
}

export interface PyRegexFlags {
  multiline?: boolean;
  dotall?: boolean;
  ignorecase?: boolean;
  verbose?: boolean;
  /** ASCII-only \w \d \s \b (Python bytes patterns, or the `a` flag). */
  ascii?: boolean;
}

export interface PyRegex {
  /** Compiled with the `g` and `d` flags; reset lastIndex (or use the helpers) before reuse. */
  re: RegExp;
  source: string;
  /** Translated JS source (for building variants). */
  jsSource: string;
  jsFlags: string;
  /** The pattern may prefer an empty match where a longer one exists (lazy quantifier, empty branch). */
  mayPreferEmpty: boolean;
  groups: number;
  groupNames: Map<string, number>;
}

const UNI_WORD = '[\\p{L}\\p{N}_]';
const UNI_NONWORD = '[^\\p{L}\\p{N}_]';
const ASCII_WORD = '[A-Za-z0-9_]';
const ASCII_NONWORD = '[^A-Za-z0-9_]';
// str.isspace() for Python text patterns
const UNI_SPACE_ITEMS = '\\t\\n\\v\\f\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}';
const ASCII_SPACE_ITEMS = '\\t\\n\\v\\f\\r\\u{20}';

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** A literal code point, written so it is literal both inside and outside a v-mode class. */
function lit(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (/^[A-Za-z0-9]$/.test(ch)) return ch;
  return hex(cp);
}

interface ClassParts {
  /** items valid directly inside a v-mode class */
  items: string;
}

function classEscape(kind: string, ascii: boolean): ClassParts {
  switch (kind) {
    case 'd':
      return { items: ascii ? '0-9' : '\\p{Nd}' };
    case 'D':
      return { items: ascii ? '[^0-9]' : '\\P{Nd}' };
    case 'w':
      return { items: ascii ? 'A-Za-z0-9_' : '\\p{L}\\p{N}_' };
    case 'W':
      return { items: ascii ? '[^A-Za-z0-9_]' : '[^\\p{L}\\p{N}_]' };
    case 's':
      return { items: ascii ? ASCII_SPACE_ITEMS : UNI_SPACE_ITEMS };
    case 'S':
      return { items: `[^${ascii ? ASCII_SPACE_ITEMS : UNI_SPACE_ITEMS}]` };
    default:
      throw new PyRegexError(`internal: class escape ${kind}`);
  }
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

function isOct(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
function isHex(s: string): boolean {
  return /^[0-9a-fA-F]+$/.test(s);
}

/**
 * Translate a Python pattern. Returns the JS source and flags; global inline flags
 * `(?aimsx)` at the very start are folded into `flags`.
 */
export function translatePyRegex(pattern: string, flagsIn: PyRegexFlags = {}): { source: string; flags: PyRegexFlags; groups: number; groupNames: Map<string, number> } {
  const flags: PyRegexFlags = { ...flagsIn };
  let i = 0;
  const chars = Array.from(pattern); // iterate by code point
  const n = chars.length;

  // Leading global flags: (?aiLmsux) possibly repeated.
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(chars.slice(i).join(''));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i') flags.ignorecase = true;
      else if (f === 'm') flags.multiline = true;
      else if (f === 's') flags.dotall = true;
      else if (f === 'x') flags.verbose = true;
      else if (f === 'a') flags.ascii = true;
      else if (f === 'L') throw new PyRegexError('the L (locale) flag is not supported');
      // 'u' is the default for text patterns
    }
    i += Array.from(m[0]).length;
  }

  const ascii = !!flags.ascii;
  let out = '';
  let groups = 0;
  const groupNames = new Map<string, number>();
  const openGroups: number[] = [];
  // whether the previous emitted token can take a quantifier
  let quantifiable = false;

  const peek = (k = 0) => chars[i + k];

  const parseEscapeOutside = (): string => {
    // at chars[i] === '\\'
    const c = chars[i + 1];
    if (c === undefined) throw new PyRegexError('bad escape (end of pattern)');
    i += 2;
    if (c === 'A') {
      quantifiable = false;
      return '(?<![\\s\\S])';
    }
    if (c === 'Z') {
      quantifiable = false;
      return '(?![\\s\\S])';
    }
    if (c === 'b' || c === 'B') {
      quantifiable = false;
      const W = ascii ? ASCII_WORD : UNI_WORD;
      const boundary = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
      return c === 'b' ? boundary : `(?!${boundary})`;
    }
    quantifiable = true;
    if (c === 'd' || c === 'D' || c === 'w' || c === 'W' || c === 's' || c === 'S') {
      if (c === 'w') return ascii ? ASCII_WORD : UNI_WORD;
      if (c === 'W') return ascii ? ASCII_NONWORD : UNI_NONWORD;
      return `[${classEscape(c, ascii).items}]`;
    }
    if (c === '0') {
      let digits = '';
      while (digits.length < 2 && isOct(chars[i])) digits += chars[i++];
      return hex(parseInt('0' + digits, 8));
    }
    if (isDigit(c)) {
      // octal escape if three octal digits, else group reference (1 or 2 digits)
      if (isOct(c) && isOct(chars[i]) && isOct(chars[i + 1])) {
        const v = parseInt(c + chars[i]! + chars[i + 1]!, 8);
        if (v > 0o377) throw new PyRegexError(`octal escape value \\${c}${chars[i]}${chars[i + 1]} outside of range 0-0o377`);
        i += 2;
        return hex(v);
      }
      let num = c;
      if (isDigit(chars[i])) num += chars[i++];
      const g = parseInt(num, 10);
      if (g > groups) throw new PyRegexError(`invalid group reference ${g}`);
      if (openGroups.includes(g)) throw new PyRegexError('cannot refer to an open group');
      return `(?:\\${g})`;
    }
    if (c in SIMPLE_ESCAPES) return hex(SIMPLE_ESCAPES[c]!);
    if (c === 'x' || c === 'u' || c === 'U') {
      const len = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const h = chars.slice(i, i + len).join('');
      if (h.length !== len || !isHex(h)) throw new PyRegexError(`incomplete escape \\${c}${h}`);
      i += len;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) throw new PyRegexError(`bad escape \\${c}${h}`);
      return hex(cp);
    }
    if (c === 'N') throw new PyRegexError('\\N{...} named characters are not supported');
    if (/[A-Za-z]/.test(c)) throw new PyRegexError(`bad escape \\${c}`);
    return lit(c);
  };

  const parseClass = (): string => {
    // at chars[i] === '['
    i++;
    let negate = false;
    if (chars[i] === '^') {
      negate = true;
      i++;
    }
    const items: string[] = [];
    let first = true;
    // Each element: {single?: code point literal text, raw: class item text}
    type El = { cp?: number; raw: string };
    const readEl = (): El => {
      const c = chars[i]!;
      if (c === '\\') {
        const d = chars[i + 1];
        if (d === undefined) throw new PyRegexError('bad escape (end of pattern)');
        i += 2;
        if (d === 'd' || d === 'D' || d === 'w' || d === 'W' || d === 's' || d === 'S') return { raw: classEscape(d, ascii).items };
        if (d in SIMPLE_ESCAPES) {
          const cp = SIMPLE_ESCAPES[d]!;
          return { cp, raw: hex(cp) };
        }
        if (isOct(d)) {
          let digits = d;
          while (digits.length < 3 && isOct(chars[i])) digits += chars[i++];
          const cp = parseInt(digits, 8);
          if (cp > 0o377) throw new PyRegexError(`octal escape value \\${digits} outside of range 0-0o377`);
          return { cp, raw: hex(cp) };
        }
        if (isDigit(d)) throw new PyRegexError(`bad escape \\${d}`);
        if (d === 'x' || d === 'u' || d === 'U') {
          const len = d === 'x' ? 2 : d === 'u' ? 4 : 8;
          const h = chars.slice(i, i + len).join('');
          if (h.length !== len || !isHex(h)) throw new PyRegexError(`incomplete escape \\${d}${h}`);
          i += len;
          const cp = parseInt(h, 16);
          return { cp, raw: hex(cp) };
        }
        if (d === 'N') throw new PyRegexError('\\N{...} named characters are not supported');
        if (/[A-Za-z]/.test(d)) throw new PyRegexError(`bad escape \\${d}`);
        const cp = d.codePointAt(0)!;
        return { cp, raw: lit(d) };
      }
      i++;
      const cp = c.codePointAt(0)!;
      return { cp, raw: lit(c) };
    };
    for (;;) {
      if (i >= n) throw new PyRegexError('unterminated character set');
      const c = chars[i]!;
      if (c === ']' && !first) {
        i++;
        break;
      }
      first = false;
      const a = readEl();
      if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
        i++;
        const b = readEl();
        if (a.cp === undefined || b.cp === undefined) throw new PyRegexError('bad character range');
        if (b.cp < a.cp) throw new PyRegexError('bad character range');
        items.push(`${hex(a.cp)}-${hex(b.cp)}`);
      } else {
        items.push(a.raw);
      }
    }
    quantifiable = true;
    if (items.length === 0) return negate ? '[\\s\\S]' : '[]';
    return `[${negate ? '^' : ''}${items.join('')}]`;
  };

  while (i < n) {
    const c = chars[i]!;
    if (flags.verbose) {
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f') {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < n && chars[i] !== '\n') i++;
        continue;
      }
    }
    switch (c) {
      case '\\':
        out += parseEscapeOutside();
        break;
      case '[':
        out += parseClass();
        break;
      case '(': {
        if (peek(1) === '?') {
          const rest = chars.slice(i + 2, i + 40).join('');
          if (rest.startsWith(':')) {
            out += '(?:';
            i += 3;
            openGroups.push(-1);
          } else if (rest.startsWith('P<')) {
            const m = /^P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(chars.slice(i + 2).join(''));
            if (!m) throw new PyRegexError('bad character in group name');
            const name = m[1]!;
            if (groupNames.has(name)) throw new PyRegexError(`redefinition of group name '${name}'`);
            groups++;
            groupNames.set(name, groups);
            openGroups.push(groups);
            out += `(?<${name}>`;
            i += 2 + m[0].length;
          } else if (rest.startsWith('P=')) {
            const m = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(chars.slice(i + 2).join(''));
            if (!m) throw new PyRegexError('bad group reference');
            const name = m[1]!;
            const g = groupNames.get(name);
            if (g === undefined) throw new PyRegexError(`unknown group name '${name}'`);
            if (openGroups.includes(g)) throw new PyRegexError('cannot refer to an open group');
            out += `(?:\\k<${name}>)`;
            i += 2 + m[0].length;
            quantifiable = true;
            continue;
          } else if (rest.startsWith('=') || rest.startsWith('!')) {
            out += `(?${rest[0]}`;
            i += 3;
            openGroups.push(-1);
          } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
            out += `(?${rest.slice(0, 2)}`;
            i += 4;
            openGroups.push(-1);
          } else if (rest.startsWith('#')) {
            const end = chars.indexOf(')', i);
            if (end < 0) throw new PyRegexError('missing ), unterminated comment');
            i = end + 1;
            continue;
          } else if (/^[aiLmsux]+\)/.test(rest)) {
            throw new PyRegexError('global flags not at the start of the expression');
          } else if (/^[aiLmsux-]+:/.test(rest)) {
            throw new PyRegexError('scoped inline flags (?flags:...) are not supported');
          } else if (rest.startsWith('(')) {
            throw new PyRegexError('conditional groups (?(id)yes|no) are not supported');
          } else if (rest.startsWith('>')) {
            throw new PyRegexError('atomic groups (?>...) are not supported');
          } else {
            throw new PyRegexError(`unknown extension ?${rest[0] ?? ''}`);
          }
        } else {
          groups++;
          openGroups.push(groups);
          out += '(';
          i++;
        }
        quantifiable = false;
        break;
      }
      case ')':
        if (openGroups.length === 0) throw new PyRegexError('unbalanced parenthesis');
        openGroups.pop();
        out += ')';
        i++;
        quantifiable = true;
        break;
      case '.':
        out += flags.dotall ? '[\\s\\S]' : '[^\\n]';
        i++;
        quantifiable = true;
        break;
      case '^':
        out += flags.multiline ? '(?<![^\\n])' : '(?<![\\s\\S])';
        i++;
        quantifiable = false;
        break;
      case '$':
        out += flags.multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
        i++;
        quantifiable = false;
        break;
      case '*':
      case '+':
      case '?': {
        if (!quantifiable) throw new PyRegexError('nothing to repeat');
        out += c;
        i++;
        if (chars[i] === '?') {
          out += '?';
          i++;
        } else if (chars[i] === '+') {
          throw new PyRegexError('possessive quantifiers are not supported');
        }
        quantifiable = false;
        break;
      }
      case '{': {
        const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(chars.slice(i, i + 40).join(''));
        if (chars[i + 1] === '}' || !m) {
          out += lit('{');
          i++;
          quantifiable = true;
          break;
        }
        if (!quantifiable) throw new PyRegexError('nothing to repeat');
        const lo = m[1] ?? '';
        const comma = m[2];
        const hi = comma ? (m[3] ?? '') : lo;
        const min = lo === '' ? 0 : parseInt(lo, 10);
        if (hi !== '' && parseInt(hi, 10) < min) throw new PyRegexError('min repeat greater than max repeat');
        out += hi === '' ? `{${min},}` : `{${min},${parseInt(hi, 10)}}`;
        i += m[0].length;
        if (chars[i] === '?') {
          out += '?';
          i++;
        } else if (chars[i] === '+') {
          throw new PyRegexError('possessive quantifiers are not supported');
        }
        quantifiable = false;
        break;
      }
      case '|':
        out += '|';
        i++;
        quantifiable = false;
        break;
      default:
        out += lit(c);
        i++;
        quantifiable = true;
    }
  }
  if (openGroups.length) throw new PyRegexError('missing ), unterminated subpattern');
  return { source: out, flags, groups, groupNames };
}

const cache = new Map<string, PyRegex>();

export function compilePyRegex(pattern: string, flags: PyRegexFlags = {}): PyRegex {
  const key = JSON.stringify([pattern, flags]);
  const hit = cache.get(key);
  if (hit) return hit;
  const t = translatePyRegex(pattern, flags);
  let re: RegExp;
  try {
    re = new RegExp(t.source, 'dgv' + (t.flags.ignorecase ? 'i' : ''));
  } catch (e) {
    throw new PyRegexError(`cannot compile regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  const mayPreferEmpty = /[*+?}]\?|\(\||\|\||\|\)|^\||\|$|\(\?:\)/.test(pattern);
  const r: PyRegex = { re, source: pattern, jsSource: t.source, jsFlags: 'dv' + (t.flags.ignorecase ? 'i' : ''), mayPreferEmpty, groups: t.groups, groupNames: t.groupNames };
  if (cache.size > 500) cache.clear();
  cache.set(key, r);
  return r;
}

/** `re.search`: first match at or after `pos`, or null. */
export function pySearch(rx: PyRegex, text: string, pos = 0): RegExpExecArray | null {
  rx.re.lastIndex = pos;
  return rx.re.exec(text);
}

/**
 * All non-overlapping matches with Python 3.7+ rules. After an empty match at p, Python
 * retries at p disallowing an empty match (so `.*?` also yields the one-char match at p);
 * JS would just step over p. Only patterns that can prefer an empty match need the retry.
 */
export function pyFinditer(rx: PyRegex, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  rx.re.lastIndex = 0;
  for (;;) {
    const m = rx.re.exec(text);
    if (!m) break;
    out.push(m);
    if (m[0].length === 0) {
      const p = m.index;
      if (p >= text.length) break;
      if (rx.mayPreferEmpty) {
        // sticky at p, and the match must not end at p
        const ne = new RegExp(`(?:${rx.jsSource})(?<!^[\\s\\S]{${p}})`, rx.jsFlags + 'y');
        ne.lastIndex = p;
        const m2 = ne.exec(text);
        if (m2) {
          out.push(m2);
          rx.re.lastIndex = p + m2[0].length;
          continue;
        }
      }
      // advance one code point
      const cp = text.codePointAt(p);
      rx.re.lastIndex = p + (cp !== undefined && cp > 0xffff ? 2 : 1);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Replacement templates (re.sub repl strings, Match.expand)

export type ReplPart = string | { group: number };

/** Parse a Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`, …). */
export function parsePyReplacement(tpl: string, rx: Pick<PyRegex, 'groups' | 'groupNames'>): ReplPart[] {
  const parts: ReplPart[] = [];
  let buf = '';
  const chars = Array.from(tpl);
  const pushGroup = (g: number) => {
    if (buf) parts.push(buf);
    buf = '';
    parts.push({ group: g });
  };
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c !== '\\') {
      buf += c;
      i++;
      continue;
    }
    const d = chars[i + 1];
    if (d === undefined) throw new PyRegexError('bad escape (end of pattern)');
    i += 2;
    if (d === 'g') {
      const rest = chars.slice(i).join('');
      const m = /^<([^>]*)>/.exec(rest);
      if (!m) throw new PyRegexError('missing < or > in \\g<...> group reference');
      const name = m[1]!;
      i += Array.from(m[0]).length;
      let g: number;
      if (/^[0-9]+$/.test(name)) {
        g = parseInt(name, 10);
        if (g > rx.groups) throw new PyRegexError(`invalid group reference ${g}`);
      } else {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PyRegexError(`bad character in group name '${name}'`);
        const gg = rx.groupNames.get(name);
        if (gg === undefined) throw new PyRegexError(`unknown group name '${name}'`);
        g = gg;
      }
      pushGroup(g);
      continue;
    }
    if (d === '0') {
      let digits = '';
      while (digits.length < 2 && isOct(chars[i])) digits += chars[i++];
      buf += String.fromCodePoint(parseInt('0' + digits, 8));
      continue;
    }
    if (isDigit(d)) {
      if (isOct(d) && isOct(chars[i]) && isOct(chars[i + 1])) {
        const v = parseInt(d + chars[i]! + chars[i + 1]!, 8);
        if (v > 0o377) throw new PyRegexError('octal escape outside of range 0-0o377');
        buf += String.fromCodePoint(v);
        i += 2;
        continue;
      }
      let num = d;
      if (isDigit(chars[i])) num += chars[i++];
      const g = parseInt(num, 10);
      if (g > rx.groups) throw new PyRegexError(`invalid group reference ${g}`);
      pushGroup(g);
      continue;
    }
    if (d in SIMPLE_ESCAPES) {
      buf += String.fromCodePoint(SIMPLE_ESCAPES[d]!);
      continue;
    }
    if (d === '\\') {
      buf += '\\';
      continue;
    }
    if (/[A-Za-z]/.test(d)) throw new PyRegexError(`bad escape \\${d}`);
    buf += '\\' + d;
  }
  if (buf) parts.push(buf);
  return parts;
}

export function expandReplacement(parts: readonly ReplPart[], m: RegExpExecArray): string {
  let s = '';
  for (const p of parts) s += typeof p === 'string' ? p : (m[p.group] ?? '');
  return s;
}

/** `re.subn(pattern, repl, text)` with a Python template string. */
export function pySubn(rx: PyRegex, repl: string, text: string, count = 0): [string, number] {
  const parts = parsePyReplacement(repl, rx);
  const matches = pyFinditer(rx, text);
  let out = '';
  let last = 0;
  let k = 0;
  for (const m of matches) {
    if (count && k >= count) break;
    out += text.slice(last, m.index) + expandReplacement(parts, m);
    last = m.index + m[0].length;
    k++;
  }
  out += text.slice(last);
  return [out, k];
}

/** Python's `re.escape` (3.7+): escapes only regex-special characters. */
export function pyReEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => '\\' + c);
}
