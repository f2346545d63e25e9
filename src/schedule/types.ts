import type { SourcePos } from '../errors.js';

export type JobMode = 'check' | 'apply';

export interface ScheduleJob {
  name: string;
  /** As written (nicknames kept); see cron.ts for the syntax. */
  cron: string;
  timezone?: string;
  /** Absolute path. */
  inventory: string;
  /** Catalogue fix ids. */
  fixes: string[];
  /** Absolute paths. */
  playbooks: string[];
  limit?: string;
  serial?: string;
  maxFailPercent?: number;
  mode: JobMode;
  /** A random delay from 0 to this before each run. */
  jitterMs: number;
  /** A run still going after this is stopped (between round trips) and restores what it changed. */
  timeoutMs?: number;
  extraVars: Record<string, unknown>;
  /** `@file` extraVars items (absolute), already merged into extraVars. */
  varsFiles: string[];
  /** The job's mapping in the schedule file. */
  pos: SourcePos;
  /** Where each key's value is (e.g. valuePos.cron). */
  valuePos: Record<string, SourcePos>;
  /** Positions of list items: `fixes[1]`, `playbooks[0]`. */
  itemPos: Record<string, SourcePos>;
}

export interface Schedule {
  /** Absolute path of the schedule file. */
  file: string;
  dir: string;
  jobs: ScheduleJob[];
}
