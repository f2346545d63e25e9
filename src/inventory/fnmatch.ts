/**
 * Pattern matching exactly as Ansible's InventoryManager._match_list does it:
 * shell globs go through Python's `fnmatch.translate` (full-string, case-sensitive,
 * `[!...]` negation, `[` without a closing `]` is a literal), and `~regex` is a Python
 * regex applied with `re.match` — anchored at the start only, so `~web` matches
 * `webserver`.
 */

export class PatternSyntaxError extends Error {}

function lit(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

/** Python fnmatch.translate (3.11), emitted as a JS regex source for the `su` flags. */
export function fnmatchSource(pat: string): string {
  const chars = [...pat];
  const n = chars.length;
  const res: string[] = [];
  let i = 0;
  while (i < n) {
    const c = chars[i++]!;
    if (c === '*') {
      if (res[res.length - 1] !== '.*') res.push('.*');
    } else if (c === '?') {
      res.push('.');
    } else if (c === '[') {
      let j = i;
      if (j < n && chars[j] === '!') j++;
      if (j < n && chars[j] === ']') j++;
      while (j < n && chars[j] !== ']') j++;
      if (j >= n) {
        res.push(lit('['));
        continue;
      }
      res.push(charClass(chars, i, j));
      i = j + 1;
    } else {
      res.push(lit(c));
    }
  }
  return `^(?:${res.join('')})$`;
}

/**
 * The `[...]` body between indices i (after `[`) and j (the `]`), following
 * fnmatch.translate's chunking of `-` ranges (empty ranges dropped) and then the way
 * Python's regex parser reads the resulting class.
 */
function charClass(chars: string[], start: number, j: number): string {
  let i = start;
  const slice = (a: number, b: number) => chars.slice(a, b).join('');
  // Python's class text as a list of [char, escaped] tokens.
  let tokens: Array<[string, boolean]>;
  const stuffRaw = slice(i, j);
  if (!stuffRaw.includes('-')) {
    tokens = [...stuffRaw].map((ch) => [ch, ch === '\\'] as [string, boolean]);
  } else {
    const chunks: string[] = [];
    let k = chars[i] === '!' ? i + 2 : i + 1;
    for (;;) {
      let found = -1;
      for (let x = k; x < j; x++) {
        if (chars[x] === '-') {
          found = x;
          break;
        }
      }
      if (found < 0) break;
      chunks.push(slice(i, found));
      i = found + 1;
      k = found + 3;
    }
    const chunk = slice(i, j);
    if (chunk) chunks.push(chunk);
    else chunks[chunks.length - 1] += '-';
    for (let x = chunks.length - 1; x > 0; x--) {
      const prev = [...chunks[x - 1]!];
      const cur = [...chunks[x]!];
      if (prev.length && cur.length && prev[prev.length - 1]!.codePointAt(0)! > cur[0]!.codePointAt(0)!) {
        chunks[x - 1] = prev.slice(0, -1).join('') + cur.slice(1).join('');
        chunks.splice(x, 1);
      }
    }
    tokens = [];
    chunks.forEach((ch, idx) => {
      if (idx > 0) tokens.push(['-', false]); // a range hyphen
      for (const c of ch) tokens.push([c, c === '\\' || c === '-']);
    });
  }
  // Set operators &, ~, | are escaped (literal); escaping does not change their meaning here.
  if (tokens.length === 0) return '(?!)';
  if (tokens.length === 1 && tokens[0]![0] === '!' && !tokens[0]![1]) return '.';
  let negate = false;
  if (tokens[0]![0] === '!' && !tokens[0]![1]) {
    negate = true;
    tokens = tokens.slice(1);
  }
  const items: string[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const [ch] = tokens[t]!;
    const next = tokens[t + 1];
    if (next && next[0] === '-' && !next[1]) {
      const that = tokens[t + 2];
      if (!that) {
        items.push(lit(ch), lit('-'));
        t += 1;
        continue;
      }
      if (that[0].codePointAt(0)! < ch.codePointAt(0)!) throw new PatternSyntaxError(`bad character range ${ch}-${that[0]}`);
      items.push(`${lit(ch)}-${lit(that[0])}`);
      t += 2;
      continue;
    }
    items.push(lit(ch));
  }
  return `[${negate ? '^' : ''}${items.join('')}]`;
}

export function fnmatchRegExp(pat: string): RegExp {
  return new RegExp(fnmatchSource(pat), 'su');
}

/**
 * A Python `re` pattern as a JS RegExp with `re.match` semantics. Covers the syntax that
 * differs in practice (named groups, \A, \Z, leading inline flags); anything JS cannot
 * compile is reported as a bad pattern rather than guessed at.
 */
export function pythonRegExp(src: string): RegExp {
  let body = src;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else if (f === 'x') throw new PatternSyntaxError('verbose (?x) regexes are not supported');
    }
    body = body.slice(inline[0].length);
  }
  body = body
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(`^(?:${body})`, flags);
  } catch (e) {
    throw new PatternSyntaxError((e as Error).message);
  }
}
