/**
 * `-e/--extra-vars` values, as Ansible's load_extra_vars reads them, in order, each one
 * merged shallowly over the previous:
 *   `@file`        a YAML/JSON file (relative to cwd) holding a mapping
 *   `{...}`/`[...]` inline YAML/JSON, which must be a mapping
 *   `k=v k2="a b"` space-separated pairs (parse_kv): values are strings, outer quotes
 *                   removed, `\n`-style escapes decoded, `{{ ... }}` kept in one piece
 * A value starting with `/` or `.` is refused (Ansible: "prepend the filename with @").
 * Unlike Ansible, a bare word without `=` is an error instead of a silent `_raw_params`.
 */
import { resolve } from 'node:path';
import { InputError, type SourcePos } from '../errors.js';
import { decodeUtf8, readInputBytes } from '../readInput.js';
import { isPlainObject, isVaultText, parseYaml, posOf, toPlain } from './yamlSource.js';
import { kindOf } from './yamlInventory.js';
import type { Node } from 'yaml';

const FLAG = { flag: '-e' } as const;

export function parseExtraVars(values: string[], cwd: string): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const raw of values) {
    if (raw === '') continue;
    let data: Record<string, unknown>;
    if (raw.startsWith('@')) data = fromFile(raw.slice(1), cwd);
    else if (raw[0] === '/' || raw[0] === '.') {
      throw new InputError(`'${raw}' looks like a file name: prepend it with '@'`, FLAG);
    } else if (raw[0] === '{' || raw[0] === '[') data = fromInline(raw);
    else data = parseKv(raw);
    out = { ...out, ...data };
  }
  return out;
}

function fromFile(name: string, cwd: string): Record<string, unknown> {
  if (name === '') throw new InputError("missing file name after '@'", FLAG);
  const file = resolve(cwd, name);
  const text = decodeUtf8(file, readInputBytes(file));
  if (isVaultText(text)) throw new InputError('ansible-vault encrypted files are not supported', { file, line: 1, col: 1 });
  const src = parseYaml(file, text);
  const root = src.doc.contents as Node | null;
  const data = toPlain(src, root);
  if (!isPlainObject(data)) {
    throw new InputError(`extra vars file must contain a mapping, got ${kindOf(root) === 'null' ? 'nothing' : `a ${kindOf(root)}`}`, posOf(src, root));
  }
  return data;
}

function fromInline(text: string): Record<string, unknown> {
  let data: unknown;
  let root: Node | null;
  try {
    const src = parseYaml('-e', text);
    root = src.doc.contents as Node | null;
    data = toPlain(src, root);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const w = e.where as SourcePos;
    const at = text.includes('\n') ? `line ${w.line}, column ${w.col}` : `column ${w.col}`;
    throw new InputError(`invalid JSON/YAML at ${at}: ${e.detail}`, FLAG, { cause: e });
  }
  if (!isPlainObject(data)) throw new InputError(`'${text}' must be a mapping, got a ${kindOf(root)}`, FLAG);
  return data;
}

/** Ansible's split_args, reduced to what extra vars need: quotes and Jinja blocks stay whole. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let jinja = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const two = s.slice(i, i + 2);
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === quote) quote = '';
      continue;
    }
    if (two === '{{' || two === '{%' || two === '{#') {
      jinja++;
      cur += two;
      i++;
      continue;
    }
    if (jinja > 0 && (two === '}}' || two === '%}' || two === '#}')) {
      jinja--;
      cur += two;
      i++;
      continue;
    }
    if (jinja === 0 && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    cur += c;
  }
  if (quote) throw new InputError(`unclosed ${quote} quote in '${s}'`, FLAG);
  if (jinja > 0) throw new InputError(`unclosed Jinja block in '${s}'`, FLAG);
  if (cur) out.push(cur);
  return out;
}

const ESCAPES = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[0-7]{1,3}|\\[\\'"abfnrtv]/g;
const SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function decodeEscapes(s: string): string {
  return s.replace(ESCAPES, (m) => {
    const t = m[1]!;
    if (t === 'U' || t === 'u' || t === 'x') {
      const cp = parseInt(m.slice(2), 16);
      if (cp > 0x10ffff) throw new InputError(`invalid escape ${m}`, FLAG);
      return String.fromCodePoint(cp);
    }
    if (/[0-7]/.test(t)) return String.fromCodePoint(parseInt(m.slice(1), 8));
    return SIMPLE[t]!;
  });
}

function unquote(s: string): string {
  const q = s[0];
  if (s.length > 1 && (q === '"' || q === "'") && s[s.length - 1] === q && s[s.length - 2] !== '\\') return s.slice(1, -1);
  return s;
}

/** parse_kv: `k=v` tokens; the first `=` not preceded by a backslash (and not first) splits. */
export function parseKv(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const orig of splitArgs(text)) {
    const x = decodeEscapes(orig);
    let pos = -1;
    for (let i = 1; i < x.length; i++) {
      if (x[i] === '=' && x[i - 1] !== '\\') {
        pos = i;
        break;
      }
    }
    if (pos < 0) throw new InputError(`expected key=value, got '${orig}'`, FLAG);
    const key = x.slice(0, pos).trim();
    if (key === '') throw new InputError(`empty variable name in '${orig}'`, FLAG);
    const value = unquote(x.slice(pos + 1).trim());
    if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}
