/**
 * `crane-fix schedule validate|list|run|once|install|history`: scheduled maintenance jobs.
 * See docs/schedule.md. Exit codes: validate/list/install 0 or 1 (bad file, with
 * file:line:col); once like apply (0, 1, 2, 4) or check (3); run 0 after a clean stop.
 */
import type { Command } from 'commander';
import { EXIT, ExitError, InputError, type SourcePos } from '../errors.js';
import { defaultJournalDir } from '../journal/journal.js';
import { checkSchedule, loadSchedule } from '../schedule/load.js';
import { formatInZone, localTimezone, nextFires } from '../schedule/cron.js';
import { formatDuration } from '../schedule/duration.js';
import { runJob, type JobRunResult } from '../schedule/runner.js';
import { Scheduler } from '../schedule/scheduler.js';
import { ScheduleRecords, readScheduleEvents, type ScheduleEvent } from '../schedule/records.js';
import { acquireJobLock } from '../schedule/lock.js';
import { crontabEntry, k8sCronJob, systemdUnits } from '../schedule/install.js';
import { k8sShardJob } from '../schedule/k8sJob.js';
import { writeFileAtomic } from './writeAtomic.js';
import type { Schedule, ScheduleJob } from '../schedule/types.js';
import { jsonReport } from './apply.js';
import { humanLog, installSignalHandlers } from './io.js';
import { parseShard } from '../inventory/shard.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function numOpt(flag: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!v.trim() || !Number.isFinite(n) || n < min) throw new InputError(`expects a number >= ${min}, got ${JSON.stringify(v)}`, { flag });
    return n;
  };
}

function intOpt(flag: string, min = 1) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new InputError(`expects a whole number >= ${min}, got ${JSON.stringify(v)}`, { flag });
    return Number(v);
  };
}

function errorJson(e: InputError): { file?: string; line?: number; col?: number; message: string } {
  const w = e.where as SourcePos | { flag: string } | undefined;
  if (w && 'file' in w) return { file: w.file, line: w.line, col: w.col, message: e.detail };
  return { message: e.message };
}

