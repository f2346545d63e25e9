/**
 * The restore script: put snapshots back, byte-identical with mode and owner, in reverse order
 * of first touch.
 */
import { posix } from 'node:path';
import type { Snapshot } from '../../modules/types.js';
import { octal, writeGroupScript, type WriteSpec } from './apply.js';
import { PRELUDE, shq } from './prelude.js';

export type { Snapshot } from '../../modules/types.js';

/**
 * Restore snapshots in reverse order of first touch. Unconditional (no guard): the point is
 * to put back exactly what was there, whatever a half-applied run left.
 */
export function restoreScript(snaps: Snapshot[]): string {
  const lines = [PRELUDE, 'failed=0'];
  // A write cut short (node killed or hung mid-op) leaves its temp file beside the target; the
  // host lock guarantees no other run is writing here, so leftovers in these dirs are ours.
  // First: a directory the run created cannot be removed while one is inside it.
  const dirs = [...new Set(snaps.map((s) => posix.dirname(s.path)))];
  for (const d of dirs) lines.push(`rm -f -- ${shq(d)}/.crane-fix.?????? 2>/dev/null`);
  // …and inside a directory the run created (the temp file of a file written into it).
  for (const s of snaps) if (!s.existed) lines.push(`[ -d ${shq(s.path)} ] && [ ! -L ${shq(s.path)} ] && rm -f -- ${shq(s.path)}/.crane-fix.?????? 2>/dev/null`);
  [...snaps].reverse().forEach((s, i) => {
    // Each restore runs in a subshell: one file that cannot be restored must not stop the
    // others (best effort, every failure reported). A file already as it was is left alone.
    const p = `p=${shq(s.path)}`;
    // Read content-only, the file's mode and owner were never known: the run kept them, and
    // so does the restore (the write reads them on the node).
    const a = s.mode !== undefined && s.uid !== undefined ? { mode: s.mode, uid: s.uid, gid: s.gid } : undefined;
    let body: string;
    if (!s.existed) {
      body = `${p}\nif [ -d "$p" ] && [ ! -L "$p" ]; then rmdir -- "$p" 2>/dev/null; else rm -f -- "$p"; fi; [ -e "$p" ] && { echo "@@CF op ${i} error remove"; exit 4; }; echo "@@CF op ${i} ok"`;
    } else if (s.type === 'symlink') {
      body = `${p}\nif [ -L "$p" ] && [ "$(readlink -- "$p")" = ${shq(s.linkTarget ?? '')} ]; then echo "@@CF op ${i} ok"; exit 0; fi\nrm -f -- "$p" && ln -s -- ${shq(s.linkTarget ?? '')} "$p" && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error symlink"; exit 4; }`;
    } else if (s.type === 'directory') {
      body = `${p}\nmkdir -p -- "$p"${a ? ` && chmod ${octal(a.mode)} "$p" && chown ${a.uid}:${a.gid} "$p"` : ''} && echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error dir"; exit 4; }`;
    } else if (s.contentB64 === undefined) {
      // Binary or too large: its bytes were never captured, so they cannot be written back —
      // writing the empty string would destroy the file. Put back mode and owner if the
      // bytes are still the ones the run saw; otherwise say it cannot be restored.
      body = [
        p,
        `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? 'unknown')} ] || { echo "@@CF op ${i} error content-not-captured"; exit 4; }`,
        `${a ? `chmod ${octal(a.mode)} -- "$p" && chown ${a.uid}:${a.gid} -- "$p" && ` : ''}echo "@@CF op ${i} ok" || { echo "@@CF op ${i} error attrs"; exit 4; }`,
      ].join('\n');
    } else {
      const same = `[ -f "$p" ] && [ "$(shaof "$p")" = ${shq(s.sha256 ?? '')} ]${a ? ` && [ "$(stat -c '%a:%u:%g' -- "$p")" = ${shq(`${a.mode.toString(8)}:${a.uid}:${a.gid}`)} ]` : ''}`;
      const text = Buffer.from(s.contentB64 ?? '', 'base64').toString('utf8');
      const w: WriteSpec = a ? { path: s.path, ...a } : { path: s.path, keep: true };
      body = `${p}\nif ${same}; then echo "@@CF op ${i} ok"; exit 0; fi\n${writeGroupScript([{ id: i, w, text }])}`;
    }
    lines.push(`(\n${body}\n) || failed=1`);
  });
  lines.push('[ $failed = 0 ] && echo "@@CF end"');
  return lines.join('\n') + '\n';
}
