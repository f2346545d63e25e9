/**
 * Build the CLI's start-up snapshot in a dist/bin folder (see bundle.mjs, which calls this
 * after bundling; the benchmark calls it again in its frozen copy of dist/, since a snapshot
 * is used only from the folder it was built in):
 *
 *   node scripts/snapshot.mjs [dist/bin]
 *
 * Writes crane-fix.blob and crane-fix.snapshot (line 1: the node binary that built the blob,
 * line 2: the folder, line 3: the V8 flags it was built with — a snapshot loads only with the
 * same flags), which the launcher dist/bin/crane-fix checks and uses.
 * If node cannot build it, says why and removes both: the launcher then runs the plain bundle
 * (run as a command, it then exits 1).
 */
import { spawnSync } from 'node:child_process';
import { realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * V8 flags of the snapshot, and so of every run started from it. A young generation that
 * starts at 16 MB instead of growing from 1 MB: a run allocates most of what it ever holds in
 * its first second (scripts, outputs, plans for every host), and fewer scavenges cost less —
 * −0.25 ms of client CPU per host at 50 nodes (8 alternating runs, every one lower) for +13 MB
 * of peak RSS.
 */
export const V8_FLAGS = ['--min-semi-space-size=16'];

export function buildSnapshot(binDir) {
  const blob = path.join(binDir, 'crane-fix.blob');
  const stamp = path.join(binDir, 'crane-fix.snapshot');
  rmSync(stamp, { force: true });
  // The warm-up's output (syntax checks of the catalogue playbooks) is of no interest here.
  const built = spawnSync(process.execPath, [...V8_FLAGS, '--no-warnings', '--snapshot-blob', blob, '--build-snapshot', path.join(binDir, 'crane-fix.snapshot.cjs')], { encoding: 'utf8' });
  if (built.status === 0) {
    writeFileSync(stamp, `${realpathSync(process.execPath)}\n${realpathSync(binDir)}\n${V8_FLAGS.join(' ')}\n`);
    return true;
  }
  rmSync(blob, { force: true });
  process.stderr.write(`snapshot: none built (node --build-snapshot exited ${built.status ?? built.signal}); ${binDir}/crane-fix runs the plain bundle\n${(built.stderr ?? '').slice(-2000)}`);
  return false;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!buildSnapshot(process.argv[2] ?? 'dist/bin')) process.exitCode = 1;
}
