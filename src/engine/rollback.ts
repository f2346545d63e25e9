/**
 * `crane-fix rollback <run-id>`: put every host of a finished (or crashed) run back as the
 * journal's snapshots say — byte-identical content, mode and owner; files the run created
 * are removed — then re-run the play's rollback hooks. Itself journaled as a run.
 */
import PQueue from 'p-queue';
import { ExitError, EXIT } from '../errors.js';
import type { ConnectionSpec, Inventory } from '../inventory/types.js';
import { selectHosts } from '../inventory/index.js';
import { Journal, defaultJournalDir, newRunId, readRun, snapshotsByHost } from '../journal/journal.js';
import type { TaskDef } from '../playbook/types.js';
import { KnownHosts, knownHostsFilesFor } from '../transport/knownHosts.js';
import { SshConnector } from '../transport/ssh.js';
import { TransportError, type OpenSession } from '../transport/types.js';
import { collectFactRequests, gatherScript, newToken, parseGather, throwIfLocked } from './remoteScript.js';
import type { HostReport } from './hostTypes.js';
import { restoreHost } from './restoreHost.js';
import { sessionRunner } from './stepRunner.js';
import { unifiedDiff } from '../modules/virtualFs.js';
import { visibleDiff } from '../modules/visibleDiff.js';
import { shellFor } from './becomeShell.js';
import { explainNotReady } from './startFailure.js';
import type { RunReport } from './run.js';

export interface RollbackOptions {
  runId: string;
  dryRun?: boolean;
  limit?: string;
  journalDir?: string;
  knownHosts?: string[];
  forks?: number;
  log?: (line: string) => void;
  argv?: string[];
  lockWaitS?: number;
  /** For hosts the run reached through sudo (the journal never holds the password). */
  becomePassword?: string;
}

function fakeInventory(hosts: string[]): Inventory {
  const pos = { file: '<journal>', line: 1, col: 1 };
  return {
    file: '<journal>',
    hosts: new Map(hosts.map((h) => [h, { name: h, vars: {}, groups: ['all'], pos }])),
    groups: new Map([['all', { name: 'all', hosts, children: [], vars: {} }]]),
  } as Inventory;
}

