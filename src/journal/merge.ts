/**
 * `crane-fix runs merge`: several shard runs (`apply --shard i/n`, one journal each) shown as
 * one run. Pure: journals in, one view out; the CLI (cli/runsMerge.ts) finds the journals.
 *
 * What makes a set of shard runs one run: the same number of shards and the same fleet digest
 * (the whole selection each shard was cut from — a different digest means the inventory or
 * --limit changed between them, and their shards no longer partition one fleet). Those, a
 * shard given twice and a host found in two shards are refused (`problems`: the CLI exits 1);
 * a missing shard, an interrupted run, or runs of different modes or playbooks are shown
 * (`warnings`) and make the view incomplete.
 */
import { formatShard, type ShardRecord } from '../inventory/shard.js';
import type { StoredRun } from './journal.js';

export interface MergedShard {
  shard: string;
  runId: string;
  dir: string;
  mode: string;
  startedAt: string;
  hosts: number;
  finished: boolean;
  exitCode?: number;
  summary?: Record<string, number>;
}

export interface MergedHost {
  status: string;
  shard: string;
  runId: string;
  error?: string;
}

export interface MergedView {
  shards: number;
  fleet?: string;
  totalHosts?: number;
  /** One row per shard run given, in shard order. */
  runs: MergedShard[];
  present: string[];
  missing: string[];
  /** Every host of every shard: its worst status (hosts a run never reached: 'not reached'). */
  hosts: Record<string, MergedHost>;
  /** The shard runs' end summaries, added up. */
  totals: Record<string, number>;
  complete: boolean;
  /** Worst exit code of the shard runs (2 > 3 > 4 > 0), 2 for an interrupted one. */
  exitCode: number;
  /** Refused: the runs are not shards of one run. */
  problems: string[];
  warnings: string[];
}

// Worst last: a host run by several plays keeps its worst status (as the engine's report).
const RANK = ['ok', 'clean', 'changed', 'affected', 'not reached', 'unreachable', 'rolled-back', 'failed'];
const worse = (a: string, b: string) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a);

function worstExit(codes: number[]): number {
  for (const c of [1, 2, 3, 4]) if (codes.includes(c)) return c;
  return codes.find((c) => c !== 0) ?? 0;
}

