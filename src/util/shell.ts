/**
 * POSIX single-quote a value for sh: everything between single quotes is literal, and a
 * single quote itself is written as '\'' . Newlines, $(), backticks, ; and leading dashes
 * all arrive literally (a leading dash still needs `--` at the call site).
 */
export function shq(value: string | number): string {
  const s = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) && !s.startsWith('-')) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
