/**
 * `crane-fix schedule run`: fire each job at its cron times (croner) and never overlap a job
 * with itself — a job still running (here, or in another crane-fix process holding its lock)
 * when its next time comes is skipped, and the skip is logged and recorded.
 *
 * Stopping (SIGTERM/SIGINT): no new runs start; running ones get `graceMs` to finish; then
 * they are told to stop (between round trips, restoring what they changed, as Ctrl-C does
 * for apply) and get `restoreWaitMs` for that. `hurry()` (a second signal) skips what is left
 * of the grace period; `abandon()` (a third) stops waiting.
 */
import { Cron } from 'croner';
import { EXIT, InputError } from '../errors.js';
import { acquireJobLock, type JobLock } from './lock.js';
import { formatInZone, localTimezone, normalizePattern } from './cron.js';
import { formatDuration } from './duration.js';
import type { ScheduleEvent } from './records.js';
import type { JobRunResult } from './runner.js';
import type { Schedule, ScheduleJob } from './types.js';

export interface RunContext {
  signal: AbortSignal;
  onRun: (runId: string, mode: string) => void;
  log: (line: string) => void;
}

export interface SchedulerDeps {
  runJob: (job: ScheduleJob, ctx: RunContext) => Promise<JobRunResult>;
  log: (line: string) => void;
  record: (ev: ScheduleEvent) => void;
  /** Where job locks live (the journal dir); no cross-process lock when undefined. */
  lockDir?: string;
  random?: () => number;
  now?: () => Date;
}

interface Running {
  job: ScheduleJob;
  scheduledFor: Date;
  startedAt: Date;
  ac: AbortController;
  runIds: string[];
  promise: Promise<void>;
  lock?: JobLock;
}

export type TickOutcome = 'started' | 'skipped' | 'stopping';

const MAX_LOCK_HOLD_MS = 24 * 3600_000;

export class Scheduler {
  private readonly crons = new Map<string, Cron>();
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private hurryNow: () => void = () => {};
  private hurried = false;
  private abandonNow: () => void = () => {};
  private abandoned = false;

