/**
 * Issue 6 on real lab nodes, through the real CLI: a scheduler process (`schedule run`) with a
 * 2-second cron applies a fix, journals every run with its job name, skips fire times that
 * come while a run is still going (and records the skips), and stops cleanly on SIGTERM —
 * letting the current run finish within the grace period, or, with no grace, stopping it
 * between round trips so it restores, leaving a journal `crane-fix rollback` can use.
 * Plus `schedule once` (check and apply, its job lock) and `schedule validate` on the lab.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { CLI, skipReason, connectionsSeen } from './labHelpers.js';

const DIR = '/tmp/crane-fix-test-schedule';
const CLI_PATH = CLI;
const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function run(args: string[], timeoutMs = 50_000): Promise<{ code: number | null; stdout: string; stderr: string; json?: any }> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  let json: any;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout);
    } catch {
      /* left undefined: the test asserts on it */
    }
  }
  return { code, stdout, stderr, json };
}

/** Resolve with `fn()`'s value once it is truthy; fail after `ms`. */
async function waitFor<T>(what: string, fn: () => T | undefined | false, ms: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function exitWithin(p: Proc, ms: number): Promise<number | null> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

function records(journal: string): any[] {
  try {
    return fs
      .readFileSync(path.join(journal, 'schedule', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

function runEvents(journal: string, runId: string): any[] {
  try {
    return fs
      .readFileSync(path.join(journal, runId, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l).ev);
  } catch {
    return [];
  }
}

async function fileState(n: LabNode, files: string[]): Promise<string> {
  const r = await nodeExec(n, files.map((f) => `if [ -e ${f} ]; then stat -c '%n %a %u %g %s' ${f}; sha256sum ${f}; else echo "${f} absent"; fi`).join('; '));
  return r.stdout;
}

describe.skipIf(skipReason)('schedule on real SSH nodes', () => {
  let state: LabState;
  let work: string;
  const procs: Proc[] = [];
  const journalFor = (name: string) => path.join(work, `journal-${name}`);

  beforeAll(async () => {
    state = await labUp({ nodes: 3, dir: DIR, disks: false, subnet: 3 });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-schedule-'));
    fs.writeFileSync(path.join(work, 'slow.yaml'), '- name: slow and harmless\n  hosts: all\n  tasks:\n    - name: take a while\n      command: sleep 4\n');
    fs.writeFileSync(
      path.join(work, 'marker.yaml'),
      [
        '- name: two markers with a pause between them',
        '  hosts: all',
        '  tasks:',
        '    - name: write the first marker',
        '      copy: {dest: /etc/crane-fix-marker, content: "scheduled\\n"}',
        '    - name: take a while',
        '      command: sleep 4',
        // Judged at run time (register): the second marker goes in a second round trip.
        '      register: paused',
        '    - name: write the second marker',
        '      copy: {dest: /etc/crane-fix-marker2, content: "done\\n"}',
        '',
      ].join('\n'),
    );
    const inv = state.inventoryIni;
    const job = (name: string, body: string) => `  - name: ${name}\n    inventory: ${inv}\n${body}`;
    fs.writeFileSync(
      path.join(work, 'scheduler.yaml'),
      'jobs:\n' +
        job('dns', '    cron: "*/2 * * * * *"\n    fixes: [clusterip-dns]\n    limit: node01,node02\n    extraVars: {dns_cluster_ip: 10.9.0.10}\n    mode: apply\n') +
        job('slow', '    cron: "*/2 * * * * *"\n    playbooks: [slow.yaml]\n    limit: node03\n    mode: apply\n'),
    );
    fs.writeFileSync(path.join(work, 'marker.yaml.schedule'), 'jobs:\n' + job('marker', '    cron: "*/2 * * * * *"\n    playbooks: [marker.yaml]\n    limit: node03\n    mode: apply\n'));
    fs.writeFileSync(
      path.join(work, 'once.yaml'),
      'jobs:\n' +
        job('trim-check', '    cron: "0 3 * * *"\n    fixes: [resolv-conf-trim]\n    mode: check\n') +
        job('trim', '    cron: "0 3 * * *"\n    fixes: [resolv-conf-trim]\n    mode: apply\n    timezone: Asia/Shanghai\n'),
    );
    fs.writeFileSync(
      path.join(work, 'destructive.yaml'),
      'jobs:\n' + job('lower', '    cron: "0 3 * * *"\n    fixes: [resolv-conf-trim, hostname-lowercase]\n    mode: apply\n'),
    );
    const help = await run(['--help']);
    if (!/^\s+schedule\b/m.test(help.stdout)) throw new Error(`${CLI_PATH} has no 'schedule' command: register it in src/cli/commands.ts (registerSchedule)\n${help.stderr}`);
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await labDown({ dir: DIR });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('validate refuses a destructive job with file:line:col and contacts no node', async () => {
    const before = state.nodes.map(connectionsSeen);
    const r = await run(['schedule', 'validate', path.join(work, 'destructive.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(work, 'destructive.yaml')}:5:31: job 'lower': fix 'hostname-lowercase' is destructive`);
    const ok = await run(['schedule', 'validate', path.join(work, 'scheduler.yaml')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/2 job\(s\), valid/);
    expect(state.nodes.map(connectionsSeen)).toEqual(before);
  });

  it('schedule run: applies a fix, journals each run with its job, skips overlapping ticks, stops on SIGTERM (exit 0)', async () => {
    const journal = journalFor('run');
    const file = path.join(work, 'scheduler.yaml');
    const before3 = await fileState(state.nodes[2]!, [KUBELET_CONFIG]);
    const p = start(['schedule', 'run', file, '--journal-dir', journal, '--grace', '30']);
    procs.push(p);
    // A slow run in flight: `schedule once` of the same job must skip (the job's lock), not run alongside.
    const slowRun = await waitFor(
      'a run of job slow in flight',
      () => {
        const evs = records(journal);
        const started = evs.filter((e) => e.ev.type === 'run' && e.ev.job === 'slow').map((e) => e.ev.runId);
        const done = new Set(evs.filter((e) => e.ev.type === 'finish' && e.ev.job === 'slow').flatMap((e) => e.ev.runIds));
        return started.find((id: string) => !done.has(id));
      },
      20_000,
    );
    const once = await run(['schedule', 'once', file, 'slow', '--journal-dir', journal]);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stderr).toMatch(/skipped job 'slow': its previous run is still going \(schedule run, pid \d+/);
    await waitFor(
      'dns finished, slow finished and skipped',
      () => {
        const evs = records(journal).map((e) => e.ev);
        return (
          evs.some((e) => e.type === 'finish' && e.job === 'dns' && e.exitCode === 0) &&
          evs.some((e) => e.type === 'finish' && e.job === 'slow' && e.exitCode === 0) &&
          evs.some((e) => e.type === 'skip' && e.job === 'slow' && e.reason === 'previous run still running')
        );
      },
      25_000,
    );
    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 20_000), p.out()).toBe(0);
    expect(p.out()).toMatch(/SIGTERM: stopping the scheduler/);

    const evs = records(journal).map((e) => e.ev);
    // Skips say which run they waited for; that run exists and finished.
    const skips = evs.filter((e) => e.type === 'skip' && e.job === 'slow' && e.reason === 'previous run still running');
    expect(skips.length).toBeGreaterThanOrEqual(1);
    expect(skips[0].runIds).toHaveLength(1);
    expect(p.out()).toMatch(/\[slow\] skipped the \S+ run: the \S+ run \(run \S+\) is still running since/);
    expect(evs.some((e) => e.type === 'skip' && e.job === 'slow' && /^locked by schedule run/.test(e.reason) && e.runIds.includes(slowRun))).toBe(true);
    expect(evs.at(-1)).toMatchObject({ type: 'scheduler-stop', signal: 'SIGTERM', abandoned: [] });
    // Never two runs of a job at once: each job's fire/finish alternate.
    for (const job of ['dns', 'slow']) {
      const seq = evs.filter((e) => e.job === job && (e.type === 'fire' || e.type === 'finish' || e.type === 'error')).map((e) => e.type);
      seq.forEach((t, i) => expect(t, `${job}: ${seq.join(',')}`).toBe(i % 2 === 0 ? 'fire' : 'finish'));
    }

    // Every run is journaled like apply, with its job name, and finished (an end record).
    const runs = await run(['runs', '--json', '--journal-dir', journal]);
    expect(runs.code, runs.stderr).toBe(0);
    const list = runs.json as any[];
    expect(list.every((r) => r.finished && r.mode === 'apply')).toBe(true);
    const dnsRuns = list.filter((r) => r.job === 'dns');
    const slowRuns = list.filter((r) => r.job === 'slow');
    expect(dnsRuns.length).toBeGreaterThanOrEqual(1);
    expect(slowRuns.length).toBeGreaterThanOrEqual(1);
    expect(list.length).toBe(dnsRuns.length + slowRuns.length);
    expect(dnsRuns[0]).toMatchObject({ exitCode: 0, summary: { changed: 2, failed: 0 }, hosts: { node01: 'changed', node02: 'changed' } });
    for (const r of dnsRuns.slice(1)) expect(r.summary).toMatchObject({ changed: 0, ok: 2 });
    expect(slowRuns.map((r) => Object.keys(r.hosts))).toEqual(slowRuns.map(() => ['node03']));
    // The finish records name exactly the journaled runs.
    const finished = evs.filter((e) => e.type === 'finish').flatMap((e) => e.runIds).sort();
    expect(finished).toEqual(list.map((r) => r.runId).sort());
    // `crane-fix runs` (human) names the job.
    const human = await run(['runs', '--journal-dir', journal]);
    expect(human.stdout).toMatch(/ apply\s+job=dns /);

    // The fix is on the limited nodes, and only there.
    for (const n of state.nodes.slice(0, 2)) expect((await nodeExec(n, `cat ${KUBELET_CONFIG}`)).stdout).toContain('- 10.9.0.10  # CoreDNS service ClusterIP');
    expect(await fileState(state.nodes[2]!, [KUBELET_CONFIG])).toBe(before3);

    const history = await run(['schedule', 'history', '--journal-dir', journal, '--job', 'slow']);
    expect(history.stdout).toMatch(/\[slow\] skipped \S+: previous run still running \(run \S+\)/);

    // Leave the nodes as they were.
    const rb = await run(['rollback', dnsRuns[0].runId, '--journal-dir', journal]);
    expect(rb.code, rb.stderr).toBe(0);
    for (const n of state.nodes.slice(0, 2)) expect((await nodeExec(n, `cat ${KUBELET_CONFIG}`)).stdout).not.toContain('10.9.0.10');
  }, 59_000);

  const MARKERS = ['/etc/crane-fix-marker', '/etc/crane-fix-marker2'];

  it('SIGTERM mid-run with no grace: the run stops between round trips and restores; the journal is complete; rollback works', async () => {
    const journal = journalFor('abort');
    const node = state.nodes[2]!;
    const before = await fileState(node, MARKERS);
    const p = start(['schedule', 'run', path.join(work, 'marker.yaml.schedule'), '--journal-dir', journal, '--grace', '0']);
    procs.push(p);
    // Wait until the first marker is being written and the sleep is running.
    const runId = await waitFor(
      'the marker run applying',
      () => {
        const id = records(journal).find((e) => e.ev.type === 'run' && e.ev.job === 'marker')?.ev.runId as string | undefined;
        return id && runEvents(journal, id).some((e) => e.type === 'applying') ? id : undefined;
      },
      20_000,
    );
    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 30_000), p.out()).toBe(0);
    expect(p.out()).toMatch(/stopping marker between round trips and restoring what it changed/);

    const show = await run(['runs', 'show', runId, '--json', '--journal-dir', journal]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.json).toMatchObject({ job: 'marker', finished: true, hosts: { node03: 'rolled-back' } });
    expect(show.json.snapshots.node03.map((s: any) => s.path)).toContain('/etc/crane-fix-marker');
    expect(records(journal).map((e) => e.ev).find((e) => e.type === 'finish')).toMatchObject({ job: 'marker', aborted: true, runIds: [runId] });
    // Restored by the run itself: neither marker is there.
    expect(await fileState(node, MARKERS)).toBe(before);
    // And the journal is good for an explicit rollback.
    const rb = await run(['rollback', runId, '--journal-dir', journal, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await fileState(node, MARKERS)).toBe(before);
    // Only one run started: no new run after SIGTERM.
    expect((await run(['runs', '--json', '--journal-dir', journal])).json.filter((r: any) => r.job === 'marker')).toHaveLength(1);
  }, 59_000);

  it('SIGTERM mid-run with a grace period: the run finishes (end record, both markers), then exit 0; rollback undoes it', async () => {
    const journal = journalFor('grace');
    const node = state.nodes[2]!;
    const before = await fileState(node, MARKERS);
    const p = start(['schedule', 'run', path.join(work, 'marker.yaml.schedule'), '--journal-dir', journal, '--grace', '30']);
    procs.push(p);
    const runId = await waitFor(
      'the marker run applying',
      () => {
        const id = records(journal).find((e) => e.ev.type === 'run' && e.ev.job === 'marker')?.ev.runId as string | undefined;
        return id && runEvents(journal, id).some((e) => e.type === 'applying') ? id : undefined;
      },
      20_000,
    );
    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 30_000), p.out()).toBe(0);
    const evs = runEvents(journal, runId);
    expect(evs.at(-1)).toMatchObject({ type: 'end', exitCode: 0, summary: { changed: 1 } });
    expect((await nodeExec(node, 'cat /etc/crane-fix-marker /etc/crane-fix-marker2')).stdout).toBe('scheduled\ndone\n');
    expect(records(journal).map((e) => e.ev).find((e) => e.type === 'finish')).toMatchObject({ job: 'marker', aborted: false, exitCode: 0 });
    const rb = await run(['rollback', runId, '--journal-dir', journal]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await fileState(node, MARKERS)).toBe(before);
  }, 59_000);

  it('schedule once: check mode runs the detectors (exit 3, journaled as check); apply mode fixes (exit 0); both name the job', async () => {
    const journal = journalFor('once');
    const file = path.join(work, 'once.yaml');
    const node = state.nodes[2]!;
    const before = await fileState(node, ['/etc/resolv.conf']);
    const check = await run(['schedule', 'once', file, 'trim-check', '--journal-dir', journal, '--json']);
    expect(check.code, check.stderr).toBe(3);
    expect(check.json.check.affected).toEqual({ 'resolv-conf-trim': ['node03'] });
    const apply = await run(['schedule', 'once', file, 'trim', '--journal-dir', journal, '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.json.apply.hosts.node03.status).toBe('changed');
    expect((await nodeExec(node, "grep -c '^nameserver' /etc/resolv.conf")).stdout.trim()).toBe('3');
    const again = await run(['schedule', 'once', file, 'trim-check', '--journal-dir', journal]);
    expect(again.code, again.stderr).toBe(0);
    const list = (await run(['runs', '--json', '--journal-dir', journal])).json as any[];
    expect(list.map((r) => [r.job, r.mode, r.exitCode])).toEqual([
      ['trim-check', 'check', 3],
      ['trim', 'apply', 0],
      ['trim-check', 'check', 0],
    ]);
    expect(list[0].hosts).toEqual({ node01: 'clean', node02: 'clean', node03: 'affected' });
    expect(records(journal).map((e) => e.ev.type)).toEqual(['fire', 'run', 'finish', 'fire', 'run', 'finish', 'fire', 'run', 'finish']);
    const rb = await run(['rollback', list[1].runId, '--journal-dir', journal]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await fileState(node, ['/etc/resolv.conf'])).toBe(before);
  }, 59_000);
});
