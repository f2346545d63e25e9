/**
 * One run of one job — what `schedule once` does and what the scheduler does at each fire
 * time. Mode `apply`: the job's fixes' playbooks and its playbooks in ONE engine run
 * (runApply), journaled like `crane-fix apply` with `job` set. Mode `check`: catalogue
 * detectors for fixes that have one (read-only, like `crane-fix check`; journaled as a run of
 * mode `check`), and `apply --dry-run` for playbooks and detector-less fixes.
 *
 * Consent (see load.ts): irreversible steps are allowed without --yes — the schedule file is
 * the consent — but a destructive step is refused again here, at run time, in case a playbook
 * was edited after the schedule was validated.
 */
import * as path from 'node:path';
import { EXIT, ExitError } from '../errors.js';
import { runApply, type RunReport } from '../engine/run.js';
import { runCheck, type CheckReport } from '../engine/check.js';
import { Journal, defaultJournalDir, newRunId } from '../journal/journal.js';
import { planJob } from './load.js';
import { formatDuration } from './duration.js';
import type { Schedule, ScheduleJob } from './types.js';
import type { ShardSpec } from '../inventory/shard.js';

export interface JobRunOptions {
  schedule: Schedule;
  journalDir?: string;
  knownHosts?: string[];
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Human output. */
  log: (line: string) => void;
  /** Stop between round trips and restore (scheduler shutdown). */
  signal?: AbortSignal;
  /** Called as soon as a journaled run has its id. */
  onRun?: (runId: string, mode: string) => void;
  argv?: string[];
  /** `schedule once --shard i/n`: only this shard of the job's hosts (each shard its own run). */
  shard?: ShardSpec;
}

export interface JobRunSummary {
  runId: string;
  mode: 'apply' | 'dry-run' | 'check';
  exitCode: number;
}

export interface JobRunResult {
  job: string;
  exitCode: number;
  runs: JobRunSummary[];
  apply?: RunReport;
  check?: CheckReport;
  timedOut: boolean;
  aborted: boolean;
}

/** 2 (failed) > 3 (affected) > 4 (unreachable) > 0. */
export function worstExit(codes: number[]): number {
  for (const c of [EXIT.INPUT, EXIT.FAILED, EXIT.AFFECTED, EXIT.UNREACHABLE]) if (codes.includes(c)) return c;
  return codes.find((c) => c !== 0) ?? EXIT.OK;
}

/** runApply's consent question: yes to irreversible steps, no to destructive ones (those expect typed input). */
export function scheduleConsent(job: string, log: (l: string) => void) {
  return async (question: string, expect?: string): Promise<boolean> => {
    if (expect !== undefined) {
      log(`refusing: job '${job}' reached a destructive step at run time (${question.replace(/\. Type the number.*$/, '')}); destructive steps are never run from a schedule`);
      return false;
    }
    log(`consent: the schedule file allows irreversible steps for job '${job}': ${question.replace(/ Continue\?$/, '')}`);
    return true;
  };
}

