/**
 * `k=v` argument strings, as ansible.parsing.splitter reads them: split_args keeps quoted
 * and templated parts whole, parse_kv turns the words into options (free-form words go to
 * `_raw_params`).
 */

const ESCAPE_RE = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\N\{[^}]+\}|\\[\\'"abfnrtv]/g;

function decodeEscapes(s: string): string {
  return s.replace(ESCAPE_RE, (m) => {
    const c = m[1]!;
    if (c === 'U' || c === 'u' || c === 'x') return String.fromCodePoint(parseInt(m.slice(2), 16));
    if (c === 'N') return m;
    return ({ '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[c]!;
  });
}

function quoteState(token: string, quoteChar: string | null): string | null {
  let q = quoteChar;
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    const prev = i > 0 ? token[i - 1] : undefined;
    if ((ch === '"' || ch === "'") && prev !== '\\') {
      if (q) {
        if (ch === q) q = null;
      } else q = ch;
    }
  }
  return q;
}

function countBlocks(token: string, depth: number, open: string, close: string): number {
  const nOpen = token.split(open).length - 1;
  const nClose = token.split(close).length - 1;
  if (nOpen !== nClose) {
    depth += nOpen - nClose;
    if (depth < 0) depth = 0;
  }
  return depth;
}

/** ansible.parsing.splitter.split_args */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const items = args.split('\n');
  let quoteChar: string | null = null;
  let insideQuotes = false;
  let printDepth = 0;
  let blockDepth = 0;
  let commentDepth = 0;
  items.forEach((item, itemidx) => {
    const tokens = item.split(' ');
    let lineContinuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        params[params.length - 1] += ' ';
        return;
      }
      if (token === '\\' && !insideQuotes) {
        lineContinuation = true;
        return;
      }
      const wasInsideQuotes = insideQuotes;
      quoteChar = quoteState(token, quoteChar);
      insideQuotes = quoteChar !== null;
      let appended = false;
      if (insideQuotes && !wasInsideQuotes && !(printDepth || blockDepth || commentDepth)) {
        params.push(token);
        appended = true;
      } else if (printDepth || blockDepth || commentDepth || insideQuotes || wasInsideQuotes) {
        if (idx === 0 && wasInsideQuotes) params[params.length - 1] = `${params[params.length - 1]}${token}`;
        else if (tokens.length > 1) params[params.length - 1] = `${params[params.length - 1]}${idx > 0 ? ' ' : ''}${token}`;
        else params[params.length - 1] = `${params[params.length - 1]}\n${token}`;
        appended = true;
      }
      const pp = printDepth;
      printDepth = countBlocks(token, printDepth, '{{', '}}');
      if (printDepth !== pp && !appended) {
        params.push(token);
        appended = true;
      }
      const pb = blockDepth;
      blockDepth = countBlocks(token, blockDepth, '{%', '%}');
      if (blockDepth !== pb && !appended) {
        params.push(token);
        appended = true;
      }
      const pc = commentDepth;
      commentDepth = countBlocks(token, commentDepth, '{#', '#}');
      if (commentDepth !== pc && !appended) {
        params.push(token);
        appended = true;
      }
      if (!(printDepth || blockDepth || commentDepth) && !insideQuotes && !appended && token !== '') params.push(token);
    });
    if (items.length > 1 && itemidx !== items.length - 1 && !lineContinuation) params[params.length - 1] += '\n';
  });
  if (printDepth || blockDepth || commentDepth || insideQuotes) {
    throw new Error(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${args}`);
  }
  return params;
}

function unquote(s: string): string {
  if (s.length > 1 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") && s[s.length - 2] !== '\\') return s.slice(1, -1);
  return s;
}

function joinArgs(parts: string[]): string {
  let r = '';
  for (const p of parts) r += r.length === 0 || r.endsWith('\n') ? p : ' ' + p;
  return r;
}

const FREE_FORM_OPTIONS = new Set(['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends']);

/** ansible.parsing.splitter.parse_kv; free-form words go to `_raw_params`. */
export function parseKv(args: string, checkRaw: boolean): Record<string, string> {
  const options: Record<string, string> = {};
  const raw: string[] = [];
  for (const orig of splitArgs(args)) {
    const x = decodeEscapes(orig);
    if (x.includes('=')) {
      let pos = 0;
      let found = -1;
      for (;;) {
        pos = x.indexOf('=', pos + 1);
        if (pos < 0) break;
        if (pos > 0 && x[pos - 1] !== '\\') {
          found = pos;
          break;
        }
      }
      if (found < 0) {
        raw.push(x.replace(/\\=/g, '='));
        continue;
      }
      const k = x.slice(0, found);
      const v = x.slice(found + 1);
      if (checkRaw && !FREE_FORM_OPTIONS.has(k)) raw.push(orig);
      else options[k.trim()] = unquote(v.trim());
    } else {
      raw.push(orig);
    }
  }
  if (raw.length) options._raw_params = joinArgs(raw);
  return options;
}
