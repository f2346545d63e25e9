/**
 * Benchmark plumbing: run a contestant as a child process under GNU time (wall clock from
 * spawn to exit, user+sys CPU and peak RSS of the process and every descendant it waited
 * for, from wait4's rusage), and count SSH sessions per lab node from sshd's own log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LabNode } from '../lab/lab.js';
import PQueue from 'p-queue';

export const TIME_BIN = '/usr/bin/time';

export interface Timed {
  wallMs: number;
  userMs: number;
  sysMs: number;
  /** Peak resident set of the largest single process (GNU time %M, from ru_maxrss), KiB. */
  maxRssKb: number;
  /** Most file descriptors open at once in the contestant's process tree (sampled every FD_SAMPLE_MS). */
  maxFds: number;
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Children alive right now (each leads its own process group), so a signal can stop them. */
export const liveChildren = new Set<ChildProcess>();

export function killChild(child: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): void {
  if (!child.pid) return;
  try {
    // Its own process group (spawned detached): the contestant and its helpers.
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* gone */
    }
  }
}

/** How often the open fds of a running contestant are counted. */
const FD_SAMPLE_MS = 100;

/** The descendants of `pid` (not `pid` itself), from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // exited
    }
    for (const t of tids) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(' ')) {
        if (!k.trim()) continue;
        out.push(Number(k));
        todo.push(Number(k));
      }
    }
  }
  return out;
}

/** Open fds of every process under `pid` (GNU time's own are left out: it is harness, not contestant). */
export function openFds(pid: number): number {
  let n = 0;
  for (const p of descendants(pid)) {
    try {
      n += readdirSync(`/proc/${p}/fd`).length;
    } catch {
      /* exited */
    }
  }
  return n;
}

export async function runTimed(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; scratch: string },
): Promise<Timed> {
  const timeFile = path.join(opts.scratch, `time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const started = process.hrtime.bigint();
  // stdout/stderr go to files, not pipes: a contestant never waits for this process to drain
  // a pipe (writes to a pipe are synchronous in Node and block when it is full).
  const outFile = timeFile.replace(/\.txt$/, '.out');
  const errFile = timeFile.replace(/\.txt$/, '.err');
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  const child = spawn(TIME_BIN, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', outFd, errFd],
    detached: true,
  });
  closeSync(outFd);
  closeSync(errFd);
  liveChildren.add(child);
  let maxFds = 0;
  const sampler = setInterval(() => {
    if (child.pid) maxFds = Math.max(maxFds, openFds(child.pid));
  }, FD_SAMPLE_MS);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killChild(child, 'SIGKILL');
  }, opts.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  clearTimeout(timer);
  clearInterval(sampler);
  liveChildren.delete(child);
  const stdout = await fs.readFile(outFile, 'utf8').catch(() => '');
  const stderr = await fs.readFile(errFile, 'utf8').catch(() => '');
  await fs.rm(outFile, { force: true });
  await fs.rm(errFile, { force: true });
  let userMs = NaN;
  let sysMs = NaN;
  let maxRssKb = NaN;
  try {
    const text = await fs.readFile(timeFile, 'utf8');
    // A killed child adds "Command terminated by signal N" / "Command exited with non-zero status" lines first.
    const last = text.trim().split('\n').pop() ?? '';
    const [, u, s, m] = last.split(/\s+/).map(Number);
    userMs = (u ?? NaN) * 1000;
    sysMs = (s ?? NaN) * 1000;
    maxRssKb = m ?? NaN;
  } catch {
    /* no rusage: reported as NaN */
  }
  await fs.rm(timeFile, { force: true });
  return {
    wallMs,
    userMs,
    sysMs,
    maxRssKb,
    maxFds,
    exitCode: code ?? 128,
    ...(signal ? { signal } : {}),
    stdout,
    stderr,
    timedOut,
  };
}

export interface SessionCount {
  total: number;
  perHostMean: number;
  perHostMin: number;
  perHostMax: number;
}

/**
 * Counts "Starting session" lines (sshd, LogLevel VERBOSE: one per exec/shell/subsystem
 * channel) added to each node's sshd.log since the last `mark()`.
 */
export class SessionCounter {
  private offsets = new Map<string, number>();
  constructor(private nodes: LabNode[]) {}

  private logOf(n: LabNode): string {
    return path.join(n.dir, 'sshd.log');
  }

  async mark(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const st = await fs.stat(this.logOf(n)).catch(() => undefined);
        this.offsets.set(n.name, st?.size ?? 0);
      }),
    );
  }

  /** Sessions per node since mark(); advances the mark. */
  async since(): Promise<SessionCount & { byHost: Record<string, number> }> {
    const byHost: Record<string, number> = {};
    await Promise.all(
      this.nodes.map(async (n) => {
        const from = this.offsets.get(n.name) ?? 0;
        let text = '';
        let size = from;
        try {
          const fh = await fs.open(this.logOf(n), 'r');
          try {
            const st = await fh.stat();
            size = st.size;
            if (st.size > from) {
              const buf = Buffer.alloc(st.size - from);
              await fh.read(buf, 0, buf.length, from);
              text = buf.toString('utf8');
            }
          } finally {
            await fh.close();
          }
        } catch {
          /* no log yet */
        }
        this.offsets.set(n.name, size);
        byHost[n.name] = text.split('\n').filter((l) => l.includes('Starting session')).length;
      }),
    );
    const counts = Object.values(byHost);
    const total = counts.reduce((a, b) => a + b, 0);
    return {
      total,
      perHostMean: counts.length ? total / counts.length : 0,
      perHostMin: counts.length ? Math.min(...counts) : 0,
      perHostMax: counts.length ? Math.max(...counts) : 0,
      byHost,
    };
  }
}

/** Run `fn` over items, at most `limit` at once (p-queue, as the engine's forks), results in order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const queue = new PQueue({ concurrency: Math.max(1, limit) });
  return Promise.all(items.map((item) => queue.add(() => fn(item), { throwOnTimeout: true })));
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
