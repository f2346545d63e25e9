/**
 * One run of a job at a time, across processes: `schedule run` and `schedule once` (what cron
 * calls) take `<journal-dir>/schedule/locks/<job>.<hash of the schedule file>.lock`, created
 * with O_EXCL and holding the owner's pid, its process start time, host name and run ids.
 * Held by a live process -> the caller skips (and records the skip). A lock whose process is
 * gone (same host: pid absent, or reused by another process) is stale and taken over; a lock
 * written on another host (a shared journal volume) cannot be checked and is stale once past
 * its `expiresAt`.
 *
 * This is the local, per-job lock. The per-host lock on the nodes themselves (two processes
 * never change the same host at once) is the engine's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { scheduleStateDir } from './records.js';

export interface LockInfo {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot): tells a reused pid apart. */
  procStart?: string;
  host: string;
  job: string;
  schedule: string;
  startedAt: string;
  expiresAt: string;
  runIds: string[];
  /** 'schedule run' or 'schedule once'. */
  by: string;
}

export interface JobLock {
  file: string;
  info: LockInfo;
  /** Record a run id in the lock (so a skipped tick can say which run it waited on). */
  addRun(runId: string): void;
  release(): void;
}

export type LockResult = { ok: true; lock: JobLock } | { ok: false; heldBy: LockInfo; file: string };

export function lockFile(journalDir: string, schedule: string, job: string): string {
  const h = createHash('sha256').update(path.resolve(schedule)).digest('hex').slice(0, 10);
  return path.join(scheduleStateDir(journalDir), 'locks', `${job}.${h}.lock`);
}

function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the parenthesised command name (which may contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(info: LockInfo, now: Date): boolean {
  if (info.host !== os.hostname()) return now.getTime() < Date.parse(info.expiresAt);
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = procStart(info.pid);
  if (info.procStart && start && start !== info.procStart) return false; // pid reused
  return true;
}

function writeAtomic(file: string, info: LockInfo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Try to take the lock. `maxHoldMs` bounds how long a lock may be considered held by a
 * process on another host.
 */
export function acquireJobLock(
  journalDir: string,
  schedule: string,
  job: string,
  opts: { maxHoldMs: number; by: string; now?: Date },
): LockResult {
  const file = lockFile(journalDir, schedule, job);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const now = opts.now ?? new Date();
  const info: LockInfo = {
    pid: process.pid,
    procStart: procStart(process.pid),
    host: os.hostname(),
    job,
    schedule: path.resolve(schedule),
    startedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + opts.maxHoldMs).toISOString(),
    runIds: [],
    by: opts.by,
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let held: LockInfo | undefined;
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      } catch {
        // Being written right now, or torn by a crash: young means being written.
        try {
          if (Date.now() - fs.statSync(file).mtimeMs < 5000) {
            return { ok: false, file, heldBy: { ...info, pid: 0, by: 'unknown (lock being written)', runIds: [] } };
          }
        } catch {
          continue; // gone meanwhile: try again
        }
      }
      if (held && alive(held, now)) return { ok: false, heldBy: held, file };
      try {
        fs.unlinkSync(file); // stale
      } catch {
        /* someone else removed it */
      }
      continue;
    }
    try {
      fs.writeSync(fd, JSON.stringify(info) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    let released = false;
    const lock: JobLock = {
      file,
      info,
      addRun(runId) {
        if (released) return;
        info.runIds.push(runId);
        try {
          writeAtomic(file, info);
        } catch {
          /* the lock stays held; only the run id is missing from it */
        }
      },
      release() {
        if (released) return;
        released = true;
        try {
          const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
          if (cur.pid === info.pid && cur.startedAt === info.startedAt && cur.host === info.host) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      },
    };
    return { ok: true, lock };
  }
  // Three stale takeovers in a row lost to other processes: someone else has it now.
  let heldBy: LockInfo = { ...info, pid: 0, by: 'unknown', runIds: [] };
  try {
    heldBy = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    /* keep the placeholder */
  }
  return { ok: false, heldBy, file };
}
