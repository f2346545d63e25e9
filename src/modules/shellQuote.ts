/**
 * POSIX shell quoting, byte-for-byte like Python's `shlex.quote` (which is also what
 * Ansible's `quote` filter uses): a word made only of safe characters is left bare,
 * anything else is wrapped in single quotes, with each embedded `'` written as `'"'"'`.
 *
 * Inside single quotes a POSIX shell interprets nothing: newlines, `$()`, backticks,
 * `;`, `\`, `"`, globs and leading dashes all arrive at the program literally.
 * (A leading `-` still looks like an option *to the program*: callers put `--` before
 * operands where the program supports it.)
 */
const UNSAFE = /[^\w@%+=:,./-]/; // Python: re.compile(r'[^\w@%+=:,./-]', re.ASCII)

export function shellQuote(value: string): string {
  if (value.length === 0) return "''";
  if (!UNSAFE.test(value)) return value;
  return "'" + value.replace(/'/g, `'"'"'`) + "'";
}

/** Quote every word and join with spaces: an argv rendered as one sh command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Python's `shlex.split(s)` (posix=True, comments=False): the argv the `command` module
 * derives from its free-form string. Throws on an unterminated quote ("No closing quotation")
 * or a trailing backslash ("No escaped character"), as shlex does.
 */
export function shlexSplit(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const ws = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < s.length) {
    const c = s[i]!;
    if (ws(c)) {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error('No closing quotation');
      word += s.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error('No closing quotation');
        const d = s[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\')) {
          word += s[i + 1];
          i += 2;
          continue;
        }
        if (d === '\\' && i + 1 >= s.length) throw new Error('No closing quotation');
        word += d;
        i++;
      }
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= s.length) throw new Error('No escaped character');
      word += s[i + 1];
      i += 2;
      continue;
    }
    word += c;
    i++;
  }
  if (inWord) words.push(word);
  return words;
}
