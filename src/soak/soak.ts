/**
 * The fault soak (issue 8): on a lab, run the real CLI's `apply` again and again, inject one
 * fault at a random moment of each run, and check the invariants (./invariants.ts) after it.
 *
 * One run:
 *   reset every node to the seed state (checked against the calibrated pre-run state)
 *   -> spawn `crane-fix apply --json --serial 100%` (three plays, several files per host)
 *   -> at a seeded random moment inject one fault: kill a node's sshd, SIGSTOP a node, fill
 *      its disk, make a target file unwritable, SIGINT or SIGTERM crane-fix itself
 *   -> read every node's files, the journal, the report, the exit status; check
 *   -> clear the fault, `crane-fix rollback <run-id>`, check every node is byte-identical to
 *      before the run.
 *
 * Calibration (once, fault-free) measures the stages: the files after 0, 1, 2 and 3 plays.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRun, type StoredRun } from '../journal/journal.js';
import { nodeExec, type LabNode, type LabState } from '../lab/lab.js';
import { clearDisk, fillDisk, hangNode, makeUnwritable, resumeNode, startNode, stopNode } from '../lab/faults.js';
import { shellQuote } from '../modules/shellQuote.js';
import { Prng } from './prng.js';
import { NEW_DNS, PLAYS, SOAK_PLAYBOOK, UNWRITABLE_CANDIDATES, leftoverTemps, resetNode, sessionProcesses, snapNode, snapEqual, fileKey, type NodeSnap } from './nodes.js';
import { FAULT_KINDS, checkRun, type FaultKind, type Violation } from './invariants.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
const shq = (v: string | number): string => shellQuote(String(v));

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'bin', 'crane-fix.js');

export interface SoakOptions {
  lab: LabState;
  runs: number;
  seed: number;
  /** Fault kinds, in order, instead of random ones (the CI version names each kind once). */
  kinds?: FaultKind[];
  connectTimeoutS?: number;
  commandTimeoutS?: number;
  /** A run still going after this long is killed (and is a violation). */
  hardLimitMs?: number;
  /** Injection moment, as fractions of the calibrated clean-run duration. */
  window?: [number, number];
  /** When a fault could not be injected (the run was already over), try that run again (up to n times). */
  retryMissed?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RunRecord {
  index: number;
  fault: { kind: FaultKind; node?: string; file?: string; delayMs: number; scaleMs: number; injected: boolean; injectedAtMs?: number; attempts: number };
  exit: { code: number | null; signal: string | null };
  applyMs: number;
  totalMs: number;
  runId?: string;
  hosts: Record<string, string>;
  hostErrors: Record<string, string>;
  rollback?: { code: number | null; ms: number; restored?: number };
  violations: Violation[];
  observations: string[];
  /** crane-fix's stderr (tail), kept for runs with violations. */
  stderrTail?: string;
}

export interface Calibration {
  stages: Record<string, NodeSnap>[];
  cleanApplyMs: number;
  cleanRollbackMs: number;
}

export interface SoakResult {
  seed: number;
  nodes: number;
  startedAt: string;
  finishedAt: string;
  options: { connectTimeoutS: number; commandTimeoutS: number; hardLimitMs: number; window: [number, number] };
  calibration: { cleanApplyMs: number; cleanRollbackMs: number; stages: number };
  runs: RunRecord[];
  aborted: boolean;
}

interface Proc {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  /** Resolves (with Date.now()) when crane-fix prints its `run <id> (apply) on N host(s)` line, or exits. */
  started: Promise<number>;
}

let current: ChildProcess | undefined;

/** The crane-fix process the soak is waiting on, if any (signal handlers kill it). */
export function currentChild(): ChildProcess | undefined {
  return current;
}

function spawnCli(args: string[]): Proc {
  // Its own process group: a Ctrl-C meant for the soak must not reach it (the soak decides).
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  current = child;
  let stdout = '';
  let stderr = '';
  let markStarted: (t: number) => void = () => {};
  const started = new Promise<number>((r) => (markStarted = r));
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    if (/^run \S+ \((apply|dry-run)\) on /m.test(stderr)) markStarted(Date.now());
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (current === child) current = undefined;
      markStarted(Date.now());
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, started };
}