export async function runRollback(opts: RollbackOptions): Promise<RunReport> {
  const log = opts.log ?? (() => {});
  const root = opts.journalDir ?? defaultJournalDir();
  const run = readRun(root, opts.runId);
  const snaps = snapshotsByHost(run);
  const hooks = new Map<string, { tasks: TaskDef[]; vars: Record<string, unknown> }>();
  for (const { ev } of run.events) if (ev.type === 'rollback-hooks') hooks.set(ev.host, { tasks: ev.tasks as TaskDef[], vars: ev.vars });
  let hosts = [...snaps.keys()];
  if (opts.limit) hosts = selectHosts(fakeInventory(hosts), opts.limit);
  const runId = newRunId();
  const mode = 'rollback' as const;
  const report: RunReport = { runId, mode, hosts: {}, summary: { ok: 0, changed: 0, failed: 0, unreachable: 0, rolledBack: 0 }, exitCode: 0 };
  if (!hosts.length) {
    log(`run ${opts.runId} changed nothing that can be restored${opts.limit ? ' on the hosts matching --limit' : ''}`);
    return report;
  }
  const journal = opts.dryRun
    ? undefined
    : Journal.create(root, {
        runId,
        mode,
        startedAt: new Date().toISOString(),
        argv: opts.argv ?? [],
        playbooks: run.meta.playbooks,
        hosts: Object.fromEntries(hosts.map((h) => [h, run.meta.hosts[h]!])),
        rollbackOf: opts.runId,
      });
  if (journal) report.journalDir = journal.dir;
  log(`${opts.dryRun ? 'would roll back' : 'rolling back'} run ${opts.runId} on ${hosts.length} host(s)`);
  const queue = new PQueue({ concurrency: opts.forks ?? 50 });
  for (const h of hosts) {
    void queue.add(async () => {
      const spec = run.meta.hosts[h] as ConnectionSpec;
      const files = knownHostsFilesFor(opts.knownHosts, spec.sshArgs);
      const rep: HostReport = { status: 'ok', tasks: [], sessions: 0, notes: [] };
      let conn: SshConnector | undefined;
      let holder: OpenSession | undefined;
      try {
        conn = await SshConnector.connect(spec, { knownHosts: KnownHosts.load(files) });
        const list = snaps.get(h)!;
        const req = collectFactRequests(list.map((s) => ({ kind: 'file' as const, path: s.path })));
        // Hold the host lock (exclusive unless dry-run) from before the facts are read until
        // the restore is done: taken now, not on the first change as apply does — a rollback
        // nearly always changes the host, and is rare enough that its `flock` costs nothing.
        const endToken = newToken();
        // The same become as the run's (journaled without its password): the restore writes
        // root's files back with root's owner and mode.
        const sh = shellFor(spec, opts.becomePassword);
        holder = await conn.open(sh.command, { stdin: sh.stdinPrefix + gatherScript(req, { when: 'now', exclusive: !opts.dryRun, runId, waitS: opts.lockWaitS ?? 30 }, endToken), encoding: 'latin1' });
        let out: string;
        try {
          await holder.waitFor('@@CF lock ok', ((opts.lockWaitS ?? 30) + 60) * 1000);
          out = await holder.waitFor(`@@CF end ${endToken}\n`, 60_000);
        } catch (err) {
          const partial = (err as { result?: { stdout: string } }).result?.stdout ?? '';
          throwIfLocked(partial);
          throw err;
        }
        const now = parseGather(req, out).files;
        for (const s of list) {
          const cur = now.get(s.path);
          const before = cur?.content ?? '';
          const after = s.existed && s.contentB64 !== undefined ? Buffer.from(s.contentB64, 'base64').toString('utf8') : '';
          const same = cur?.exists === s.existed && (!s.existed || (cur.sha256 === s.sha256 && cur.mode === s.mode && cur.uid === s.uid && cur.gid === s.gid) || s.type === 'directory');
          const attrs: string[] = [];
          if (cur?.exists && s.existed && cur.mode !== s.mode) attrs.push(`mode ${cur.mode?.toString(8)} -> ${s.mode?.toString(8)}`);
          if (!s.existed && cur?.exists) attrs.push('remove (the run created it)');
          if (s.existed && !cur?.exists) attrs.push('recreate');
          rep.tasks.push({
            name: `restore ${s.path}`,
            status: same ? 'ok' : 'changed',
            changed: !same,
            ...(same ? {} : { diff: unifiedDiff({ path: s.path, before, after, attrs }) }),
          });
        }
        if (!opts.dryRun) {
          const hk = hooks.get(h);
          await restoreHost(sessionRunner(holder), { checkMode: false, noRollback: false, shell: sh, log, journal }, snaps.get(h)!, hk?.tasks ?? [], hk?.vars ?? {}, rep, h, journal);
        }
        rep.status = opts.dryRun ? (rep.tasks.some((t) => t.changed) ? 'changed' : 'ok') : 'rolled-back';
      } catch (err) {
        rep.status = err instanceof TransportError && err.unreachable ? 'unreachable' : 'failed';
        rep.error = (err as Error).message;
        if (rep.tasks.length === 0) rep.error = explainNotReady(rep.error, spec, Boolean(opts.becomePassword));
      } finally {
        await holder?.end().catch(() => undefined);
        await conn?.close();
      }
      journal?.append({ type: 'host-result', host: h, status: rep.status, ...(rep.error ? { error: rep.error } : {}) });
      report.hosts[h] = { status: rep.status, tasks: rep.tasks, ...(rep.error ? { error: rep.error } : {}) };
      for (const t of rep.tasks) {
        log(`${t.status.padEnd(7)} ${h} [${t.name}]${t.error ? ` — ${t.error}` : ''}`);
        if (opts.dryRun && t.diff) log(visibleDiff(t.diff.replace(/\n$/, '')));
      }
      if (rep.error) log(`${rep.status.toUpperCase()} ${h}: ${rep.error}`);
    });
  }
  await queue.onIdle();
  for (const r of Object.values(report.hosts)) {
    if (r.status === 'ok') report.summary.ok++;
    else if (r.status === 'changed') report.summary.changed++;
    else if (r.status === 'failed') report.summary.failed++;
    else if (r.status === 'unreachable') report.summary.unreachable++;
    else report.summary.rolledBack++;
  }
  report.exitCode = report.summary.failed ? EXIT.FAILED : report.summary.unreachable ? EXIT.UNREACHABLE : EXIT.OK;
  journal?.append({ type: 'end', summary: { ...report.summary }, exitCode: report.exitCode });
  journal?.close();
  const s = report.summary;
  log(`rollback of ${opts.runId}: restored=${s.rolledBack} failed=${s.failed} unreachable=${s.unreachable}${opts.dryRun ? ` (dry-run: would change ${s.changed})` : ''}`);
  if (report.exitCode !== 0 && !Object.keys(report.hosts).length) throw new ExitError(report.exitCode, 'rollback failed');
  return report;
}
