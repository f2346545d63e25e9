/**
 * The scheduler without SSH: a fake job runner whose runs end when the test says. Overlapping
 * fire times are skipped and recorded; a job locked by another process is skipped; stopping
 * waits out the grace period, then aborts runs (they restore) and waits for them; jitter;
 * errors; the job lock (stale pids); the record file; the run-time consent rule.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Scheduler, type RunContext } from '../../src/schedule/scheduler.js';
import { loadSchedule } from '../../src/schedule/load.js';
import { acquireJobLock, lockFile, type LockInfo } from '../../src/schedule/lock.js';
import { ScheduleRecords, readScheduleEvents, scheduleEventsFile, type ScheduleEvent } from '../../src/schedule/records.js';
import { runJob, scheduleConsent, worstExit, type JobRunResult } from '../../src/schedule/runner.js';

/** Temp dirs these tests make under /tmp, removed when the file is done. */
const made: string[] = [];
const mkTemp = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
import { ExitError } from '../../src/errors.js';
import type { ScheduleJob } from '../../src/schedule/types.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures', 'schedules');
const base = loadSchedule(path.join(FIX, 'valid.yaml'));

interface FakeRun {
  job: string;
  ctx: RunContext;
  finish: (exitCode?: number) => void;
  fail: (err: Error) => void;
}

function harness(jobs: Partial<ScheduleJob>[], opts: { lockDir?: string; random?: () => number; honourAbort?: boolean } = {}) {
  const schedule = { ...base, jobs: jobs.map((j, i) => ({ ...base.jobs[0]!, jitterMs: 0, timeoutMs: undefined, name: `job${i}`, ...j })) };
  const runs: FakeRun[] = [];
  const events: ScheduleEvent[] = [];
  const lines: string[] = [];
  let n = 0;
  const scheduler = new Scheduler(schedule, {
    log: (l) => lines.push(l),
    record: (ev) => events.push(ev),
    lockDir: opts.lockDir,
    random: opts.random,
    runJob: (job, ctx) =>
      new Promise<JobRunResult>((resolve, reject) => {
        const runId = `run-${++n}`;
        ctx.onRun(runId, 'apply');
        const done = (exitCode = 0, aborted = false) => resolve({ job: job.name, exitCode, runs: [{ runId, mode: 'apply', exitCode }], timedOut: false, aborted });
        // Like runApply: an abort makes the run stop between round trips, restore, and return.
        if (opts.honourAbort !== false) ctx.signal.addEventListener('abort', () => setTimeout(() => done(2, true), 20), { once: true });
        runs.push({ job: job.name, ctx, finish: (c) => done(c), fail: reject });
      }),
  });
  return { scheduler, runs, events, lines, schedule };
}

const tick = (h: ReturnType<typeof harness>, i: number, at: string) => h.scheduler.tick(h.schedule.jobs[i]!, new Date(at));
const settle = () => new Promise((r) => setTimeout(r, 10));

describe('scheduler: one run of a job at a time', () => {
  it('a fire time while the job is still running is skipped, logged and recorded; the next one after it ends runs', async () => {
    const h = harness([{}, {}]);
    expect(tick(h, 0, '2024-01-01T00:00:00Z')).toBe('started');
    await settle();
    expect(h.runs).toHaveLength(1);
    expect(tick(h, 0, '2024-01-01T00:00:02Z')).toBe('skipped');
    // Another job is independent.
    expect(tick(h, 1, '2024-01-01T00:00:02Z')).toBe('started');
    const skip = h.events.find((e) => e.type === 'skip')!;
    expect(skip).toMatchObject({ type: 'skip', job: 'job0', scheduledFor: '2024-01-01T00:00:02.000Z', reason: 'previous run still running', runIds: ['run-1'], runningPid: process.pid });
    expect(h.lines.some((l) => /\[job0\] skipped the 2024-01-01T00:00:02\.000Z run: the 2024-01-01T00:00:00\.000Z run \(run run-1\) is still running/.test(l))).toBe(true);
    h.runs[0]!.finish(0);
    await settle();
    expect(h.scheduler.busy()).toEqual(['job1']);
    expect(tick(h, 0, '2024-01-01T00:00:04Z')).toBe('started');
    await settle();
    expect(h.runs.map((r) => r.job)).toEqual(['job0', 'job1', 'job0']);
    expect(h.events.filter((e) => e.job === 'job0' && e.type !== 'run').map((e) => e.type)).toEqual(['fire', 'skip', 'finish', 'fire']);
    expect(h.events.find((e) => e.type === 'finish')).toMatchObject({ job: 'job0', scheduledFor: '2024-01-01T00:00:00.000Z', exitCode: 0, runIds: ['run-1'], timedOut: false, aborted: false });
  });

  it('a run that throws (bad input at run time) is recorded as an error and frees the job', async () => {
    const h = harness([{}]);
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    h.runs[0]!.fail(Object.assign(new Error('inventory.ini:3:1: bad line'), { code: 1 }));
    await settle();
    expect(h.events.at(-1)).toMatchObject({ type: 'error', job: 'job0', exitCode: 1, error: 'inventory.ini:3:1: bad line', runIds: ['run-1'] });
    expect(h.scheduler.busy()).toEqual([]);
  });

  it('jitter delays the start; a job waiting out its jitter counts as running', async () => {
    const h = harness([{ jitterMs: 200 }], { random: () => 0.5 });
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    expect(h.runs).toHaveLength(0);
    expect(h.events[0]).toMatchObject({ type: 'fire', jitterMs: 100 });
    expect(tick(h, 0, '2024-01-01T00:00:01Z')).toBe('skipped');
    await new Promise((r) => setTimeout(r, 150));
    expect(h.runs).toHaveLength(1);
    h.runs[0]!.finish();
  });
});

