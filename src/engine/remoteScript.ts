/**
 * Remote POSIX sh scripts, built as text and sent on stdin of `sh -s` (so nothing of them —
 * file contents, secrets — appears in the node's process list), and their output parsers.
 *
 *  - gather: every fact of every task of a host in ONE round trip;
 *  - apply: every op of a segment in ONE round trip, each file write guarded (sha256 of the
 *    content the plan was made from) and atomic (temp file in the same dir, fsync, rename);
 *  - restore: put snapshots back, byte-identical with mode and owner.
 *
 * Output protocol: lines starting with `@@CF ` frame records, read in order; payloads are raw
 * bytes with their length in the record line (a command's output) or end at a sentinel that
 * carries a random token (file contents), so no content can forge a frame. Callers read the
 * output as latin1 (one char per byte: `encoding: 'latin1'`), so lengths are byte counts.
 * Raw, because on a node every process counts: no temp dir (mktemp, rm) and no base64 for
 * facts — the benchmark showed node-side processes dominating a no-op run (bench/README.md).
 */
export { MAX_FACT_FILE_BYTES, newToken, ProtocolError } from './script/prelude.js';
export { HostLockedError, lockPrologue, RelockError, sharedLockStep, throwIfLocked, throwUnlessLockTaken, type LockSpec } from './script/hostLock.js';
export { collectFactRequests, gatherScript, parseGather, type GatherCommand, type GatheredFacts, type GatherRequest } from './script/gather.js';
export { applyScript, parseApply, type OpOutcome, type ScriptOp } from './script/apply.js';
export { restoreScript, type Snapshot } from './script/restore.js';
