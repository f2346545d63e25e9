/** `crane-fix runs` and `crane-fix runs show <run-id>`: what the journal knows. */
import type { Command } from 'commander';
import { defaultJournalDir, listRuns, readRun, snapshotsByHost, type StoredRun } from '../journal/journal.js';
import { formatShard } from '../inventory/shard.js';
import { registerRunsMerge } from './runsMerge.js';

function summarize(r: StoredRun) {
  const end = r.events.find((e) => e.ev.type === 'end')?.ev as { summary: Record<string, number>; exitCode: number } | undefined;
  const hosts: Record<string, string> = {};
  for (const { ev } of r.events) if (ev.type === 'host-result') hosts[ev.host] = ev.status;
  return {
    runId: r.meta.runId,
    mode: r.meta.mode,
    startedAt: r.meta.startedAt,
    job: r.meta.job,
    playbooks: r.meta.playbooks,
    rollbackOf: r.meta.rollbackOf,
    ...(r.meta.shard ? { shard: { ...r.meta.shard, shard: formatShard(r.meta.shard) } } : {}),
    finished: Boolean(end),
    exitCode: end?.exitCode,
    summary: end?.summary,
    hosts,
  };
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('List journaled runs (newest last)')
    .option('--json', 'JSON on stdout')
    .option('--journal-dir <dir>', 'where runs are journaled')
    .action((o) => {
      const list = listRuns(o.journalDir ?? defaultJournalDir()).map(summarize);
      if (o.json) {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return;
      }
      if (!list.length) console.log('no runs journaled yet');
      for (const r of list) {
        const s = r.summary ? Object.entries(r.summary).map(([k, v]) => `${k}=${v}`).join(' ') : 'INTERRUPTED (no end record)';
        console.log(`${r.runId}  ${r.mode.padEnd(8)} ${r.job ? `job=${r.job} ` : ''}${r.rollbackOf ? `of=${r.rollbackOf} ` : ''}${r.shard ? `shard=${r.shard.shard} ` : ''}${s}`);
      }
    });
  runs
    .command('show')
    .argument('<run-id>')
    .option('--json', 'JSON on stdout')
    .option('--journal-dir <dir>', 'where runs are journaled')
    .action((runId: string, _o, cmd: Command) => {
      // `runs` defines --json and --journal-dir too; commander hands an option written after
      // `show` to the parent when both define it, so read both levels.
      const o = cmd.optsWithGlobals();
      const dir = o.journalDir ?? defaultJournalDir();
      const r = readRun(dir, runId);
      const snaps = snapshotsByHost(r);
      const detail = {
        ...summarize(r),
        dir: r.dir,
        snapshots: Object.fromEntries([...snaps].map(([h, l]) => [h, l.map((s) => ({ path: s.path, existed: s.existed, mode: s.mode?.toString(8), uid: s.uid, gid: s.gid }))])),
        events: r.events.filter((e) => e.ev.type !== 'snapshot').map((e) => ({ at: e.at, ...e.ev })),
      };
      if (o.json) {
        process.stdout.write(JSON.stringify(detail, null, 2) + '\n');
        return;
      }
      console.log(`run ${detail.runId} (${detail.mode}) started ${detail.startedAt}${detail.finished ? '' : ' — INTERRUPTED'}`);
      console.log(`playbooks: ${detail.playbooks.join(', ')}`);
      for (const [h, st] of Object.entries(detail.hosts)) console.log(`  ${h}: ${st}; snapshots: ${(detail.snapshots[h] ?? []).map((s) => s.path).join(', ') || 'none'}`);
      if (detail.shard) console.log(`shard ${detail.shard.shard}: ${detail.shard.hosts} of ${detail.shard.totalHosts} host(s), fleet ${detail.shard.fleet} (see crane-fix runs merge)`);
      if (detail.summary) console.log(`summary: ${Object.entries(detail.summary).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    });
  registerRunsMerge(runs);
}
