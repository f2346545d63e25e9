/**
 * Quoting for values put into the POSIX sh snippets detectors send to hosts.
 *
 * Single-quote style: everything between single quotes is literal in sh (newlines, `$`, `\`,
 * backticks, double quotes), and a single quote itself is written as `'\''`. Quoting does not
 * stop a value that starts with `-` from being read as an option: commands that take a
 * quoted operand put `--` before it (see `shellArgs`), or the value is validated to be an
 * absolute path first.
 */
export function shellQuote(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`shellQuote: expected a string, got ${typeof value}`);
  // A NUL byte cannot be part of a shell word: refuse rather than silently truncate.
  if (value.includes('\0')) throw new RangeError('shellQuote: value contains a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `cmd -- 'a' 'b'`: operands that may start with `-` stay operands. */
export function shellArgs(cmd: string, operands: string[]): string {
  return [cmd, '--', ...operands.map(shellQuote)].join(' ');
}
