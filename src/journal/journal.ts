/**
 * The run journal: `<journal-dir>/<run-id>/` (0700) with `run.json` (what was asked) and
 * `events.jsonl` (0600; appended and fsynced as things happen). Snapshots can hold
 * credentials, hence the modes. After a crash or Ctrl-C the journal still says, for every
 * host, what was snapshotted before any byte changed — that is what `rollback` restores.
 * A torn last line (crash mid-append) is ignored on read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Snapshot } from '../modules/types.js';
import type { ConnectionSpec } from '../inventory/types.js';
import type { ShardRecord } from '../inventory/shard.js';
import { ExitError, EXIT, InputError } from '../errors.js';

export function defaultJournalDir(): string {
  const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'crane-fix', 'runs');
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export type RunMode = 'apply' | 'dry-run' | 'rollback' | 'check';

export interface RunMeta {
  runId: string;
  mode: RunMode;
  startedAt: string;
  argv: string[];
  inventory?: string;
  playbooks: string[];
  job?: string;
  /** For rollback: how to reach each host again (no secrets). */
  hosts: Record<string, Omit<ConnectionSpec, 'becomePassword'>>;
  /** The run this one rolls back. */
  rollbackOf?: string;
  /** `--shard i/n`: which shard (index 0-based), its host count, the whole selection's size and digest (see `runs merge`). */
  shard?: ShardRecord;
}

export type JournalEvent =
  | { type: 'snapshot'; host: string; snap: Snapshot }
  /**
   * The step these snapshots were taken for never ran (the host lock was held by another
   * run: 'locked', or was taken by another run since the facts were read: 'relock'). Each
   * listed path's latest snapshot is void: nothing was changed from it, and after a relock
   * it holds what the host had before the other run — restoring it would undo that run.
   */
  | { type: 'snapshots-void'; host: string; paths: string[]; reason: 'locked' | 'relock' }
  | { type: 'plan'; host: string; tasks: { name: string; status: string; changed: boolean; diff?: string }[] }
  | { type: 'applying'; host: string; segment: number }
  | { type: 'applied'; host: string; task: string; status: string; changed: boolean; error?: string }
  | { type: 'rollback-hooks'; host: string; tasks: unknown[]; vars: Record<string, unknown> }
  | { type: 'host-result'; host: string; status: string; error?: string }
  | { type: 'restored'; host: string; ok: boolean; error?: string }
  | { type: 'end'; summary: Record<string, number>; exitCode: number };

export interface StoredEvent {
  at: string;
  ev: JournalEvent;
}

export class Journal {
  private fd: number;
  private constructor(
    readonly dir: string,
    readonly meta: RunMeta,
  ) {
    this.fd = fs.openSync(path.join(dir, 'events.jsonl'), 'a', 0o600);
  }

  static create(root: string, meta: RunMeta): Journal {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const dir = path.join(root, meta.runId);
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const metaFile = path.join(dir, 'run.json');
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n', { mode: 0o600 });
    const fd = fs.openSync(metaFile, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    return new Journal(dir, meta);
  }

  /**
   * Append one event (written at once, in order). Durability is separate — see `durable()` —
   * so 50 hosts journaling at once do not serialize on 50 synchronous fsyncs per step.
   */
  append(ev: JournalEvent): void {
    let line = JSON.stringify({ at: new Date().toISOString(), ev } satisfies StoredEvent);
    // Secrets never reach the journal (plans carry diffs, errors carry messages). Snapshots
    // are exempt: they must restore bytes exactly, and the journal is 0600 for that reason.
    if (this.redactor && ev.type !== 'snapshot') line = this.redactor(line);
    fs.writeSync(this.fd, line + '\n');
  }

  /** Mask secrets in every event but snapshots (set once the run's secrets are known). */
  redactor?: (jsonLine: string) => string;

  /**
   * fsync what was appended so far. The engine awaits this before any byte changes on a host
   * (so its snapshots survive a crash) and at the end of the run. Async: it does not block the
   * event loop, and concurrent callers share the kernel's work.
   */
  durable(): Promise<void> {
    // Group commit: 50 hosts reaching their apply step together would queue 50 fsyncs of the
    // same file (each a journal commit on ext4). A caller that finds one in flight waits for
    // it and then for ONE more, shared by everyone who arrived meanwhile — that one surely
    // covers their appends (writeSync has put them in the page cache before they called).
    if (!this.syncing) {
      this.syncing = new Promise<void>((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
        this.syncing = undefined;
      });
      return this.syncing;
    }
    if (!this.queued) {
      this.queued = this.syncing
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.durable();
        });
    }
    return this.queued;
  }
  private syncing?: Promise<void>;
  private queued?: Promise<void>;

  close(): void {
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

export interface StoredRun {
  meta: RunMeta;
  events: StoredEvent[];
  dir: string;
}

export function readRun(root: string, runId: string): StoredRun {
  if (!/^[\w.-]+$/.test(runId)) throw new InputError(`not a run id: ${JSON.stringify(runId)}`, { flag: '<run-id>' });
  const dir = path.join(root, runId);
  let metaText: string;
  try {
    metaText = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
  } catch {
    throw new ExitError(EXIT.INPUT, `no run ${runId} in ${root} (see 'crane-fix runs')`);
  }
  const meta = JSON.parse(metaText) as RunMeta;
  const events: StoredEvent[] = [];
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  } catch {
    /* a run that crashed before its first event */
  }
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      events.push(JSON.parse(line) as StoredEvent);
    } catch (err) {
      // Only the last line may be torn (crash mid-write); anything else is corruption.
      if (i < lines.length - 2 || (i === lines.length - 2 && lines[lines.length - 1] !== '')) {
        throw new ExitError(EXIT.INPUT, `${path.join(dir, 'events.jsonl')}:${i + 1}: corrupt journal line`, { cause: err });
      }
    }
  });
  return { meta, events, dir };
}

export function listRuns(root: string): StoredRun[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const runs: StoredRun[] = [];
  for (const n of names) {
    try {
      runs.push(readRun(root, n));
    } catch {
      /* not a run directory */
    }
  }
  // Oldest first by start time (ms), then id: two runs started in the same second have ids
  // that differ only in their random suffix.
  return runs.sort((a, b) => a.meta.startedAt.localeCompare(b.meta.startedAt) || a.meta.runId.localeCompare(b.meta.runId));
}

/**
 * First snapshot of each path per host, in the order they were taken — what a rollback puts
 * back. A `snapshots-void` record removes the latest snapshot of each path it lists (those
 * of a step that never ran), so the next snapshot of that path, if any, counts instead; a
 * snapshot an earlier play took of the path stays first.
 */
export function snapshotsByHost(run: StoredRun): Map<string, Snapshot[]> {
  // Every live snapshot per host, in order; a path may appear more than once (one per play).
  const all = new Map<string, Snapshot[]>();
  for (const { ev } of run.events) {
    if (ev.type === 'snapshot') {
      const list = all.get(ev.host) ?? [];
      list.push(ev.snap);
      all.set(ev.host, list);
    } else if (ev.type === 'snapshots-void') {
      const list = all.get(ev.host) ?? [];
      for (const p of ev.paths) {
        const at = list.map((s) => s.path).lastIndexOf(p);
        if (at >= 0) list.splice(at, 1);
      }
    }
  }
  const out = new Map<string, Snapshot[]>();
  for (const [host, list] of all) {
    const first: Snapshot[] = [];
    for (const s of list) if (!first.some((f) => f.path === s.path)) first.push(s);
    if (first.length) out.set(host, first);
  }
  return out;
}
