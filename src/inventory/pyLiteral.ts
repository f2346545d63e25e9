/**
 * A port of Python's `ast.literal_eval` as Ansible's INI plugin uses it (`_parse_value`):
 * a value that is a Python literal becomes that value, anything else — a syntax error
 * or a valid but non-literal expression — stays the raw string. Ansible catches only
 * ValueError/SyntaxError there, so the one case that makes the whole inventory fail is
 * an unhashable set element or dict key (TypeError); we report that as `unhashable`.
 *
 * Values are shaped the way `ansible-inventory --list` prints them (ansible-core devel
 * coerces the same way): tuples and sets become arrays, bytes are decoded as UTF-8,
 * complex numbers become their Python `str()`, `...` becomes the string "...".
 *
 * In three parts, as CPython has them: pyTokens.ts (tokenizer), pyParser.ts (the AST
 * literal_eval accepts) and pyValues.ts (`_convert`, hashing, the JSON shape).
 */
import { Parser } from './pyParser.js';
import { Reject, tokenize } from './pyTokens.js';
import { convert, toJs, Unhashable } from './pyValues.js';

export type PyEvalResult =
  | { ok: true; value: unknown }
  | { ok: false; unhashable?: string };

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
