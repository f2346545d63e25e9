/**
 * The scheduler's own record, next to the run journals: `<journal-dir>/schedule/events.jsonl`
 * (0600, appended and fsynced like a run journal). Runs themselves are journaled by the engine
 * as usual (with `job` set, so `crane-fix runs` names the job); this file says what happened at
 * each fire time — started, skipped because the previous run was still going, finished,
 * cancelled, failed to start — and when a scheduler started and stopped. `crane-fix runs`
 * ignores the `schedule` directory (it has no run.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ScheduleEvent =
  | { type: 'scheduler-start'; schedule: string; pid: number; jobs: string[] }
  | { type: 'scheduler-stop'; schedule: string; pid: number; signal?: string; abandoned: string[] }
  | { type: 'fire'; schedule: string; job: string; scheduledFor: string; jitterMs: number }
  | {
      type: 'skip';
      schedule: string;
      job: string;
      scheduledFor: string;
      /** Why: the previous run of this job is still going (here or in another crane-fix process). */
      reason: string;
      runningSince?: string;
      runningPid?: number;
      runIds: string[];
    }
  | { type: 'run'; schedule: string; job: string; runId: string; mode: string }
  | {
      type: 'finish';
      schedule: string;
      job: string;
      scheduledFor: string;
      exitCode: number;
      runIds: string[];
      timedOut: boolean;
      aborted: boolean;
      durationMs: number;
    }
  | { type: 'cancelled'; schedule: string; job: string; scheduledFor: string; reason: string }
  | { type: 'error'; schedule: string; job: string; scheduledFor: string; exitCode: number; error: string; runIds: string[] };

export interface StoredScheduleEvent {
  at: string;
  ev: ScheduleEvent;
}

export function scheduleStateDir(journalDir: string): string {
  return path.join(journalDir, 'schedule');
}

export function scheduleEventsFile(journalDir: string): string {
  return path.join(scheduleStateDir(journalDir), 'events.jsonl');
}

export class ScheduleRecords {
  private fd: number | undefined;
  constructor(readonly journalDir: string) {}

  append(ev: ScheduleEvent): void {
    if (this.fd === undefined) {
      fs.mkdirSync(this.journalDir, { recursive: true, mode: 0o700 });
      fs.mkdirSync(scheduleStateDir(this.journalDir), { recursive: true, mode: 0o700 });
      this.fd = fs.openSync(scheduleEventsFile(this.journalDir), 'a', 0o600);
    }
    fs.writeSync(this.fd, JSON.stringify({ at: new Date().toISOString(), ev } satisfies StoredScheduleEvent) + '\n');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
  }
}

/** Every record, oldest first; a torn last line (crash mid-append) is ignored. */
export function readScheduleEvents(journalDir: string): StoredScheduleEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(scheduleEventsFile(journalDir), 'utf8');
  } catch {
    return [];
  }
  const out: StoredScheduleEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as StoredScheduleEvent);
    } catch {
      /* torn line */
    }
  }
  return out;
}