describe('scheduler: stopping', () => {
  it('no new runs once stopping; a run that ends within the grace period is not disturbed', async () => {
    const h = harness([{}]);
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    const stopped = h.scheduler.stop({ graceMs: 1000, restoreWaitMs: 1000, signal: 'SIGTERM' });
    expect(tick(h, 0, '2024-01-01T00:00:02Z')).toBe('stopping');
    setTimeout(() => h.runs[0]!.finish(0), 50);
    expect(await stopped).toEqual({ abandoned: [] });
    expect(h.runs[0]!.ctx.signal.aborted).toBe(false);
    expect(h.events.at(-1)).toMatchObject({ type: 'scheduler-stop', signal: 'SIGTERM', abandoned: [] });
    expect(h.events.find((e) => e.type === 'finish')).toMatchObject({ exitCode: 0, aborted: false });
  });

  it('after the grace period running jobs are told to stop; they restore and the scheduler waits for that', async () => {
    const h = harness([{}]);
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    const t0 = Date.now();
    const res = await h.scheduler.stop({ graceMs: 100, restoreWaitMs: 2000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(res).toEqual({ abandoned: [] });
    expect(h.runs[0]!.ctx.signal.aborted).toBe(true);
    expect(h.events.find((e) => e.type === 'finish')).toMatchObject({ exitCode: 2, aborted: true });
    expect(h.lines.some((l) => /stopping job0 between round trips and restoring what it changed/.test(l))).toBe(true);
  });

  it('hurry() (a second signal) ends the grace period at once', async () => {
    const h = harness([{}]);
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    const t0 = Date.now();
    const p = h.scheduler.stop({ graceMs: 60_000, restoreWaitMs: 60_000 });
    setTimeout(() => h.scheduler.hurry(), 30);
    expect(await p).toEqual({ abandoned: [] });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(h.runs[0]!.ctx.signal.aborted).toBe(true);
  });

  it('a run that does not return after being stopped is abandoned (and said so)', async () => {
    const h = harness([{}], { honourAbort: false });
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    expect(await h.scheduler.stop({ graceMs: 20, restoreWaitMs: 50 })).toEqual({ abandoned: ['job0'] });
    expect(h.events.at(-1)).toMatchObject({ type: 'scheduler-stop', abandoned: ['job0'] });
    expect(h.lines.some((l) => /\[job0\] abandoned while running: its journal \(run run-1\) may lack an end record; crane-fix rollback <run-id> restores it/.test(l))).toBe(true);
  });

  it('stopping during jitter cancels the run before it starts', async () => {
    const h = harness([{ jitterMs: 10_000 }], { random: () => 0.99 });
    tick(h, 0, '2024-01-01T00:00:00Z');
    await settle();
    expect(await h.scheduler.stop({ graceMs: 10, restoreWaitMs: 1000 })).toEqual({ abandoned: [] });
    expect(h.runs).toHaveLength(0);
    expect(h.events.map((e) => e.type)).toEqual(['fire', 'cancelled', 'scheduler-stop']);
  });
});

describe('scheduler: real timers (croner)', () => {
  it('fires every second; a run longer than the interval makes the next fire times skip', async () => {
    const h = harness([{ cron: '* * * * * *', timezone: undefined }]);
    h.scheduler.start();
    try {
      await new Promise((r) => setTimeout(r, 1100));
      expect(h.runs).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1100));
      expect(h.runs).toHaveLength(1); // still running: this fire time was skipped
      h.runs[0]!.finish(0);
      await new Promise((r) => setTimeout(r, 1100));
      expect(h.runs.length).toBe(2);
    } finally {
      h.runs.at(-1)!.finish(0);
      await h.scheduler.stop({ graceMs: 100, restoreWaitMs: 100 });
    }
    const skips = h.events.filter((e) => e.type === 'skip');
    expect(skips.length).toBeGreaterThanOrEqual(1);
    // Fire times are whole seconds, as croner computed them.
    for (const e of h.events) if ('scheduledFor' in e) expect(e.scheduledFor).toMatch(/\.000Z$/);
  });
});

