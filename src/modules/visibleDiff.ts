/**
 * A diff body as a terminal should show it. A file's bytes go into a diff line unchanged, so a
 * CRLF line, a UTF-8 BOM or an escape sequence would be invisible (or would drive the user's
 * terminal), and a change of line endings only would look like no change at all. Shown here:
 * CR as `^M` (as `cat -v`, vim and `git diff`'s whitespace highlighting show it), other C0
 * control bytes and DEL in the same caret notation (`^[` for ESC), and the BOM, C1 controls and
 * invisible Unicode (zero-width, bidi overrides, line/paragraph separators) as `<U+FEFF>` (as
 * `less` shows them). Tab and LF stay as they are.
 *
 * Only for human output (apply/rollback dry-run, the guide's preview): `--json` and the journal
 * keep the exact bytes, which the parity harness compares with Ansible's diff.
 */
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function mark(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return '^' + String.fromCharCode(code + 0x40);
  if (code === 0x7f) return '^?';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

export function visibleDiff(diff: string): string {
  return diff.replace(HIDDEN, mark);
}
