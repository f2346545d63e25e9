/**
 * Snapshots: what a path held when facts were read, journaled (fsynced) before the first op
 * of this run touches it — what a rollback puts back.
 */
import type { Journal } from '../journal/journal.js';
import type { FileState, Op } from '../modules/types.js';
import type { Snapshot } from './remoteScript.js';

export function snapshotOf(f: FileState | undefined, path: string): Snapshot {
  if (!f || !f.exists) return { path, existed: false };
  return {
    path,
    existed: true,
    type: f.type,
    mode: f.mode,
    uid: f.uid,
    gid: f.gid,
    contentB64: f.content !== undefined ? Buffer.from(f.content, 'utf8').toString('base64') : undefined,
    ...(f.linkTarget !== undefined ? { linkTarget: f.linkTarget } : {}),
    sha256: f.sha256,
  };
}

export function touchedPath(op: Op): string | undefined {
  return op.op === 'exec' ? undefined : op.path;
}

/**
 * Before an op touches a path for the first time in this run, journal (fsynced) what the
 * path held when facts were read: that is what a rollback puts back.
 */
export function snapshotBeforeTouch(op: Op, snapshots: Map<string, Snapshot>, original: Map<string, FileState>, hostName: string, journal?: Journal): void {
  // A write through a symlink changes the target; the link is journaled as well, so a
  // rollback checks it is still a link with the same target text (and puts it back if not).
  const paths = [touchedPath(op), op.op === 'write' ? op.via : undefined];
  for (const path of paths) {
    if (!path || snapshots.has(path)) continue;
    const snap = snapshotOf(original.get(path), path);
    snapshots.set(path, snap);
    journal?.append({ type: 'snapshot', host: hostName, snap });
  }
}