describe('job lock (across processes)', () => {
  const tmp = () => mkTemp('lock-');

  it('a job held by another live process is skipped, with who holds it', async () => {
    const dir = tmp();
    const h = harness([{}], { lockDir: dir });
    const other = acquireJobLock(dir, h.schedule.file, 'job0', { maxHoldMs: 60_000, by: 'schedule once' });
    expect(other.ok).toBe(true);
    if (!other.ok) return;
    other.lock.addRun('20240101T000000Z-abcdef');
    expect(tick(h, 0, '2024-01-01T00:00:00Z')).toBe('skipped');
    expect(h.events[0]).toMatchObject({ type: 'skip', reason: `locked by schedule once (pid ${process.pid} on ${os.hostname()})`, runIds: ['20240101T000000Z-abcdef'] });
    other.lock.release();
    expect(fs.existsSync(other.lock.file)).toBe(false);
    expect(tick(h, 0, '2024-01-01T00:00:01Z')).toBe('started');
    await settle();
    // The scheduler holds the lock while its run goes, and records its run id in it.
    const held = JSON.parse(fs.readFileSync(lockFile(dir, h.schedule.file, 'job0'), 'utf8')) as LockInfo;
    expect(held).toMatchObject({ pid: process.pid, by: 'schedule run', runIds: ['run-1'] });
    h.runs[0]!.finish();
    await settle();
    expect(fs.existsSync(lockFile(dir, h.schedule.file, 'job0'))).toBe(false);
  });

  it('a lock left by a dead process is taken over; one whose pid was reused too', () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const file = lockFile(dir, '/x/schedule.yaml', 'j');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const stale: LockInfo = { pid: Number(dead.stdout), host: os.hostname(), job: 'j', schedule: '/x/schedule.yaml', startedAt: '2024-01-01T00:00:00Z', expiresAt: '2999-01-01T00:00:00Z', runIds: [], by: 'schedule once' };
    fs.writeFileSync(file, JSON.stringify(stale));
    const a = acquireJobLock(dir, '/x/schedule.yaml', 'j', { maxHoldMs: 1000, by: 'test' });
    expect(a.ok).toBe(true);
    if (a.ok) a.lock.release();
    // Our own pid, but a different process start time: the pid was reused, the lock is stale.
    fs.writeFileSync(file, JSON.stringify({ ...stale, pid: process.pid, procStart: '1' }));
    expect(acquireJobLock(dir, '/x/schedule.yaml', 'j', { maxHoldMs: 1000, by: 'test' }).ok).toBe(true);
  });

  it('a lock from another host holds until it expires', () => {
    const dir = tmp();
    const file = lockFile(dir, '/x/s.yaml', 'j');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const info: LockInfo = { pid: 1, host: 'some-other-pod', job: 'j', schedule: '/x/s.yaml', startedAt: '2024-01-01T00:00:00Z', expiresAt: '2024-01-01T01:00:00Z', runIds: ['r1'], by: 'schedule once' };
    fs.writeFileSync(file, JSON.stringify(info));
    const held = acquireJobLock(dir, '/x/s.yaml', 'j', { maxHoldMs: 1000, by: 'test', now: new Date('2024-01-01T00:30:00Z') });
    expect(held).toMatchObject({ ok: false, heldBy: { host: 'some-other-pod', runIds: ['r1'] } });
    expect(acquireJobLock(dir, '/x/s.yaml', 'j', { maxHoldMs: 1000, by: 'test', now: new Date('2024-01-01T01:00:01Z') }).ok).toBe(true);
  });

  it('locks are per schedule file and job', () => {
    const dir = tmp();
    const a = acquireJobLock(dir, '/x/a.yaml', 'j', { maxHoldMs: 1000, by: 't' });
    expect(acquireJobLock(dir, '/x/b.yaml', 'j', { maxHoldMs: 1000, by: 't' }).ok).toBe(true);
    expect(acquireJobLock(dir, '/x/a.yaml', 'k', { maxHoldMs: 1000, by: 't' }).ok).toBe(true);
    expect(acquireJobLock(dir, '/x/a.yaml', 'j', { maxHoldMs: 1000, by: 't' }).ok).toBe(false);
    expect(a.ok).toBe(true);
  });
});