export function mergeShardRuns(runs: readonly StoredRun[]): MergedView {
  const problems: string[] = [];
  const warnings: string[] = [];
  const sharded: { run: StoredRun; shard: ShardRecord }[] = [];
  for (const run of runs) {
    if (run.meta.shard) sharded.push({ run, shard: run.meta.shard });
    else problems.push(`run ${run.meta.runId} is not a shard run (it was not started with --shard): nothing to merge it with`);
  }
  const counts = [...new Set(sharded.map((s) => s.shard.count))];
  if (counts.length > 1) {
    problems.push(`the runs split the fleet into different numbers of shards: ${sharded.map((s) => `${s.run.meta.runId} is ${formatShard(s.shard)}`).join(', ')}`);
  }
  const fleets = new Map<string, string[]>();
  for (const s of sharded) fleets.set(s.shard.fleet, [...(fleets.get(s.shard.fleet) ?? []), s.run.meta.runId]);
  if (fleets.size > 1) {
    problems.push(
      `the shards were cut from different host selections (the inventory or --limit changed between them), so together they do not cover one fleet exactly once: ${[...fleets]
        .map(([f, ids]) => `fleet ${f} (${sharded.find((s) => s.shard.fleet === f)!.shard.totalHosts} hosts) in run ${ids.join(', ')}`)
        .join('; ')}`,
    );
  }
  const byIndex = new Map<number, StoredRun[]>();
  for (const s of sharded) byIndex.set(s.shard.index, [...(byIndex.get(s.shard.index) ?? []), s.run]);
  for (const [i, list] of byIndex) {
    if (list.length > 1) problems.push(`shard ${formatShard({ index: i, count: list[0]!.meta.shard!.count })} is given ${list.length} times (runs ${list.map((r) => r.meta.runId).join(', ')}): name one run per shard`);
  }
  const modes = [...new Set(sharded.map((s) => s.run.meta.mode))];
  if (modes.length > 1) warnings.push(`the shard runs are of different modes: ${sharded.map((s) => `${formatShard(s.shard)} ${s.run.meta.mode}`).join(', ')}`);
  const playbooks = [...new Set(sharded.map((s) => s.run.meta.playbooks.join('\n')))];
  if (playbooks.length > 1) warnings.push(`the shard runs ran different playbooks: ${sharded.map((s) => `${formatShard(s.shard)}: ${s.run.meta.playbooks.join(', ')}`).join('; ')}`);

  const count = counts.length === 1 ? counts[0]! : Math.max(0, ...counts);
  const hosts: Record<string, MergedHost> = {};
  const totals: Record<string, number> = {};
  const rows: MergedShard[] = [];
  const codes: number[] = [];
  const seenIn = new Map<string, string>();
  const usedIndex = new Set<number>();
  for (const { run, shard } of [...sharded].sort((a, b) => a.shard.index - b.shard.index || a.run.meta.startedAt.localeCompare(b.run.meta.startedAt))) {
    const label = formatShard(shard);
    const end = run.events.find((e) => e.ev.type === 'end')?.ev as { summary: Record<string, number>; exitCode: number } | undefined;
    const status = new Map<string, { status: string; error?: string }>();
    // The shard's hosts: whom the run meant to reach (run.json), and whom it reported on.
    for (const h of Object.keys(run.meta.hosts)) status.set(h, { status: 'not reached' });
    for (const { ev } of run.events) {
      if (ev.type !== 'host-result') continue;
      const prev = status.get(ev.host);
      const next = !prev || prev.status === 'not reached' ? ev.status : worse(prev.status, ev.status);
      status.set(ev.host, { status: next, ...(ev.error && next === ev.status ? { error: ev.error } : prev?.error ? { error: prev.error } : {}) });
    }
    // A shard given twice is already refused; its second run's hosts would only repeat that.
    const repeat = usedIndex.has(shard.index);
    usedIndex.add(shard.index);
    for (const [h, st] of repeat ? [] : status) {
      const other = seenIn.get(h);
      if (other) {
        problems.push(`host ${h} is in two shard runs (${other} and ${run.meta.runId}): the shards overlap`);
        continue;
      }
      seenIn.set(h, run.meta.runId);
      hosts[h] = { status: st.status, shard: label, runId: run.meta.runId, ...(st.error ? { error: st.error } : {}) };
    }
    if (status.size !== shard.hosts) warnings.push(`shard ${label} (run ${run.meta.runId}) recorded ${shard.hosts} host(s) but its journal names ${status.size}`);
    if (end) {
      for (const [k, v] of Object.entries(end.summary)) totals[k] = (totals[k] ?? 0) + v;
      codes.push(end.exitCode);
    } else {
      warnings.push(`shard ${label} (run ${run.meta.runId}) has no end record: it was interrupted or is still running`);
      codes.push(2);
    }
    rows.push({ shard: label, runId: run.meta.runId, dir: run.dir, mode: run.meta.mode, startedAt: run.meta.startedAt, hosts: shard.hosts, finished: Boolean(end), ...(end ? { exitCode: end.exitCode, summary: end.summary } : {}) });
  }
  const present: string[] = [];
  const missing: string[] = [];
  for (let i = 0; i < count; i++) (byIndex.has(i) ? present : missing).push(formatShard({ index: i, count }));
  if (missing.length) warnings.push(`missing shard(s) ${missing.join(', ')}: the view covers ${present.length} of ${count}`);
  const fleet = fleets.size === 1 ? [...fleets.keys()][0] : undefined;
  const totalHosts = fleet ? sharded[0]!.shard.totalHosts : undefined;
  const reached = Object.keys(hosts).length;
  if (totalHosts !== undefined && !missing.length && !problems.length && reached !== totalHosts) {
    warnings.push(`every shard is present but they name ${reached} host(s) of the fleet's ${totalHosts}`);
  }
  const complete = !problems.length && !missing.length && rows.every((r) => r.finished) && (totalHosts === undefined || reached === totalHosts);
  return {
    shards: count,
    ...(fleet ? { fleet, totalHosts } : {}),
    runs: rows,
    present,
    missing,
    hosts,
    totals,
    complete,
    exitCode: worstExit(codes),
    problems: [...new Set(problems)],
    warnings,
  };
}
