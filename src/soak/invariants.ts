/**
 * The soak's invariants, as pure functions over what was observed after one faulted run:
 * the node files (per stage), the `--json` report, the journal and the exit status.
 *
 * Stages: S[0] is the seed state, S[k] the state after the first k plays ran cleanly
 * (measured once, fault-free, at the start of the soak). A file is never "between" two
 * stages (no torn writes); a host is exactly at the stage its journal says it reached,
 * unless it reported that its own restore failed.
 */
import { snapshotsByHost, type StoredRun } from '../journal/journal.js';
import type { Snapshot } from '../engine/remoteScript.js';
import { fileKey, snapEqual, type FileSnap, type NodeSnap } from './nodes.js';

export type FaultKind = 'kill-sshd' | 'hang' | 'disk-full' | 'unwritable' | 'sigint' | 'sigterm';
export const FAULT_KINDS: FaultKind[] = ['kill-sshd', 'hang', 'disk-full', 'unwritable', 'sigint', 'sigterm'];
export const NODE_FAULTS: FaultKind[] = ['kill-sshd', 'hang', 'disk-full', 'unwritable'];

export type InvariantId =
  | 'no-torn-file'
  | 'status-truthful'
  | 'journal-snapshots-match'
  | 'journal-covers-changes'
  | 'journal-agrees-with-report'
  | 'rollback-restores'
  | 'hung-node-reported'
  | 'everyone-reported'
  | 'exit-code-matches-summary'
  | 'finishes';

export const INVARIANTS: Record<InvariantId, string> = {
  'no-torn-file': 'every touched file is byte-identical (content, mode, owner) to one of the planned stages: pre-run or after a play',
  'status-truthful': "each host's files are exactly at the stage its journal says it reached (unless it reported ROLLBACK FAILED)",
  'journal-snapshots-match': "the journal's first snapshot of each file equals the file before the run (mode and owner where the run read them)",
  'journal-covers-changes': 'every file that differs from before the run has a journal snapshot (so rollback can restore it)',
  'journal-agrees-with-report': 'journal host results and end record agree with the --json report and the exit code',
  'rollback-restores': '`crane-fix rollback <run-id>` (faults cleared) exits 0 and restores every node byte-identically, leaving no temp files in the target directories',
  'hung-node-reported': 'a hung node hits the connect/command timeout, is reported, and the run ends in bounded time',
  'everyone-reported': 'a fault on one node: every host is reported (the others finish)',
  'exit-code-matches-summary': 'the exit code matches the --json summary and the recap line; the summary matches the host statuses',
  'finishes': 'crane-fix exits by itself within the hard limit',
};

export interface Violation {
  invariant: InvariantId;
  detail: string;
}

export interface Observed {
  nodes: string[];
  /** stages[k][node] */
  stages: Record<string, NodeSnap>[];
  after: Record<string, NodeSnap>;
  json?: { runId: string; hosts: Record<string, { status: string; error?: string; tasks: unknown[] }>; summary: Record<string, number> };
  exit: { code: number | null; signal: string | null };
  stderr: string;
  run?: StoredRun;
  fault: { kind: FaultKind; node?: string; injected: boolean };
  /** The run ended by itself (not killed by the soak's hard limit). */
  finishedByItself: boolean;
  /** ms from injection to exit, when injected. */
  exitAfterInjectionMs?: number;
  hangBoundMs: number;
}

const RANK = ['ok', 'changed', 'unreachable', 'rolled-back', 'failed'];
const worst = (xs: string[]) => xs.reduce((a, b) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a), 'ok');

export function stageOf(stages: Record<string, NodeSnap>[], node: string, path: string, f: FileSnap | undefined): number[] {
  const out: number[] = [];
  stages.forEach((s, k) => {
    if (snapEqual(s[node]?.[path], f)) out.push(k);
  });
  return out;
}

export function hostResults(run: StoredRun | undefined, host: string): { status: string; error?: string }[] {
  if (!run) return [];
  return run.events.filter((e) => e.ev.type === 'host-result' && e.ev.host === host).map((e) => e.ev as { status: string; error?: string });
}

/**
 * A journal snapshot as a file state. One taken from content-only facts has no mode or owner
 * (the run never read them: its writes keep the file's own, and so does a rollback): those
 * are taken from `pre`, so only type and bytes are compared — 'rollback-restores' still checks
 * that mode and owner come out as they were.
 */