describe('scheduler record file', () => {
  it('appends under <journal-dir>/schedule/ (0700/0600); a torn last line is ignored', () => {
    const dir = mkTemp('rec-');
    const r = new ScheduleRecords(path.join(dir, 'runs'));
    r.append({ type: 'scheduler-start', schedule: '/s.yaml', pid: 1, jobs: ['a'] });
    r.append({ type: 'skip', schedule: '/s.yaml', job: 'a', scheduledFor: 'x', reason: 'previous run still running', runIds: ['r'] });
    r.close();
    const file = scheduleEventsFile(path.join(dir, 'runs'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    fs.appendFileSync(file, '{"at":"2024-');
    const evs = readScheduleEvents(path.join(dir, 'runs'));
    expect(evs.map((e) => e.ev.type)).toEqual(['scheduler-start', 'skip']);
    expect(readScheduleEvents(path.join(dir, 'nothing-here'))).toEqual([]);
  });
});

describe('run-time consent', () => {
  it('yes to irreversible steps (the schedule file is the consent), no to destructive ones', async () => {
    const lines: string[] = [];
    const consent = scheduleConsent('nightly', (l) => lines.push(l));
    expect(await consent('Irreversible steps (sync and drop the page cache) will run on 3 host(s). Continue?')).toBe(true);
    expect(await consent('DESTRUCTIVE steps (make a fresh filesystem) will run on 3 host(s). Type the number of hosts to continue', '3')).toBe(false);
    expect(lines[0]).toMatch(/^consent: the schedule file allows irreversible steps for job 'nightly'/);
    expect(lines[1]).toMatch(/^refusing: job 'nightly' reached a destructive step at run time/);
  });

  it('a playbook edited after validation to do something destructive is refused at run time, before any host is contacted', async () => {
    const dir = mkTemp('consent-');
    fs.copyFileSync(path.join(FIX, 'inventory.ini'), path.join(dir, 'inventory.ini'));
    fs.copyFileSync(path.join(FIX, 'playbooks', 'slow.yaml'), path.join(dir, 'job.yaml'));
    fs.writeFileSync(
      path.join(dir, 'schedule.yaml'),
      'jobs:\n  - name: edited\n    cron: "0 3 * * *"\n    inventory: inventory.ini\n    playbooks: [job.yaml]\n    extraVars: {xfs_device: /dev/loop99}\n    mode: apply\n',
    );
    const s = loadSchedule(path.join(dir, 'schedule.yaml'), { deep: true });
    fs.copyFileSync(path.join(FIX, 'playbooks', 'wipe.yaml'), path.join(dir, 'job.yaml'));
    const lines: string[] = [];
    const journalDir = path.join(dir, 'runs');
    const err = await runJob(s.jobs[0]!, { schedule: s, journalDir, log: (l) => lines.push(l) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).code).toBe(1);
    expect((err as ExitError).message).toMatch(/^refusing to run irreversible\/destructive steps without --yes: make a fresh filesystem/);
    expect(lines.some((l) => /^refusing: job 'edited' reached a destructive step at run time \(DESTRUCTIVE steps \(make a fresh filesystem\) will run on 3 host\(s\)\)/.test(l))).toBe(true);
    // Nothing journaled: no run started.
    expect(fs.existsSync(journalDir) ? fs.readdirSync(journalDir) : []).toEqual([]);
  });

  it('exit codes combine like apply and check: failed > affected > unreachable > ok', () => {
    expect(worstExit([])).toBe(0);
    expect(worstExit([0, 4])).toBe(4);
    expect(worstExit([4, 3])).toBe(3);
    expect(worstExit([3, 2, 4])).toBe(2);
  });
});
