/**
 * `crane-fix runs merge <run-id|run-dir|journal-dir>...`: shard runs shown as one (the view
 * is journal/merge.ts). Exit 1 when the runs are not shards of one run (different fleets or
 * shard counts, a shard twice, a host in two shards); otherwise 0 — an incomplete view (a
 * shard missing or interrupted) is shown with `complete: false` and says what is missing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { EXIT, ExitError, InputError } from '../errors.js';
import { defaultJournalDir, listRuns, readRun, type StoredRun } from '../journal/journal.js';
import { mergeShardRuns, type MergedView } from '../journal/merge.js';

/**
 * One argument as runs: a run directory (holds run.json); a journal directory (the newest
 * shard run's shard count, and the newest run of each shard of that count in it — a Job's
 * pods writing to one volume); otherwise a run id in --journal-dir.
 */
export function resolveMergeArg(arg: string, journalDir: string): StoredRun[] {
  const st = fs.statSync(arg, { throwIfNoEntry: false });
  if (st?.isDirectory()) {
    const abs = path.resolve(arg);
    if (fs.existsSync(path.join(abs, 'run.json'))) return [readRun(path.dirname(abs), path.basename(abs))];
    const sharded = listRuns(abs).filter((r) => r.meta.shard);
    if (!sharded.length) throw new InputError(`${arg} holds no shard runs (runs started with --shard)`, { flag: 'runs merge' });
    const count = sharded[sharded.length - 1]!.meta.shard!.count;
    const newest = new Map<number, StoredRun>();
    // listRuns is oldest first: the last run of each shard wins.
    for (const r of sharded) if (r.meta.shard!.count === count) newest.set(r.meta.shard!.index, r);
    return [...newest.values()];
  }
  if (arg.includes('/')) throw new InputError(`${arg}: no such directory`, { flag: 'runs merge' });
  return [readRun(journalDir, arg)];
}

export function mergeArgs(args: string[], journalDir: string): MergedView {
  const runs = new Map<string, StoredRun>();
  for (const a of args) for (const r of resolveMergeArg(a, journalDir)) runs.set(path.resolve(r.dir), r);
  return mergeShardRuns([...runs.values()]);
}

const kv = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

export function printMerged(v: MergedView, out: (l: string) => void): void {
  const state = v.problems.length ? 'REFUSED' : v.complete ? 'complete' : 'INCOMPLETE';
  out(`${v.runs.length} shard run(s) of ${v.shards}${v.fleet ? ` over fleet ${v.fleet} (${v.totalHosts} hosts)` : ''}: ${state}`);
  for (const r of v.runs) out(`  shard ${r.shard.padEnd(7)} run ${r.runId}  ${r.mode.padEnd(8)} ${String(r.hosts).padStart(4)} host(s)  ${r.finished ? `exit ${r.exitCode}` : 'INTERRUPTED (no end record)'}`);
  for (const m of v.missing) out(`  shard ${m.padEnd(7)} MISSING`);
  for (const p of v.problems) out(`problem: ${p}`);
  for (const w of v.warnings) out(`warning: ${w}`);
  if (v.problems.length) return;
  out('hosts:');
  for (const [h, x] of Object.entries(v.hosts).sort(([a], [b]) => a.localeCompare(b))) out(`  ${h.padEnd(20)} ${x.status.padEnd(11)} shard ${x.shard}${x.error ? ` — ${x.error}` : ''}`);
  out(`totals: ${kv(v.totals) || 'none'}; hosts ${Object.keys(v.hosts).length}${v.totalHosts !== undefined ? ` of ${v.totalHosts}` : ''}`);
}

export function registerRunsMerge(runs: Command): void {
  runs
    .command('merge')
    .description('Show shard runs (apply --shard i/n) as one run: per-host results, totals, shards present and missing (docs/shard.md)')
    .argument('<runs...>', 'run ids (in --journal-dir), run directories, or journal directories (the newest run of each shard)')
    .option('--json', 'JSON on stdout')
    .option('--journal-dir <dir>', 'where run ids are looked up')
    .action((args: string[], o, cmd: Command) => {
      const dir = o.journalDir ?? cmd.parent?.opts().journalDir ?? defaultJournalDir();
      const view = mergeArgs(args, dir);
      if (o.json || cmd.parent?.opts().json) process.stdout.write(JSON.stringify(view, null, 2) + '\n');
      else printMerged(view, (l) => process.stdout.write(l + '\n'));
      if (view.problems.length) {
        throw new ExitError(EXIT.INPUT, `not shards of one run: ${view.problems.length} problem(s)${o.json ? `: ${view.problems.join('; ')}` : ' (above)'}`);
      }
    });
}
