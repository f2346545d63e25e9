/**
 * The planner's view of a host's files: a pure function from (files, ops) to files.
 * The engine plans task N+1 against `applyOps(files, opsOfTasks1..N)`, so a second edit
 * of the same file sees the first one's result; tests use it to prove idempotence
 * (`plan(applyOps(files, plan(files).ops))` must be 'ok' with no ops).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { FileDiff, FileState, Op } from './types.js';
import { pySplitlinesKeepends, pyUnifiedDiff } from './difflib.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Canonical form of a remote path used as a fact/map key: normalized, no trailing slash. */
export function normPath(p: string): string {
  if (p === '') return p;
  let n = posix.normalize(p);
  if (n.length > 1 && n.endsWith('/')) n = n.slice(0, -1);
  return n;
}

export function absentState(path: string): FileState {
  return { path, exists: false };
}

/**
 * Apply ops to a snapshot of file states. Never mutates its input. Paths not in `files`
 * are created as needed; `exec` ops have no file effect (their outcome is runtime-only).
 */
export function applyOps(files: ReadonlyMap<string, FileState>, ops: readonly Op[]): Map<string, FileState> {
  const out = new Map<string, FileState>();
  for (const [k, v] of files) out.set(k, { ...v });
  const get = (p: string): FileState => out.get(p) ?? files.get(p) ?? absentState(p);
  for (const op of ops) {
    switch (op.op) {
      case 'write': {
        const path = normPath(op.path);
        const prev = get(path);
        const keep = prev.exists && prev.type !== 'directory';
        const uid = op.uid ?? (keep ? prev.uid : undefined);
        const gid = op.gid ?? (keep ? prev.gid : undefined);
        const next: FileState = {
          path,
          exists: true,
          type: 'file',
          content: op.content,
          sha256: sha256(op.content),
        };
        // Kept when it was never read (content-only facts): still unknown, not 0644.
        const mode = op.mode ?? (keep ? prev.mode : 0o644);
        if (mode !== undefined) next.mode = mode;
        if (uid !== undefined) next.uid = uid;
        if (gid !== undefined) next.gid = gid;
        if (keep && prev.owner !== undefined && (op.uid === undefined || op.uid === prev.uid)) next.owner = prev.owner;
        if (keep && prev.group !== undefined && (op.gid === undefined || op.gid === prev.gid)) next.group = prev.group;
        out.set(path, next);
        break;
      }
      case 'remove': {
        const path = normPath(op.path);
        out.set(path, absentState(path));
        if (op.recursive) {
          const prefix = path === '/' ? '/' : path + '/';
          for (const k of new Set([...files.keys(), ...out.keys()])) {
            if (k.startsWith(prefix)) out.set(k, absentState(k));
          }
        }
        break;
      }
      case 'mkdir': {
        const path = normPath(op.path);
        const next: FileState = { path, exists: true, type: 'directory', mode: op.mode ?? 0o755 };
        if (op.uid !== undefined) next.uid = op.uid;
        if (op.gid !== undefined) next.gid = op.gid;
        out.set(path, next);
        break;
      }
      case 'attrs': {
        const path = normPath(op.path);
        const next: FileState = { ...get(path) };
        if (op.mode !== undefined) next.mode = op.mode;
        if (op.uid !== undefined) {
          if (next.uid !== op.uid) delete next.owner;
          next.uid = op.uid;
        }
        if (op.gid !== undefined) {
          if (next.gid !== op.gid) delete next.group;
          next.gid = op.gid;
        }
        if (op.owner !== undefined) {
          if (next.owner !== op.owner) delete next.uid;
          next.owner = op.owner;
        }
        if (op.group !== undefined) {
          if (next.group !== op.group) delete next.gid;
          next.group = op.group;
        }
        out.set(path, next);
        break;
      }
      case 'symlink': {
        const path = normPath(op.path);
        out.set(path, { path, exists: true, type: 'symlink', linkTarget: op.target, mode: 0o777 });
        break;
      }
      case 'exec':
        break;
    }
  }
  return out;
}

/**
 * One diff rendered exactly as ansible-playbook's default callback renders one entry of a
 * task's diff list (`CallbackBase._get_diff`, colour off): Python difflib hunks, 3 lines of
 * context, `--- before: <header>` / `+++ after: <header>`, the `\ No newline at end of file`
 * marker, and one extra "\n" after a non-empty diff. Returns '' when before === after.
 * `attrs` is not rendered here (Ansible prints attribute changes as their own JSON diff
 * entries; modules emit those as separate FileDiffs where Ansible does).
 */
export function unifiedDiff(d: FileDiff): string {
  if (d.before === d.after) return '';
  const label = (h: string | null | undefined, side: 'before' | 'after') =>
    h === null ? side : `${side}: ${h === undefined ? d.path : h}`;
  const a = pySplitlinesKeepends(d.before);
  const b = pySplitlinesKeepends(d.after);
  if (a.length && !a[a.length - 1]!.endsWith('\n')) a[a.length - 1] += '\n\\ No newline at end of file\n';
  if (b.length && !b[b.length - 1]!.endsWith('\n')) b[b.length - 1] += '\n\\ No newline at end of file\n';
  const lines = pyUnifiedDiff(a, b, label(d.beforeHeader, 'before'), label(d.afterHeader, 'after'), 3);
  return lines.length ? lines.join('') + '\n' : '';
}