function snapFromJournal(s: Snapshot, pre?: FileSnap): FileSnap {
  if (!s.existed) return { exists: false };
  const kept = s.mode === undefined && s.uid === undefined && pre?.exists;
  return {
    exists: true,
    type: s.type === 'file' ? 'regular file' : s.type === 'directory' ? 'directory' : s.type === 'symlink' ? 'symbolic link' : String(s.type),
    mode: kept ? pre.mode : (s.mode ?? 0).toString(8),
    uid: kept ? pre.uid : s.uid,
    gid: kept ? pre.gid : s.gid,
    ...(s.type === 'file' && s.sha256 ? { sha256: s.sha256 } : {}),
  };
}

/** `stat %F` says "regular empty file" for an empty file; the journal says "file". */
function normType(f: FileSnap | undefined): FileSnap | undefined {
  if (!f || !f.exists) return f;
  return f.type === 'regular empty file' ? { ...f, type: 'regular file' } : f;
}

export function expectedExit(summary: Record<string, number>, aborted: boolean): number {
  if (summary.failed || summary.rolledBack) return 2;
  if (summary.unreachable) return 4;
  return aborted ? 2 : 0;
}

export function checkRun(o: Observed): Violation[] {
  const v: Violation[] = [];
  const add = (invariant: InvariantId, detail: string) => v.push({ invariant, detail });
  const last = o.stages.length - 1;
  const paths = Object.keys(o.stages[0]![o.nodes[0]!] ?? {});

  if (!o.finishedByItself) add('finishes', `crane-fix was still running at the hard limit and was killed`);

  // 1. no torn file.
  for (const n of o.nodes) {
    for (const p of paths) {
      const f = o.after[n]?.[p];
      if (!stageOf(o.stages, n, p, f).length) add('no-torn-file', `${n} ${p} is ${fileKey(f)}, not any planned stage (${o.stages.map((s) => fileKey(s[n]?.[p])).join(' / ')})`);
    }
  }

  // 2. each host is at the stage its journal says.
  for (const n of o.nodes) {
    const results = hostResults(o.run, n);
    let k = 0;
    while (k < results.length && (results[k]!.status === 'ok' || results[k]!.status === 'changed')) k++;
    const bad = results[k];
    if (bad && bad.status === 'failed' && /ROLLBACK FAILED/.test(bad.error ?? '')) continue;
    const want = o.stages[Math.min(k, last)]![n]!;
    for (const p of paths) {
      if (!snapEqual(o.after[n]?.[p], want[p])) {
        add('status-truthful', `${n} reached play ${k}${bad ? ` then ${bad.status}` : ''} per the journal, but ${p} is at stage ${JSON.stringify(stageOf(o.stages, n, p, o.after[n]?.[p]))}, want ${k}`);
      }
    }
  }

  // 3. the journal: snapshots equal the pre-run files; every change is covered.
  if (o.run) {
    const first = new Map<string, Snapshot>();
    // What a rollback would restore: the first snapshot per path, less void ones.
    for (const [host, list] of snapshotsByHost(o.run)) for (const snap of list) first.set(`${host}\0${snap.path}`, snap);
    for (const [key, snap] of first) {
      const [host, p] = key.split('\0') as [string, string];
      const pre = o.stages[0]![host]?.[p];
      if (pre && !snapEqual(normType(snapFromJournal(snap, pre)), normType(pre))) add('journal-snapshots-match', `${host} ${p}: journal snapshot ${fileKey(snapFromJournal(snap, pre))} != pre-run ${fileKey(pre)}`);
    }
    for (const n of o.nodes) {
      for (const p of paths) {
        if (!snapEqual(o.after[n]?.[p], o.stages[0]![n]![p]) && !first.has(`${n}\0${p}`)) add('journal-covers-changes', `${n} ${p} changed but the journal has no snapshot of it`);
      }
    }
  } else {
    for (const n of o.nodes) for (const p of paths) if (!snapEqual(o.after[n]?.[p], o.stages[0]![n]![p])) add('journal-covers-changes', `${n} ${p} changed but no journal exists`);
  }

  // 4. report, journal and exit code agree.
  const end = o.run?.events.find((e) => e.ev.type === 'end')?.ev as { exitCode: number; summary: Record<string, number> } | undefined;
  if (o.exit.code !== null) {
    if (o.exit.code === 1 || o.exit.code >= 5) add('exit-code-matches-summary', `unexpected exit code ${o.exit.code}: ${o.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (!o.json) {
      add('exit-code-matches-summary', `exit ${o.exit.code} without a --json document on stdout`);
    } else {
      const s = o.json.summary;
      const count = { ok: 0, changed: 0, failed: 0, unreachable: 0, rolledBack: 0 } as Record<string, number>;
      for (const h of Object.values(o.json.hosts)) count[h.status === 'rolled-back' ? 'rolledBack' : h.status] = (count[h.status === 'rolled-back' ? 'rolledBack' : h.status] ?? 0) + 1;
      for (const k of ['ok', 'changed', 'failed', 'unreachable', 'rolledBack']) {
        if ((s[k] ?? 0) !== (count[k] ?? 0)) add('exit-code-matches-summary', `summary.${k}=${s[k]} but ${count[k] ?? 0} host(s) have that status`);
      }
      // The exit code must follow from the --json document alone (a script reading it has
      // nothing else): failed/rolled-back -> 2, unreachable -> 4, an interruption the
      // document states -> 2, else 0.
      const stated = Boolean((o.json as { interrupted?: unknown }).interrupted);
      const want = expectedExit(s, stated);
      if (o.exit.code !== want) {
        const aborted = /^SIG(INT|TERM): /m.test(o.stderr);
        add('exit-code-matches-summary', `exit ${o.exit.code} but the --json summary ${JSON.stringify(s)} means ${want}${aborted && !stated ? ' (the run was interrupted, but neither --json nor the recap says so)' : ''}`);
      }
      const recap = /^hosts: ok=(\d+) changed=(\d+) failed=(\d+) unreachable=(\d+) rolled-back=(\d+)$/m.exec(o.stderr);
      if (!recap) add('exit-code-matches-summary', 'no recap line on stderr');
      else if ([s.ok, s.changed, s.failed, s.unreachable, s.rolledBack].join(',') !== recap.slice(1).join(',')) add('exit-code-matches-summary', `recap "${recap[0]}" != summary ${JSON.stringify(s)}`);
      if (o.run) {
        for (const [h, x] of Object.entries(o.json.hosts)) {
          const j = worst(hostResults(o.run, h).map((r) => r.status));
          if (j !== x.status) add('journal-agrees-with-report', `${h}: --json says ${x.status}, journal says ${j}`);
        }
        for (const n of o.nodes) if (hostResults(o.run, n).length && !o.json.hosts[n]) add('journal-agrees-with-report', `${n} has journal results but is missing from --json`);
      }
    }
    if (o.run && !end) add('journal-agrees-with-report', `crane-fix exited ${o.exit.code} but the journal has no end record`);
    if (end && end.exitCode !== o.exit.code) add('journal-agrees-with-report', `journal end record says exit ${end.exitCode}, process exited ${o.exit.code}`);
    if (end && o.json && JSON.stringify(end.summary) !== JSON.stringify(o.json.summary)) add('journal-agrees-with-report', `journal summary ${JSON.stringify(end.summary)} != --json summary ${JSON.stringify(o.json.summary)}`);
  } else {
    // Killed by a signal: only acceptable before the run began (no journal) or after it ended.
    if (o.run && !end) add('journal-agrees-with-report', `crane-fix died of ${o.exit.signal} mid-run (journal without an end record): the signal was not handled`);
    if (o.fault.kind !== 'sigint' && o.fault.kind !== 'sigterm' && o.finishedByItself) add('exit-code-matches-summary', `crane-fix died of ${o.exit.signal}`);
  }

  // 5. a fault on one node: every host reported; a hung node within bounded time.
  if (NODE_FAULTS.includes(o.fault.kind) && o.exit.code !== null && o.json) {
    for (const n of o.nodes) if (!o.json.hosts[n]) add('everyone-reported', `${n} is missing from the --json report (fault ${o.fault.kind} on ${o.fault.node})`);
  }
  if (o.fault.kind === 'hang' && o.fault.injected) {
    if (!o.finishedByItself) add('hung-node-reported', `the run did not end by itself with ${o.fault.node} hung`);
    else if (o.exitAfterInjectionMs !== undefined && o.exitAfterInjectionMs > o.hangBoundMs) add('hung-node-reported', `the run took ${o.exitAfterInjectionMs} ms after the hang (bound ${o.hangBoundMs} ms)`);
    const h = o.json?.hosts[o.fault.node!];
    if (o.exit.code !== null && !h) add('hung-node-reported', `${o.fault.node} (hung) is not in the report`);
    if (h && (h.status === 'ok' || h.status === 'changed')) {
      // Fine only if the host had finished every play before it hung.
      const results = hostResults(o.run, o.fault.node!);
      if (results.length < o.stages.length - 1) add('hung-node-reported', `${o.fault.node} (hung) is reported ${h.status} after ${results.length} play(s)`);
    }
  }
  return v;
}