  constructor(
    readonly schedule: Schedule,
    private readonly deps: SchedulerDeps,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private log(job: string | undefined, line: string): void {
    this.deps.log(`${this.now().toISOString()} ${job ? `[${job}] ` : ''}${line}`);
  }

  /** Names of the jobs running right now. */
  busy(): string[] {
    return [...this.running.keys()];
  }

  /** Start the timers. */
  start(): void {
    for (const job of this.schedule.jobs) {
      // The fire time croner is waiting for: what a run is "for" (croner reports the wake-up time).
      let expected: Date | null = null;
      const cron = new Cron(
        normalizePattern(job.cron),
        {
          timezone: job.timezone,
          legacyMode: true,
          catch: (err) => this.log(job.name, `internal error at a fire time: ${(err as Error).message}`),
        },
        (self: Cron) => {
          const now = this.now();
          const at = expected && Math.abs(now.getTime() - expected.getTime()) < 60_000 ? expected : new Date(Math.round(now.getTime() / 1000) * 1000);
          expected = self.nextRun();
          this.tick(job, at);
        },
      );
      this.crons.set(job.name, cron);
      const next = cron.nextRun();
      expected = next;
      this.log(
        job.name,
        `scheduled: ${job.cron} (${job.timezone ?? `local time, ${localTimezone()}`}), mode ${job.mode}; next run ${next ? formatInZone(next, job.timezone ?? localTimezone()) : 'never'}`,
      );
    }
  }

  /** A fire time came for `job`: start a run, or skip it if the previous one is still going. */
  tick(job: ScheduleJob, scheduledFor: Date): TickOutcome {
    if (this.stopping) return 'stopping';
    const at = scheduledFor.toISOString();
    const cur = this.running.get(job.name);
    if (cur) {
      const ids = cur.runIds.length ? ` (run ${cur.runIds.join(', ')})` : '';
      this.log(job.name, `skipped the ${at} run: the ${cur.scheduledFor.toISOString()} run${ids} is still running since ${cur.startedAt.toISOString()}`);
      this.deps.record({
        type: 'skip',
        schedule: this.schedule.file,
        job: job.name,
        scheduledFor: at,
        reason: 'previous run still running',
        runningSince: cur.startedAt.toISOString(),
        runningPid: process.pid,
        runIds: [...cur.runIds],
      });
      return 'skipped';
    }
    let lock: JobLock | undefined;
    if (this.deps.lockDir) {
      const maxHoldMs = job.timeoutMs ? job.jitterMs + job.timeoutMs + 15 * 60_000 : MAX_LOCK_HOLD_MS;
      const got = acquireJobLock(this.deps.lockDir, this.schedule.file, job.name, { maxHoldMs, by: 'schedule run' });
      if (!got.ok) {
        const h = got.heldBy;
        this.log(job.name, `skipped the ${at} run: another crane-fix process (${h.by}, pid ${h.pid} on ${h.host}) has been running this job since ${h.startedAt}${h.runIds.length ? ` (run ${h.runIds.join(', ')})` : ''}`);
        this.deps.record({
          type: 'skip',
          schedule: this.schedule.file,
          job: job.name,
          scheduledFor: at,
          reason: `locked by ${h.by} (pid ${h.pid} on ${h.host})`,
          runningSince: h.startedAt,
          runningPid: h.pid,
          runIds: h.runIds,
        });
        return 'skipped';
      }
      lock = got.lock;
    }
    const state: Running = { job, scheduledFor, startedAt: this.now(), ac: new AbortController(), runIds: [], promise: Promise.resolve(), lock };
    this.running.set(job.name, state);
    state.promise = this.execute(state).finally(() => {
      state.lock?.release();
      if (this.running.get(job.name) === state) this.running.delete(job.name);
    });
    return 'started';
  }

  private async execute(state: Running): Promise<void> {
    const { job, ac } = state;
    const at = state.scheduledFor.toISOString();
    const jitter = job.jitterMs ? Math.floor((this.deps.random ?? Math.random)() * job.jitterMs) : 0;
    this.deps.record({ type: 'fire', schedule: this.schedule.file, job: job.name, scheduledFor: at, jitterMs: jitter });
    if (jitter) {
      this.log(job.name, `starting in ${formatDuration(jitter)} (jitter)`);
      await sleep(jitter, ac.signal);
      if (ac.signal.aborted) {
        this.log(job.name, 'cancelled before it started: the scheduler is stopping');
        this.deps.record({ type: 'cancelled', schedule: this.schedule.file, job: job.name, scheduledFor: at, reason: 'scheduler stopping during jitter' });
        return;
      }
    }
    this.log(job.name, `starting the ${at} run (${job.mode})`);
    const t0 = Date.now();
    try {
      const res = await this.deps.runJob(job, {
        signal: ac.signal,
        onRun: (runId, mode) => {
          state.runIds.push(runId);
          state.lock?.addRun(runId);
          this.deps.record({ type: 'run', schedule: this.schedule.file, job: job.name, runId, mode });
        },
        log: (line) => this.deps.log(`[${job.name}] ${line}`),
      });
      this.deps.record({
        type: 'finish',
        schedule: this.schedule.file,
        job: job.name,
        scheduledFor: at,
        exitCode: res.exitCode,
        runIds: res.runs.map((r) => r.runId),
        timedOut: res.timedOut,
        aborted: res.aborted,
        durationMs: Date.now() - t0,
      });
      this.log(
        job.name,
        `finished the ${at} run: exit ${res.exitCode}${res.timedOut ? ' (timed out)' : ''}${res.aborted ? ' (stopped by the scheduler)' : ''}; runs ${res.runs.map((r) => `${r.runId} (${r.mode})`).join(', ') || 'none'}`,
      );
    } catch (err) {
      const code = err instanceof InputError ? EXIT.INPUT : (err as { code?: unknown }).code === undefined ? 70 : Number((err as { code: number }).code) || 70;
      const msg = (err as Error).message;
      this.log(job.name, `the ${at} run failed to start or crashed (exit ${code}): ${msg}`);
      this.deps.record({ type: 'error', schedule: this.schedule.file, job: job.name, scheduledFor: at, exitCode: code, error: msg, runIds: [...state.runIds] });
    }
  }

  /** Stop scheduling and drain. Resolves with the jobs whose runs were abandoned mid-way. */
  async stop(opts: { graceMs: number; restoreWaitMs: number; signal?: string }): Promise<{ abandoned: string[] }> {
    this.stopping = true;
    for (const c of this.crons.values()) c.stop();
    const busy = [...this.running.values()];
    const all = Promise.allSettled(busy.map((b) => b.promise));
    if (busy.length) {
      this.log(
        undefined,
        `stopping: no new runs; waiting up to ${formatDuration(opts.graceMs)} for ${busy.map((b) => b.job.name).join(', ')} to finish (signal again to stop them now)`,
      );
      const finished = await this.waitOr(all, opts.graceMs, 'hurry');
      if (!finished) {
        const left = [...this.running.values()];
        for (const r of left) r.ac.abort(new Error('scheduler stopping'));
        if (left.length) {
          this.log(
            undefined,
            `stopping ${left.map((r) => r.job.name).join(', ')} between round trips and restoring what ${left.length === 1 ? 'it' : 'they'} changed (up to ${formatDuration(opts.restoreWaitMs)}; signal again to exit without waiting)`,
          );
          await this.waitOr(all, opts.restoreWaitMs, 'abandon');
        }
      }
    }
    const abandoned = [...this.running.values()].map((r) => r.job.name);
    for (const r of this.running.values()) {
      r.lock?.release();
      this.log(r.job.name, `abandoned while running${r.runIds.length ? `: its journal (run ${r.runIds.join(', ')}) may lack an end record; crane-fix rollback <run-id> restores it` : ''}`);
    }
    this.deps.record({ type: 'scheduler-stop', schedule: this.schedule.file, pid: process.pid, signal: opts.signal, abandoned });
    this.log(undefined, abandoned.length ? `stopped; abandoned: ${abandoned.join(', ')}` : 'stopped');
    return { abandoned };
  }

  /** Skip the rest of the grace period: stop running jobs now (they restore). */
  hurry(): void {
    this.hurried = true;
    this.hurryNow();
  }

  /** Stop waiting for running jobs to restore. */
  abandon(): void {
    this.hurried = true;
    this.abandoned = true;
    this.hurryNow();
    this.abandonNow();
  }

  /** true when `p` settled within `ms`; false on timeout or when hurried/abandoned. */
  private waitOr(p: Promise<unknown>, ms: number, kind: 'hurry' | 'abandon'): Promise<boolean> {
    if ((kind === 'hurry' && this.hurried) || (kind === 'abandon' && this.abandoned)) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      const cut = () => {
        clearTimeout(timer);
        resolve(false);
      };
      if (kind === 'hurry') this.hurryNow = cut;
      else this.abandonNow = cut;
      void p.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