function describeJob(j: ScheduleJob): string {
  return [
    `${j.mode}`,
    [...j.fixes, ...j.playbooks.map((p) => p.split('/').pop())].join(','),
    j.limit ? `limit=${j.limit}` : '',
    j.serial ? `serial=${j.serial}` : '',
    j.jitterMs ? `jitter=${formatDuration(j.jitterMs)}` : '',
    j.timeoutMs ? `timeout=${formatDuration(j.timeoutMs)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function fromOpt(v?: string): Date {
  if (v === undefined) return new Date();
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InputError(`expects an ISO date-time like 2024-03-31T00:00:00Z, got ${JSON.stringify(v)}`, { flag: '--from' });
  return new Date(t);
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

function onceJson(r: JobRunResult): string {
  return (
    JSON.stringify(
      {
        job: r.job,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        aborted: r.aborted,
        runs: r.runs,
        ...(r.apply ? { apply: JSON.parse(jsonReport(r.apply)) } : {}),
        ...(r.check ? { check: r.check } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('Scheduled maintenance jobs: validate, list, run, once, install, history (docs/schedule.md)');

  schedule
    .command('validate')
    .description('Check a schedule file: shape, cron, time zones, inventories, fixes, playbooks; refuse destructive steps')
    .argument('<file>', 'schedule file (YAML)')
    .option('--json', 'JSON on stdout')
    .action((file: string, o) => {
      const { schedule: s, errors } = checkSchedule(file, { deep: true });
      if (o.json) {
        process.stdout.write(
          JSON.stringify(
            {
              file: s.file,
              valid: errors.length === 0,
              jobs: s.jobs.map((j) => ({ name: j.name, mode: j.mode, cron: j.cron, timezone: j.timezone ?? null, next: nextFires(j.cron, j.timezone, 1, new Date())[0]?.toISOString() ?? null })),
              errors: errors.map(errorJson),
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        for (const e of errors) process.stderr.write(`${e.message}\n`);
        if (!errors.length) {
          console.log(`${s.file}: ${s.jobs.length} job(s), valid`);
          for (const j of s.jobs) {
            const next = nextFires(j.cron, j.timezone, 1, new Date())[0];
            console.log(`  ${j.name.padEnd(24)} ${j.cron.padEnd(20)} ${describeJob(j)}; next ${next ? formatInZone(next, j.timezone ?? localTimezone()) : 'never'}`);
          }
        }
      }
      if (errors.length) throw new ExitError(EXIT.INPUT, `${errors.length} problem(s) in ${s.file}`);
    });

  schedule
    .command('list')
    .description("Each job's next fire times, in its time zone")
    .argument('<file>', 'schedule file')
    .option('-n, --count <n>', 'fire times per job', intOpt('--count'), 5)
    .option('--from <iso-time>', 'list times after this instant instead of now')
    .option('--job <name>', 'only this job')
    .option('--json', 'JSON on stdout')
    .action((file: string, o) => {
      const s = loadSchedule(file);
      const from = fromOpt(o.from);
      let jobs = s.jobs;
      if (o.job !== undefined) {
        jobs = jobs.filter((j) => j.name === o.job);
        if (!jobs.length) throw new InputError(`no job named ${JSON.stringify(o.job)}; jobs: ${s.jobs.map((j) => j.name).join(', ')}`, { flag: '--job' });
      }
      const rows = jobs.map((j) => {
        const tz = j.timezone ?? localTimezone();
        const times = nextFires(j.cron, j.timezone, o.count, from);
        return { name: j.name, cron: j.cron, timezone: tz, mode: j.mode, next: times.map((t) => ({ local: formatInZone(t, tz), utc: t.toISOString() })) };
      });
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) {
        console.log(`${r.name}  ${r.cron}  (${r.timezone})  ${r.mode}`);
        if (!r.next.length) console.log('  never fires');
        for (const t of r.next) console.log(`  ${t.local}  ${t.utc}`);
      }
    });

  schedule
    .command('run')
    .description('Run the scheduler (long-running): fire jobs at their times; never overlap a job; SIGTERM/SIGINT stop it cleanly')
    .argument('<file>', 'schedule file')
    .option('--journal-dir <dir>', 'where runs (and the scheduler record) are journaled')
    .option('--grace <s>', 'after SIGTERM/SIGINT, how long running jobs may take to finish before they are stopped and restore', numOpt('--grace'), 30)
    .option('--restore-wait <s>', 'then how long to wait for them to restore', numOpt('--restore-wait'), 120)
    .option('--known-hosts <file>', 'known_hosts file(s)', collect, [])
    .option('--connect-timeout <s>', 'SSH connect timeout in seconds', numOpt('--connect-timeout', 1), 10)
    .option('--timeout <s>', 'per-command timeout in seconds', numOpt('--timeout', 1), 300)
    .action(async (file: string, o) => {
      const s = loadSchedule(file, { deep: true });
      const journalDir = o.journalDir ?? defaultJournalDir();
      const records = new ScheduleRecords(journalDir);
      const log = (line: string) => process.stdout.write(line + '\n');
      const scheduler = new Scheduler(s, {
        runJob: (job, ctx) =>
          runJob(job, {
            schedule: s,
            journalDir,
            knownHosts: o.knownHosts,
            connectTimeoutMs: o.connectTimeout * 1000,
            commandTimeoutMs: o.timeout * 1000,
            log: ctx.log,
            signal: ctx.signal,
            onRun: ctx.onRun,
          }),
        log,
        record: (ev: ScheduleEvent) => {
          try {
            records.append(ev);
          } catch (err) {
            log(`warning: cannot write the scheduler record: ${(err as Error).message}`);
          }
        },
        lockDir: journalDir,
      });
      records.append({ type: 'scheduler-start', schedule: s.file, pid: process.pid, jobs: s.jobs.map((j) => j.name) });
      log(`${new Date().toISOString()} scheduler started: ${s.jobs.length} job(s) from ${s.file}; pid ${process.pid}; journal ${journalDir}`);
      scheduler.start();
      let signals = 0;
      let handler: (sig: NodeJS.Signals) => void = () => {};
      const { abandoned } = await new Promise<{ abandoned: string[] }>((resolve, reject) => {
        handler = (sig) => {
          signals++;
          if (signals === 1) {
            log(`${new Date().toISOString()} ${sig}: stopping the scheduler`);
            scheduler.stop({ graceMs: o.grace * 1000, restoreWaitMs: o.restoreWait * 1000, signal: sig }).then(resolve, reject);
          } else if (signals === 2) {
            log(`${new Date().toISOString()} ${sig} again: stopping running jobs now (they restore what they changed)`);
            scheduler.hurry();
          } else {
            log(`${new Date().toISOString()} ${sig} a third time: exiting without waiting for running jobs`);
            scheduler.abandon();
          }
        };
        process.on('SIGINT', handler);
        process.on('SIGTERM', handler);
      });
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      records.close();
      if (abandoned.length) throw new ExitError(EXIT.FAILED, `abandoned running job(s) ${abandoned.join(', ')}: see crane-fix runs --journal-dir ${journalDir}`);
    });

  schedule
    .command('once')
    .description('Run one job now (what cron, systemd and Kubernetes call); exit code like apply (check mode: like check)')
    .argument('<file>', 'schedule file')
    .argument('<job>', 'job name')
    .option('--journal-dir <dir>', 'where runs are journaled')
    .option('--json', 'one JSON document on stdout; human output on stderr')
    .option('--jitter', "first wait a random time up to the job's jitter (for cron and Kubernetes)")
    .option('--no-lock', "do not take the job's lock (Kubernetes: concurrencyPolicy Forbid does that)")
    .option('--known-hosts <file>', 'known_hosts file(s)', collect, [])
    .option('--connect-timeout <s>', 'SSH connect timeout in seconds', numOpt('--connect-timeout', 1), 10)
    .option('--timeout <s>', 'per-command timeout in seconds', numOpt('--timeout', 1), 300)
    .option('--shard <i/n>', "only shard i of n (1-based) of the job's hosts (docs/shard.md); each shard takes a lock of its own", (v: string) => parseShard(v))
    .action(async (file: string, jobName: string, o) => {
      const s: Schedule = loadSchedule(file, { deep: true, only: jobName });
      const job = s.jobs.find((j) => j.name === jobName)!;
      const journalDir = o.journalDir ?? defaultJournalDir();
      const out = humanLog(Boolean(o.json));
      const records = new ScheduleRecords(journalDir);
      const scheduledFor = new Date().toISOString();
      const record = (ev: ScheduleEvent) => {
        try {
          records.append(ev);
        } catch (err) {
          out(`warning: cannot write the scheduler record: ${(err as Error).message}`);
        }
      };
      let lock: ReturnType<typeof acquireJobLock> | undefined;
      if (o.lock !== false) {
        const maxHoldMs = job.timeoutMs ? job.jitterMs + job.timeoutMs + 15 * 60_000 : 24 * 3600_000;
        // Shards of one job run at the same time by design: each has a lock of its own.
        const lockName = o.shard ? `${job.name}.shard-${o.shard.index + 1}-of-${o.shard.count}` : job.name;
        lock = acquireJobLock(journalDir, s.file, lockName, { maxHoldMs, by: 'schedule once' });
        if (!lock.ok) {
          const h = lock.heldBy;
          const reason = `locked by ${h.by} (pid ${h.pid} on ${h.host})`;
          record({ type: 'skip', schedule: s.file, job: job.name, scheduledFor, reason, runningSince: h.startedAt, runningPid: h.pid, runIds: h.runIds });
          process.stderr.write(`crane-fix: skipped job '${job.name}': its previous run is still going (${h.by}, pid ${h.pid} on ${h.host}, since ${h.startedAt}${h.runIds.length ? `, run ${h.runIds.join(', ')}` : ''}); recorded in ${journalDir}/schedule/events.jsonl\n`);
          if (o.json) process.stdout.write(JSON.stringify({ job: job.name, skipped: true, reason, runningSince: h.startedAt, runIds: h.runIds }, null, 2) + '\n');
          records.close();
          return;
        }
      }
      const signals = installSignalHandlers(out);
      const runIds: string[] = [];
      try {
        const jitter = o.jitter && job.jitterMs ? Math.floor(Math.random() * job.jitterMs) : 0;
        record({ type: 'fire', schedule: s.file, job: job.name, scheduledFor, jitterMs: jitter });
        if (jitter) {
          out(`job '${job.name}': starting in ${formatDuration(jitter)} (jitter)`);
          await sleep(jitter, signals.signal);
          if (signals.signal.aborted) {
            record({ type: 'cancelled', schedule: s.file, job: job.name, scheduledFor, reason: 'signal during jitter' });
            throw new ExitError(EXIT.FAILED, `job '${job.name}' cancelled before it started`);
          }
        }
        const t0 = Date.now();
        let result: JobRunResult;
        try {
          result = await runJob(job, {
            schedule: s,
            journalDir,
            knownHosts: o.knownHosts,
            connectTimeoutMs: o.connectTimeout * 1000,
            commandTimeoutMs: o.timeout * 1000,
            log: out,
            signal: signals.signal,
            argv: process.argv.slice(2),
            shard: o.shard,
            onRun: (runId, mode) => {
              runIds.push(runId);
              if (lock?.ok) lock.lock.addRun(runId);
              record({ type: 'run', schedule: s.file, job: job.name, runId, mode });
            },
          });
        } catch (err) {
          const code = err instanceof ExitError ? err.code : 70;
          record({ type: 'error', schedule: s.file, job: job.name, scheduledFor, exitCode: code, error: (err as Error).message, runIds });
          throw err;
        }
        record({
          type: 'finish',
          schedule: s.file,
          job: job.name,
          scheduledFor,
          exitCode: result.exitCode,
          runIds: result.runs.map((r) => r.runId),
          timedOut: result.timedOut,
          aborted: result.aborted,
          durationMs: Date.now() - t0,
        });
        if (o.json) process.stdout.write(onceJson(result));
        if (result.exitCode) throw new ExitError(result.exitCode, result.timedOut ? `job '${job.name}' timed out after ${formatDuration(job.timeoutMs!)}` : '');
      } finally {
        signals.dispose();
        if (lock?.ok) lock.lock.release();
        records.close();
      }
    });

  schedule
    .command('install')
    .description('Print what runs a job from systemd (service + timer), cron (a crontab entry) or Kubernetes (a CronJob, or an Indexed Job of --shards pods)')
    .argument('<file>', 'schedule file')
    .argument('<job>', 'job name')
    .option('--systemd', 'a service and a timer unit')
    .option('--cron', 'a crontab entry')
    .option('--k8s-cronjob', 'a Kubernetes CronJob manifest (concurrencyPolicy: Forbid)')
    .option('--bin <path>', 'crane-fix executable to call (default: this node and this package)')
    .option('--journal-dir <dir>', 'journal dir the installed job uses (systemd, cron)')
    .option('--image <ref>', 'container image with crane-fix (Kubernetes)', 'crane-fix:0.1.0')
    .option('--namespace <ns>', 'namespace (Kubernetes)', 'crane-fix')
    .option('--k8s-job', 'a Kubernetes Indexed Job of --shards pods, each running one shard, and/or a CronJob creating it (docs/shard.md)')
    .option('--shards <n>', 'with --k8s-job: how many shards (completions)', intOpt('--shards'))
    .option('--parallelism <n>', 'with --k8s-job: pods at once (default: every shard)', intOpt('--parallelism'))
    .option('--k8s-kind <kind>', 'with --k8s-job: job, cronjob or both', 'both')
    .option('--schedule <cron>', "with --k8s-job: the CronJob's 5-field schedule (default: the job's cron)")
    .option('--out <file>', 'write to this file (atomically) instead of stdout')
    .action((file: string, jobName: string, o) => {
      const targets = [o.systemd && '--systemd', o.cron && '--cron', o.k8sCronjob && '--k8s-cronjob', o.k8sJob && '--k8s-job'].filter(Boolean);
      if (targets.length !== 1) throw new InputError('choose exactly one of --systemd, --cron, --k8s-cronjob, --k8s-job', { flag: 'schedule install' });
      if (!o.k8sJob) {
        for (const f of ['shards', 'parallelism', 'schedule'] as const) if (o[f] !== undefined) throw new InputError(`only goes with --k8s-job`, { flag: `--${f}` });
      } else {
        if (o.shards === undefined) throw new InputError('--k8s-job needs --shards <n> (how many pods split the hosts)', { flag: '--shards' });
        if (!['job', 'cronjob', 'both'].includes(o.k8sKind)) throw new InputError(`expects job, cronjob or both, got ${JSON.stringify(o.k8sKind)}`, { flag: '--k8s-kind' });
      }
      const s = loadSchedule(file, { deep: true, only: jobName });
      const job = s.jobs.find((j) => j.name === jobName)!;
      const opts = { command: o.bin ? [o.bin] : undefined, journalDir: o.journalDir, image: o.image, namespace: o.namespace };
      let text: string;
      if (o.systemd) {
        const u = systemdUnits(s, job, opts);
        text = `${u.service}\n${u.timer}`;
      } else if (o.cron) text = crontabEntry(s, job, opts);
      else if (o.k8sJob) text = k8sShardJob(s, job, { shards: o.shards, parallelism: o.parallelism, kind: o.k8sKind, schedule: o.schedule, image: o.image, namespace: o.namespace });
      else text = k8sCronJob(s, job, opts);
      if (o.out) {
        writeFileAtomic(o.out, text);
        process.stderr.write(`wrote ${o.out}\n`);
      } else process.stdout.write(text);
    });

  schedule
    .command('history')
    .description("The scheduler's record: fire times started, skipped (still running), finished, cancelled")
    .option('--journal-dir <dir>', 'where runs are journaled')
    .option('--job <name>', 'only this job')
    .option('--json', 'JSON on stdout')
    .action((o) => {
      const evs = readScheduleEvents(o.journalDir ?? defaultJournalDir()).filter((e) => o.job === undefined || ('job' in e.ev && e.ev.job === o.job));
      if (o.json) {
        process.stdout.write(JSON.stringify(evs.map((e) => ({ at: e.at, ...e.ev })), null, 2) + '\n');
        return;
      }
      if (!evs.length) console.log('no scheduler records yet');
      for (const { at, ev } of evs) {
        const job = 'job' in ev ? ` [${ev.job}]` : '';
        let detail = '';
        switch (ev.type) {
          case 'skip':
            detail = `skipped ${ev.scheduledFor}: ${ev.reason}${ev.runIds.length ? ` (run ${ev.runIds.join(', ')})` : ''}`;
            break;
          case 'finish':
            detail = `finished ${ev.scheduledFor}: exit ${ev.exitCode} in ${formatDuration(ev.durationMs)}${ev.timedOut ? ' (timed out)' : ''}${ev.aborted ? ' (stopped)' : ''}; runs ${ev.runIds.join(', ') || 'none'}`;
            break;
          case 'fire':
            detail = `fired ${ev.scheduledFor}${ev.jitterMs ? ` (+${formatDuration(ev.jitterMs)} jitter)` : ''}`;
            break;
          case 'run':
            detail = `run ${ev.runId} (${ev.mode})`;
            break;
          case 'cancelled':
            detail = `cancelled ${ev.scheduledFor}: ${ev.reason}`;
            break;
          case 'error':
            detail = `error ${ev.scheduledFor} (exit ${ev.exitCode}): ${ev.error}`;
            break;
          case 'scheduler-start':
            detail = `scheduler started (pid ${ev.pid}) for ${ev.schedule}: ${ev.jobs.join(', ')}`;
            break;
          case 'scheduler-stop':
            detail = `scheduler stopped (pid ${ev.pid})${ev.signal ? ` on ${ev.signal}` : ''}${ev.abandoned.length ? `; abandoned ${ev.abandoned.join(', ')}` : ''}`;
            break;
        }
        console.log(`${at}${job} ${detail}`);
      }
    });
}