export async function runJob(job: ScheduleJob, opts: JobRunOptions): Promise<JobRunResult> {
  const log = opts.log;
  const result: JobRunResult = { job: job.name, exitCode: EXIT.OK, runs: [], timedOut: false, aborted: false };
  const ac = new AbortController();
  const onOuterAbort = () => {
    result.aborted = true;
    ac.abort(opts.signal?.reason);
  };
  if (opts.signal?.aborted) onOuterAbort();
  else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (job.timeoutMs) {
    timer = setTimeout(() => {
      result.timedOut = true;
      log(`job '${job.name}': timeout ${formatDuration(job.timeoutMs!)} reached: stopping between round trips and restoring what this run changed`);
      ac.abort(new Error('timeout'));
    }, job.timeoutMs);
  }
  const argv = opts.argv ?? ['schedule', 'once', opts.schedule.file, job.name];
  const journalDir = opts.journalDir ?? defaultJournalDir();
  try {
    const { detectorIds, playbooks } = planJob(job);
    if (detectorIds.length && !ac.signal.aborted) {
      const { report, runId, exitCode } = await checkRun(job, detectorIds, { ...opts, journalDir, argv, signal: ac.signal });
      if (report) result.check = report;
      result.runs.push({ runId, mode: 'check', exitCode });
    }
    if (playbooks.length && !ac.signal.aborted) {
      const dryRun = job.mode === 'check';
      let announced = false;
      const report = await runApply({
        inventory: job.inventory,
        targets: playbooks,
        limit: job.limit,
        dryRun,
        diff: dryRun,
        serial: job.serial,
        maxFailPercent: job.maxFailPercent,
        extraVars: job.extraVars,
        yes: false,
        confirm: scheduleConsent(job.name, log),
        journalDir,
        knownHosts: opts.knownHosts,
        connectTimeoutMs: opts.connectTimeoutMs,
        commandTimeoutMs: opts.commandTimeoutMs,
        argv,
        job: job.name,
        signal: ac.signal,
        shard: opts.shard,
        onRunStart: (runId) => {
          announced = true;
          opts.onRun?.(runId, dryRun ? 'dry-run' : 'apply');
        },
        log,
      });
      if (!announced) opts.onRun?.(report.runId, report.mode);
      result.apply = report;
      result.runs.push({ runId: report.runId, mode: report.mode === 'dry-run' ? 'dry-run' : 'apply', exitCode: report.exitCode });
    }
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  result.exitCode = worstExit(result.runs.map((r) => r.exitCode));
  if ((result.timedOut || result.aborted) && result.exitCode === EXIT.OK && result.runs.length === 0) result.exitCode = EXIT.FAILED;
  return result;
}

/**
 * Detectors as a journaled run of mode `check`: nothing changes, so the journal (hosts and
 * their verdicts, the end record) is written when the check is done.
 */
async function checkRun(
  job: ScheduleJob,
  ids: string[],
  opts: JobRunOptions & { journalDir: string; argv: string[]; signal: AbortSignal },
): Promise<{ report?: CheckReport; runId: string; exitCode: number }> {
  const runId = newRunId();
  const startedAt = new Date().toISOString();
  opts.onRun?.(runId, 'check');
  opts.log(`run ${runId} (check) of job '${job.name}': detectors ${ids.join(', ')}`);
  const aborted = new Promise<'aborted'>((resolve) => {
    if (opts.signal.aborted) resolve('aborted');
    opts.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  // runCheck is read-only and has no abort: a stopped or timed-out check is abandoned.
  const outcome = await Promise.race([
    runCheck({ inventory: job.inventory, ids, limit: job.limit, extraVars: job.extraVars, knownHosts: opts.knownHosts, connectTimeoutMs: opts.connectTimeoutMs, shard: opts.shard }),
    aborted,
  ]);
  const journal = Journal.create(opts.journalDir, {
    runId,
    mode: 'check',
    startedAt,
    argv: opts.argv,
    inventory: path.resolve(job.inventory),
    playbooks: ids.map((id) => `${id} (detector)`),
    job: job.name,
    hosts: {},
    ...(outcome !== 'aborted' && outcome.shard ? { shard: outcome.shard } : {}),
  });
  try {
    if (outcome === 'aborted') {
      journal.append({ type: 'end', summary: { affected: 0, clean: 0, unreachable: 0, hosts: 0 }, exitCode: EXIT.FAILED });
      opts.log(`run ${runId} (check): stopped before the detectors finished`);
      return { runId, exitCode: EXIT.FAILED };
    }
    let affected = 0;
    let clean = 0;
    let unreachable = 0;
    for (const [h, row] of Object.entries(outcome.hosts)) {
      const hit = Object.entries(row.results).filter(([, r]) => r.status === 'affected').map(([id]) => id);
      const status = !row.reachable ? 'unreachable' : hit.length ? 'affected' : 'clean';
      if (status === 'unreachable') unreachable++;
      else if (status === 'affected') affected++;
      else clean++;
      journal.append({ type: 'host-result', host: h, status, ...(row.error ? { error: row.error } : hit.length ? { error: `affected by ${hit.join(', ')}` } : {}) });
      if (!row.reachable) opts.log(`UNREACHABLE ${h}: ${row.error}`);
      for (const [id, r] of Object.entries(row.results)) if (r.status !== 'clean') opts.log(`${r.status.padEnd(9)} ${h} ${id}: ${r.evidence}`);
    }
    journal.append({ type: 'end', summary: { affected, clean, unreachable, hosts: affected + clean + unreachable }, exitCode: outcome.exitCode });
    opts.log(`check ${runId}: affected=${affected} clean=${clean} unreachable=${unreachable}`);
    return { report: outcome, runId, exitCode: outcome.exitCode };
  } finally {
    journal.close();
  }
}

/** An ExitError for `schedule once` from a job result (exit code like apply / check). */
export function exitFor(result: JobRunResult): ExitError | undefined {
  return result.exitCode ? new ExitError(result.exitCode, '') : undefined;
}