function parseJson(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export class Soak {
  readonly journal: string;
  readonly playbook: string;
  private readonly nodes: LabNode[];
  private readonly log: (l: string) => void;
  private readonly connectS: number;
  private readonly commandS: number;
  private calibration?: Calibration;
  /** How long recent runs took (run line to exit) when a node fault let the others finish. */
  private recent: number[] = [];

  constructor(private readonly opts: SoakOptions) {
    const work = path.join(opts.lab.dir, 'soak');
    fs.mkdirSync(work, { recursive: true, mode: 0o700 });
    this.journal = path.join(work, 'journal');
    this.playbook = path.join(work, 'soak-extra.yaml');
    fs.writeFileSync(this.playbook, SOAK_PLAYBOOK);
    this.nodes = opts.lab.nodes;
    this.log = opts.log ?? (() => {});
    this.connectS = opts.connectTimeoutS ?? 3;
    this.commandS = opts.commandTimeoutS ?? 5;
  }

  private applyArgs(targets: string[]): string[] {
    return [
      'apply', '-i', this.opts.lab.inventoryIni, ...targets, '-e', `dns_cluster_ip=${NEW_DNS}`,
      '--serial', '100%', '--json', '--journal-dir', this.journal,
      '--connect-timeout', String(this.connectS), '--timeout', String(this.commandS), '--lock-timeout', '5',
    ];
  }

  private allTargets(): string[] {
    return PLAYS.map((p) => p.target(this.playbook));
  }

  async resetAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => resetNode(n)));
  }

  async snapAll(): Promise<Record<string, NodeSnap>> {
    const out: Record<string, NodeSnap> = {};
    await Promise.all(this.nodes.map(async (n) => (out[n.name] = await snapNode(n))));
    return out;
  }

  private diffStates(a: Record<string, NodeSnap>, b: Record<string, NodeSnap>): string[] {
    const out: string[] = [];
    for (const n of this.nodes) for (const p of Object.keys(a[n.name]!)) if (!snapEqual(a[n.name]![p], b[n.name]?.[p])) out.push(`${n.name} ${p}: ${fileKey(a[n.name]![p])} vs ${fileKey(b[n.name]?.[p])}`);
    return out;
  }

  /** Fault-free: the stage after each play, a clean full run (its duration), a clean rollback. */
  async calibrate(): Promise<Calibration> {
    await this.resetAll();
    const stages = [await this.snapAll()];
    for (const play of PLAYS) {
      const r = await spawnCli(this.applyArgs([play.target(this.playbook)])).done;
      if (r.code !== 0) throw new Error(`soak calibration: a clean apply of ${play.target(this.playbook)} exited ${r.code}:\n${r.stderr}`);
      stages.push(await this.snapAll());
    }
    const changedPerStage = stages.slice(1).map((s, k) => this.diffStates(stages[k]!, s).length);
    if (changedPerStage.some((c) => c === 0)) throw new Error(`soak calibration: a play changed nothing (${changedPerStage.join(', ')} files per stage)`);
    await this.resetAll();
    const fullProc = spawnCli(this.applyArgs(this.allTargets()));
    const t0 = await fullProc.started;
    const full = await fullProc.done;
    // From the run's first line (journal created, signal handlers in place) to its exit.
    const cleanApplyMs = Date.now() - t0;
    if (full.code !== 0) throw new Error(`soak calibration: the clean full apply exited ${full.code}:\n${full.stderr}`);
    const afterFull = await this.snapAll();
    const d = this.diffStates(stages[stages.length - 1]!, afterFull);
    if (d.length) throw new Error(`soak calibration: one run of all plays differs from the plays run one by one:\n${d.join('\n')}`);
    const runId = parseJson(full.stdout)?.runId as string;
    const t1 = Date.now();
    const rb = await spawnCli(['rollback', runId, '--journal-dir', this.journal, '--json']).done;
    const cleanRollbackMs = Date.now() - t1;
    if (rb.code !== 0) throw new Error(`soak calibration: rollback exited ${rb.code}:\n${rb.stderr}`);
    const back = this.diffStates(stages[0]!, await this.snapAll());
    if (back.length) throw new Error(`soak calibration: rollback did not restore the seed state:\n${back.join('\n')}`);
    this.calibration = { stages, cleanApplyMs, cleanRollbackMs };
    this.log(`calibrated: ${stages.length} stages, clean apply ${cleanApplyMs} ms, clean rollback ${cleanRollbackMs} ms`);
    return this.calibration;
  }

  private async inject(kind: FaultKind, node: LabNode | undefined, file: string | undefined, child: ChildProcess): Promise<void> {
    switch (kind) {
      case 'kill-sshd':
        return stopNode(node!);
      case 'hang':
        return hangNode(node!);
      case 'disk-full':
        return fillDisk(node!);
      case 'unwritable':
        return makeUnwritable(node!, file!);
      case 'sigint':
        child.kill('SIGINT');
        return;
      case 'sigterm':
        child.kill('SIGTERM');
        return;
    }
  }

  private async clearFault(kind: FaultKind, node: LabNode | undefined, file: string | undefined): Promise<void> {
    if (!node) return;
    if (kind === 'hang') await resumeNode(node);
    if (kind === 'kill-sshd') await startNode(this.opts.lab, node);
    if (kind === 'disk-full') await clearDisk(node);
    if (kind === 'unwritable') {
      // Exactly the mount makeUnwritable added (a bind-mounted resolv.conf keeps its own).
      const r = await nodeExec(node, `umount ${shq(file!)}`);
      if (r.rc !== 0) throw new Error(`soak: could not clear the unwritable fault on ${node.name} ${file}: ${r.stderr}`);
    }
  }

  /** Sessions should end once the client is gone; report (and end) any that do not. */
  private async drainSessions(): Promise<string[]> {
    const notes: string[] = [];
    for (const n of this.nodes) {
      let procs = await sessionProcesses(n);
      for (let i = 0; i < 50 && procs.length; i++) {
        await sleep(200);
        procs = await sessionProcesses(n);
      }
      if (procs.length) {
        notes.push(`${n.name}: ${procs.length} session process(es) still alive 10 s after the run: ${procs.map((p) => p.cmd).join('; ').slice(0, 200)}`);
        for (const p of procs) {
          try {
            process.kill(p.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }
    return notes;
  }

  async runOne(index: number, kind: FaultKind, rng: Prng): Promise<RunRecord> {
    const cal = this.calibration ?? (await this.calibrate());
    const window = this.opts.window ?? [0.05, 0.95];
    const node = kind === 'sigint' || kind === 'sigterm' ? undefined : rng.pick(this.nodes);
    const file = kind === 'unwritable' ? rng.pick(UNWRITABLE_CANDIDATES) : undefined;
    // The moment is a fraction of a clean run's duration: the calibrated one, or — the machine
    // is shared and gets slower or faster — the median of the last runs that went the whole way.
    const scaleMs = Math.max(cal.cleanApplyMs, median(this.recent.slice(-10)));
    const delayMs = Math.round(rng.between(window[0], window[1]) * scaleMs);
    const hardLimitMs = this.opts.hardLimitMs ?? 150_000;
    const hangBoundMs = (this.connectS + 3 * this.commandS) * 1000 + 30_000;
    const tStart = Date.now();

    await this.resetAll();
    const pre = await this.snapAll();
    const drift = this.diffStates(cal.stages[0]!, pre);
    if (drift.length) throw new Error(`soak: reset did not restore the seed state before run ${index}:\n${drift.join('\n')}`);
    const known = new Set(fs.existsSync(this.journal) ? fs.readdirSync(this.journal) : []);

    const proc = spawnCli(this.applyArgs(this.allTargets()));
    const spawnedAt = Date.now();
    let exited = false;
    // The moment is measured from the run's first line: before it, crane-fix is loading
    // (nothing contacted, no signal handlers yet), which is not what the soak is about.
    const t0 = await Promise.race([proc.started, sleep(30_000).then(() => Date.now())]);
    let injected = false;
    let injectedAt: number | undefined;
    let injectError: string | undefined;
    const injection = (async () => {
      await sleep(delayMs);
      if (exited) return;
      injectedAt = Date.now() - t0;
      injected = true;
      try {
        await this.inject(kind, node, file, proc.child);
      } catch (e) {
        injectError = (e as Error).message;
      }
    })();
    let killedAtLimit = false;
    const limit = setTimeout(() => {
      killedAtLimit = true;
      try {
        process.kill(-proc.child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, hardLimitMs);
    const r = await proc.done;
    const exitAt = Date.now();
    exited = true;
    clearTimeout(limit);
    const applyMs = Date.now() - spawnedAt;
    await injection;
    if ((kind === 'kill-sshd' || kind === 'disk-full' || kind === 'unwritable') && r.code !== null) this.recent.push(exitAt - t0);

    const after = await this.snapAll();
    const temps = (await Promise.all(this.nodes.map(async (n) => (await leftoverTemps(n)).map((f) => `${n.name}:${f}`)))).flat();
    const json = parseJson(r.stdout);
    let runId: string | undefined = json?.runId;
    if (!runId && fs.existsSync(this.journal)) runId = fs.readdirSync(this.journal).find((d) => !known.has(d));
    let run: StoredRun | undefined;
    if (runId) {
      try {
        run = readRun(this.journal, runId);
      } catch {
        run = undefined;
      }
    }
    const violations = checkRun({
      nodes: this.nodes.map((n) => n.name),
      stages: cal.stages,
      after,
      json,
      exit: { code: r.code, signal: r.signal },
      stderr: r.stderr,
      run,
      fault: { kind, node: node?.name, injected },
      finishedByItself: !killedAtLimit,
      exitAfterInjectionMs: injectedAt !== undefined ? exitAt - t0 - injectedAt : undefined,
      hangBoundMs,
    });
    const observations: string[] = [];
    if (injectError) observations.push(`injecting ${kind} failed: ${injectError}`);
    if (temps.length) observations.push(`temp files left in target directories: ${temps.join(', ')}`);
    const hosts: Record<string, string> = {};
    const hostErrors: Record<string, string> = {};
    if (json?.hosts) {
      for (const [h, x] of Object.entries<any>(json.hosts)) {
        hosts[h] = x.status;
        if (x.error) hostErrors[h] = String(x.error).slice(0, 300);
        if (node && h !== node.name && x.status !== 'changed') observations.push(`collateral: ${h} ${x.status} (fault on ${node.name}): ${String(x.error ?? '').slice(0, 200)}`);
      }
    }

    if (injected) await this.clearFault(kind, node, file);
    observations.push(...(await this.drainSessions()));

    let rollback: RunRecord['rollback'];
    if (run) {
      const t1 = Date.now();
      const rb = await spawnCli(['rollback', run.meta.runId, '--journal-dir', this.journal, '--json']).done;
      const rbJson = parseJson(rb.stdout);
      rollback = { code: rb.code, ms: Date.now() - t1, restored: rbJson?.summary?.rolledBack };
      const back = this.diffStates(cal.stages[0]!, await this.snapAll());
      if (rb.code !== 0) violations.push({ invariant: 'rollback-restores', detail: `rollback exited ${rb.code}: ${rb.stderr.trim().split('\n').slice(-3).join(' | ')}` });
      for (const d of back) violations.push({ invariant: 'rollback-restores', detail: `after rollback ${d}` });
      const litter = (await Promise.all(this.nodes.map(async (n) => (await leftoverTemps(n)).map((f) => `${n.name}:${f}`)))).flat();
      if (litter.length) violations.push({ invariant: 'rollback-restores', detail: `after rollback, temp files of the run are still in target directories: ${litter.join(', ')}` });
      observations.push(...(await this.drainSessions()));
    }

    const rec: RunRecord = {
      index,
      fault: { kind, ...(node ? { node: node.name } : {}), ...(file ? { file } : {}), delayMs, scaleMs, injected, ...(injectedAt !== undefined ? { injectedAtMs: injectedAt } : {}), attempts: 1 },
      exit: { code: r.code, signal: r.signal },
      applyMs,
      totalMs: Date.now() - tStart,
      ...(runId ? { runId } : {}),
      hosts,
      hostErrors,
      ...(rollback ? { rollback } : {}),
      violations,
      observations,
      ...(violations.length ? { stderrTail: r.stderr.slice(-4000) } : {}),
    };
    const hostSummary = Object.values(hosts).reduce<Record<string, number>>((a, s) => ((a[s] = (a[s] ?? 0) + 1), a), {});
    this.log(
      `run ${index}: ${kind}${node ? ` on ${node.name}` : ''}${file ? ` ${file}` : ''} at ${delayMs} ms${injected ? '' : ' (not injected: run over)'} -> exit ${r.code ?? r.signal} ` +
        `${JSON.stringify(hostSummary)} apply ${applyMs} ms, total ${rec.totalMs} ms; violations ${violations.length}` +
        (violations.length ? `\n  ${violations.map((x) => `[${x.invariant}] ${x.detail}`).join('\n  ')}` : ''),
    );
    return rec;
  }

  async run(): Promise<SoakResult> {
    const startedAt = new Date().toISOString();
    const cal = this.calibration ?? (await this.calibrate());
    const rng = new Prng(this.opts.seed);
    const runs: RunRecord[] = [];
    let aborted = false;
    for (let i = 0; i < this.opts.runs; i++) {
      if (this.opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const kind = this.opts.kinds?.[i % this.opts.kinds.length] ?? rng.pick(FAULT_KINDS);
      let rec = await this.runOne(i + 1, kind, rng);
      for (let a = 1; !rec.fault.injected && a <= (this.opts.retryMissed ?? 0) && !this.opts.signal?.aborted; a++) {
        const again = await this.runOne(i + 1, kind, rng);
        again.fault.attempts = rec.fault.attempts + 1;
        again.violations.unshift(...rec.violations);
        rec = again;
      }
      runs.push(rec);
    }
    return {
      seed: this.opts.seed,
      nodes: this.nodes.length,
      startedAt,
      finishedAt: new Date().toISOString(),
      options: { connectTimeoutS: this.connectS, commandTimeoutS: this.commandS, hardLimitMs: this.opts.hardLimitMs ?? 150_000, window: this.opts.window ?? [0.05, 0.95] },
      calibration: { cleanApplyMs: cal.cleanApplyMs, cleanRollbackMs: cal.cleanRollbackMs, stages: cal.stages.length },
      runs,
      aborted: aborted || Boolean(this.opts.signal?.aborted),
    };
  }
}

/** Undo any fault a killed soak may have left, so `lab down` finds every node killable. */
export async function releaseFaults(lab: LabState): Promise<void> {
  await Promise.all(lab.nodes.map((n) => resumeNode(n).catch(() => undefined)));
}
