/**
 * Python's `shlex.split(s, comments=True, posix=True)`, which Ansible's INI plugin uses
 * to cut a host line into `host key=value ...`. Ported state machine, not a regex, because
 * the corner cases matter for parity: `#` starts a comment even in the middle of a word
 * (`pw=ab#c` -> `pw=ab`), quotes may appear mid-word (`a"b c"d` -> `ab cd`), and inside
 * double quotes a backslash only escapes `"` and `\`.
 */

export interface ShlexToken {
  value: string;
  /** 0-based index in the input where the token starts. */
  start: number;
}

export class ShlexError extends Error {
  constructor(
    message: string,
    /** 0-based index the error refers to. */
    readonly index: number,
  ) {
    super(message);
  }
}

const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;

export function shlexSplit(s: string): ShlexToken[] {
  const tokens: ShlexToken[] = [];
  let state: string = ' ';
  let token = '';
  let quoted = false;
  let escapedState = ' ';
  let start = -1;
  let quoteStart = -1;

  const emit = () => {
    // posix shlex drops empty words unless they came from quotes ('' is a real empty word)
    if (token !== '' || quoted) tokens.push({ value: token, start });
    token = '';
    quoted = false;
    start = -1;
  };

  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s[i]! : '';
    if (state === ' ') {
      if (c === '') break;
      if (WHITESPACE.includes(c)) continue;
      if (c === '#') break; // comment: rest of the line is ignored
      start = i;
      if (c === '\\') {
        escapedState = 'a';
        state = c;
      } else if (QUOTES.includes(c)) {
        quoteStart = i;
        state = c;
      } else {
        token = c;
        state = 'a';
      }
    } else if (state === "'" || state === '"') {
      quoted = true;
      if (c === '') throw new ShlexError('No closing quotation', quoteStart);
      if (c === state) state = 'a';
      else if (c === '\\' && state === '"') {
        escapedState = state;
        state = c;
      } else token += c;
    } else if (state === '\\') {
      if (c === '') throw new ShlexError('No escaped character', i - 1);
      // Inside double quotes the backslash survives unless it escapes `"` or `\`.
      if (QUOTES.includes(escapedState) && c !== '\\' && c !== escapedState) token += '\\';
      token += c;
      state = escapedState;
    } else {
      // state 'a': inside a word
      if (c === '') {
        emit();
        break;
      }
      if (WHITESPACE.includes(c)) {
        state = ' ';
        emit();
      } else if (c === '#') {
        emit();
        break;
      } else if (QUOTES.includes(c)) {
        quoteStart = i;
        state = c;
      } else if (c === '\\') {
        escapedState = 'a';
        state = c;
      } else token += c;
    }
  }
  return tokens;
}
