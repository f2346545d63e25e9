/**
 * A whole run: load and check everything first (bad input -> exit 1, no host contacted),
 * then for each play run hosts in `serial` batches, at most `forks` at a time (p-queue),
 * one SSH connection per host for the whole run, journaling as it goes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import PQueue from 'p-queue';
import { groupHosts, loadInventory, playHosts, selectHosts, resolveConnection } from '../inventory/index.js';
import type { ConnectionSpec, Inventory } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import type { PlayDef, Playbook, TaskDef } from '../playbook/types.js';
import { TemplateError } from '../playbook/template.js';
import { InputError, ExitError, EXIT } from '../errors.js';
import { KnownHosts, knownHostsFilesFor } from '../transport/knownHosts.js';
import { SshConnector } from '../transport/ssh.js';
import { TransportError, type Connector } from '../transport/types.js';
import { Journal, defaultJournalDir, newRunId, type RunMode } from '../journal/journal.js';
import { prepareTasks, registeredPlaceholders, type PreparedTask } from './plan.js';
import { runHostPlay, type HostReport, type HostStatus, type TaskReport } from './hostRun.js';
import { resolveTarget } from './targets.js';
import { redact, secretValues } from './secrets.js';
import { formatShard, shardHosts, shardRecord, type ShardRecord, type ShardSpec } from '../inventory/shard.js';
import { shellFor } from './becomeShell.js';
import { explainNotReady } from './startFailure.js';
import { visibleDiff } from '../modules/visibleDiff.js';

export interface ApplyOptions {
  inventory: string;
  targets: string[];
  limit?: string;
  dryRun?: boolean;
  diff?: boolean;
  forks?: number;
  serial?: string;
  maxFailPercent?: number;
  extraVars?: Record<string, unknown>;
  yes?: boolean;
  journalDir?: string;
  noRollback?: boolean;
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  argv?: string[];
  job?: string;
  /** Human output (progress, diffs, recap). */
  log?: (line: string) => void;
  /** Asked when a run contains irreversible or destructive steps and --yes was not given. */
  confirm?: (question: string, expect?: string) => Promise<boolean>;
  signal?: AbortSignal;
  becomePassword?: string;
  /** The hosts this run will work on, once input and consent are settled (before any connection). */
  onHosts?: (hosts: string[]) => void;
  /** Live progress per host: a phase while it runs, then its report when the host is done. */
  onHostProgress?: (host: string, phase: string) => void;
  onHostDone?: (host: string, report: HostReport) => void;
  /** Called once the run is journaled (the scheduler names the running run in skip records). */
  onRunStart?: (runId: string, journalDir: string) => void;
  /** ssh_config file (default ~/.ssh/config): Host, HostName, User, Port, IdentityFile, ProxyJump. */
  sshConfig?: string;
  /** Seconds to wait for another crane-fix run's lock on a host (default 30). */
  lockWaitS?: number;
  /**
   * `--shard i/n`: work only on the hosts of this shard of the selection (the plays' hosts
   * within --limit); the journal records the shard and the whole selection's digest.
   */
  shard?: ShardSpec;
}

export interface RunReport {
  runId: string;
  mode: RunMode;
  /** sessions: exec channels; roundTrips: scripts run on them (gather, apply, retries, restore …). */
  hosts: Record<string, { status: HostStatus; tasks: TaskReport[]; error?: string; notes?: string[]; sessions?: number; roundTrips?: number }>;
  summary: { ok: number; changed: number; failed: number; unreachable: number; rolledBack: number };
  journalDir?: string;
  /** Stopped by SIGINT/SIGTERM: hosts not reached are not in `hosts`. */
  interrupted?: boolean;
  /** With --shard: which shard of how large a selection this run was. */
  shard?: ShardRecord;
  exitCode: number;
}

interface PreparedPlay {
  play: PlayDef;
  playbook: Playbook;
  hosts: string[];
  perHost: Map<string, { tasks: PreparedTask[]; handlers: PreparedTask[]; verify: PreparedTask[]; vars: Record<string, unknown> }>;
  irreversible: string[];
  destructive: string[];
}

/** Ansible's serial: a number, a percentage, or a list of either (batch sizes in turn). */
export function batches(hosts: string[], serial: unknown): string[][] {
  if (serial === undefined || serial === null || serial === '' || serial === 0) return hosts.length ? [hosts] : [];
  const sizes = (Array.isArray(serial) ? serial : [serial]).map((s) => {
    const str = String(s).trim();
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(str);
    if (pct) return Math.max(1, Math.floor((hosts.length * Number(pct[1])) / 100));
    const n = Number(str);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`serial must be a positive number or percentage, got ${JSON.stringify(s)}`, { flag: '--serial' });
    return n;
  });
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)]!;
    out.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return out;
}

/** What `checkApplyInput` found valid: everything a run needs before its first connection. */
export interface CheckedInput {
  inventory: Inventory;
  playbooks: Playbook[];
  prepared: PreparedPlay[];
  /** Every host some play runs on, in first-play order (with --shard: of this shard only). */
  hosts: string[];
  /** With --shard: the shard and the whole selection it was cut from. */
  shard?: ShardRecord;
  specs: Map<string, ConnectionSpec>;
}

/**
 * Everything that can be wrong with the input of `apply`, found before any host is contacted
 * (the rule for bad input: exit 1 with the file and line, nothing touched): inventory, --limit,
 * playbooks, vars and templates for every host, connection settings, known_hosts files and
 * serial sizes. `crane-fix apply --syntax-check` stops here.
 */
export function checkApplyInput(opts: ApplyOptions): CheckedInput {
  const forks = opts.forks ?? 50;
  if (!Number.isInteger(forks) || forks < 1) throw new InputError('must be a positive integer', { flag: '--forks' });
  if (opts.maxFailPercent !== undefined && (!(opts.maxFailPercent >= 0) || opts.maxFailPercent > 100)) {
    throw new InputError('must be a number from 0 to 100', { flag: '--max-fail-percent' });
  }
  if (!opts.targets.length) throw new InputError('name at least one playbook or fix id', { flag: 'apply' });

  const inv: Inventory = loadInventory(opts.inventory);
  const limited = new Set(selectHosts(inv, opts.limit));
  const playbooks = opts.targets.map((t) => loadPlaybook(resolveTarget(t)));
  const plays: { play: PlayDef; pb: Playbook; hosts: string[] }[] = [];
  for (const pb of playbooks) {
    for (const play of pb.plays) {
      try {
        // In Ansible's order for the pattern (what `serial` batches follow), within --limit.
        plays.push({ play, pb, hosts: playHosts(inv, play.hosts).filter((h) => limited.has(h)) });
      } catch (err) {
        if (err instanceof InputError) throw new InputError(`hosts: ${err.detail}`, play.pos);
        throw err;
      }
    }
  }
  const selection = [...new Set(plays.flatMap((p) => p.hosts))];
  if (!selection.length) throw new InputError('no hosts matched (check --limit and the plays\' hosts:)', { flag: '--limit' });
  // --shard cuts the selection after --limit; a host's shard depends on its name only, so
  // filtering each play's list keeps Ansible's order within the shard. Only the shard's hosts
  // are prepared (templates, connections): the other shards check their own.
  let shard: ShardRecord | undefined;
  if (opts.shard) {
    shard = shardRecord(selection, opts.shard);
    const mine = new Set(shardHosts(selection, opts.shard));
    for (const p of plays) p.hosts = p.hosts.filter((h) => mine.has(h));
  }
  const prepared: PreparedPlay[] = [];
  let groupsVar: Record<string, string[]> | undefined;
  for (const { play, pb, hosts } of plays) {
    const perHost = new Map<string, { tasks: PreparedTask[]; handlers: PreparedTask[]; verify: PreparedTask[]; vars: Record<string, unknown> }>();
    // Ansible's `groups` magic var: every group, empty ones included (once per run).
    groupsVar ??= Object.fromEntries(
      [...inv.groups.keys()].map((g) => [g, groupHosts(inv, g)]),
    );
    const irreversible = new Set<string>();
    const destructive = new Set<string>();
    for (const h of hosts) {
      const host = inv.hosts.get(h)!;
      const vars: Record<string, unknown> = {
        ...host.vars,
        ...play.vars,
        ...(opts.extraVars ?? {}),
        inventory_hostname: h,
        // Ansible (inventory/host.py get_magic_vars): an IP stays whole; group_names sorted.
        inventory_hostname_short: /^\d{1,3}(\.\d{1,3}){3}$|:/.test(h) ? h : h.split('.')[0],
        group_names: host.groups.filter((g) => g !== 'all').sort(),
        groups: groupsVar,
        ansible_check_mode: Boolean(opts.dryRun),
        crane_fix_check_mode: Boolean(opts.dryRun),
      };
      // In task order, so a set_fact's value is known to the tasks after it (plan.ts prepareTasks).
      const prep = (defs: TaskDef[], from: Record<string, unknown>, unknown?: Set<string>, isHandler?: boolean) => {
        let i = 0;
        try {
          return prepareTasks(defs, from, { unknown, isHandler, onTask: (k) => (i = k) });
        } catch (err) {
          const d = defs[i]!;
          if (err instanceof TemplateError) throw new InputError(`${err.message} (host ${h}, task '${d.name}')`, d.pos, { cause: err });
          throw err;
        }
      };
      const main = prep(play.tasks, { ...vars, ...registeredPlaceholders(play) });
      const tasks = main.tasks;
      const verify = prep(play.verify, main.vars, main.unknown).tasks;
      const handlers = prep(play.handlers, main.vars, main.unknown, true).tasks;
      for (const t of [...tasks, ...handlers]) {
        const consent = typeof t.module.needsConsent === 'function' ? t.module.needsConsent(t.args) : Boolean(t.module.needsConsent);
        if (t.def.irreversible || consent) irreversible.add(t.name);
        if (typeof t.module.destructive === 'function' ? t.module.destructive(t.args) : t.module.destructive) destructive.add(t.name);
      }
      perHost.set(h, { tasks, handlers, verify, vars });
    }
    prepared.push({ play, playbook: pb, hosts, perHost, irreversible: [...irreversible], destructive: [...destructive] });
  }
  const allHosts = [...new Set(prepared.flatMap((p) => p.hosts))];
  const specs = new Map<string, ConnectionSpec>();
  for (const h of allHosts) {
    const host = inv.hosts.get(h)!;
    const spec = resolveConnection(host, { sshConfigPath: opts.sshConfig, extraVars: opts.extraVars });
    if (spec.privateKeyPath) {
      if (!fs.existsSync(spec.privateKeyPath)) {
        throw new InputError(`ansible_ssh_private_key_file ${spec.privateKeyPath} (host ${h}) does not exist`, host.pos);
      }
    }
    specs.set(h, spec);
  }

  // Checked now, not after connecting: known_hosts files, the become method of every host,
  // serial sizes.
  for (const f of opts.knownHosts ?? []) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new InputError(`${f} is not a regular file`, { flag: '--known-hosts' });
  }
  for (const [h, spec] of specs) {
    try {
      shellFor(spec);
    } catch (err) {
      throw new InputError(`${(err as Error).message} (host ${h})`, inv.hosts.get(h)!.pos);
    }
  }
  for (const pp of prepared) batches(pp.hosts, opts.serial ?? pp.play.serial);

  return { inventory: inv, playbooks, prepared, hosts: allHosts, specs, ...(shard ? { shard } : {}) };
}

export async function runApply(opts: ApplyOptions): Promise<RunReport> {
  const log = opts.log ?? (() => {});
  const mode: RunMode = opts.dryRun ? 'dry-run' : 'apply';
  const forks = opts.forks ?? 50;
  // ---- everything that can be wrong with the input is found here, before any connection.
  const { playbooks, prepared, hosts: allHosts, specs, shard } = checkApplyInput(opts);

  // ---- irreversible / destructive steps need an explicit yes.
  const irreversible = [...new Set(prepared.flatMap((p) => p.irreversible))];
  const destructive = [...new Set(prepared.flatMap((p) => p.destructive))];
  if (irreversible.length) log(`note: these steps cannot be undone by rollback and need consent: ${irreversible.join('; ')}`);
  if (!opts.dryRun && (irreversible.length || destructive.length) && !opts.yes) {
    const question = destructive.length
      ? `DESTRUCTIVE steps (${destructive.join('; ')}) will run on ${allHosts.length} host(s). Type the number of hosts to continue`
      : `Irreversible steps (${irreversible.join('; ')}) will run on ${allHosts.length} host(s). Continue?`;
    const ok = opts.confirm ? await opts.confirm(question, destructive.length ? String(allHosts.length) : undefined) : false;
    if (!ok) throw new ExitError(EXIT.INPUT, `refusing to run irreversible${destructive.length ? '/destructive' : ''} steps without --yes${opts.confirm ? '' : ' (no terminal to ask on)'}: ${[...destructive, ...irreversible].join('; ')}`);
  }

  // ---- run.
  const runId = newRunId();
  const journalRoot = opts.journalDir ?? defaultJournalDir();
  const secrets = secretValues([...prepared.flatMap((p) => [...p.perHost.values()].map((x) => x.vars))], opts.becomePassword);
  const journal = createJournal(journalRoot, {
    runId,
    mode,
    startedAt: new Date().toISOString(),
    argv: (opts.argv ?? []).map((a) => redact(a, secrets)),
    inventory: path.resolve(opts.inventory),
    playbooks: playbooks.map((p) => p.file),
    job: opts.job,
    hosts: Object.fromEntries([...specs].map(([h, s]) => [h, stripSecret(s)])),
    ...(shard ? { shard } : {}),
  });
  journal.redactor = (line) => redact(line, secrets);
  opts.onRunStart?.(runId, journal.dir);
  const report: RunReport = {
    runId,
    mode,
    hosts: {},
    summary: { ok: 0, changed: 0, failed: 0, unreachable: 0, rolledBack: 0 },
    journalDir: journal.dir,
    ...(shard ? { shard } : {}),
    exitCode: 0,
  };
  const conns = new Map<string, Connector | TransportError>();
  const knownHostsCache = new Map<string, KnownHosts>();
  const dead = new Set<string>();
  let endedPlaybook: Playbook | undefined;
  log(`run ${runId} (${mode}) on ${allHosts.length} host(s)${shard ? ` — shard ${formatShard(shard)} of ${shard.totalHosts} selected host(s), fleet ${shard.fleet}` : ''}; journal ${journal.dir}`);
  // An empty shard (a hash split of a small fleet can leave one) is a run of nothing: it is
  // journaled all the same, so that `runs merge` sees every shard present.
  if (shard && !allHosts.length) log(`shard ${formatShard(shard)} has no hosts (the other ${shard.count - 1} shard(s) hold all ${shard.totalHosts}): nothing to do`);
  opts.onHosts?.(allHosts);
  try {
    for (let k = 0; k < prepared.length; k++) {
      const pp = prepared[k]!;
      // Ansible: a playbook file that ends with a failed (or unreachable) host is the last one run.
      if (k > 0 && pp.playbook !== prepared[k - 1]!.playbook && dead.size) {
        log(`a host failed in ${prepared[k - 1]!.playbook.file}: the later playbook files do not run`);
        break;
      }
      if (pp.playbook === endedPlaybook) continue;
      log(`PLAY [${pp.play.name}] ${pp.hosts.length} host(s)`);
      const maxFail = opts.maxFailPercent ?? pp.play.maxFailPercentage;
      const batchList = batches(pp.hosts, opts.serial ?? pp.play.serial);
      for (const batch of batchList) {
        if (opts.signal?.aborted) break;
        const queue = new PQueue({ concurrency: forks });
        let failedInBatch = 0;
        for (const h of batch) {
          if (dead.has(h)) continue;
          const runOne = async () => {
            if (opts.signal?.aborted) return;
            const spec = specs.get(h)!;
            let conn = conns.get(h);
            if (!conn) {
              opts.onHostProgress?.(h, 'connecting');
              const khFiles = knownHostsFilesFor(opts.knownHosts, spec.sshArgs);
              const key = khFiles.join('\0');
              let kh = knownHostsCache.get(key);
              if (!kh) knownHostsCache.set(key, (kh = KnownHosts.load(khFiles)));
              try {
                conn = await SshConnector.connect(spec, {
                  knownHosts: kh,
                  acceptNewHostKeys: opts.acceptNewHostKeys,
                  connectTimeoutMs: opts.connectTimeoutMs,
                  commandTimeoutMs: opts.commandTimeoutMs,
                });
              } catch (err) {
                conn = err instanceof TransportError ? err : new TransportError(String((err as Error).message), 'client-socket', { cause: err });
              }
              conns.set(h, conn);
            }
            let rep: HostReport;
            if (conn instanceof TransportError) {
              rep = { status: 'unreachable', tasks: [], error: conn.message, sessions: 0, notes: [] };
              journal.append({ type: 'host-result', host: h, status: 'unreachable', error: conn.message });
            } else {
              const ph = pp.perHost.get(h)!;
              // Recorded before anything changes, so `crane-fix rollback` has the hooks even
              // after a crash mid-run.
              if (pp.play.rollback.length && !opts.dryRun) {
                journal.append({ type: 'rollback-hooks', host: h, tasks: pp.play.rollback, vars: redactVars(ph.vars, secrets) });
              }
              rep = await runHostPlay(
                conn,
                { tasks: ph.tasks, handlers: pp.play.handlers, preparedHandlers: ph.handlers, verify: ph.verify, rollback: pp.play.rollback, vars: ph.vars },
                {
                  checkMode: Boolean(opts.dryRun),
                  diff: Boolean(opts.diff),
                  noRollback: Boolean(opts.noRollback),
                  journal,
                  shell: shellFor(spec, spec.becomePassword ?? opts.becomePassword),
                  log: (line) => log(redact(line, secrets)),
                  signal: opts.signal,
                  runId,
                  lockWaitS: opts.lockWaitS,
                  commandTimeoutMs: opts.commandTimeoutMs,
                  progress: (phase) => opts.onHostProgress?.(h, phase),
                },
                h,
              );
            }
            // sudo refusing (wrong or missing password, requiretty, no rights) ends the session
            // before the first fact: say which, and that nothing changed.
            if (rep.status === 'failed' && rep.error && rep.tasks.length === 0) rep.error = explainNotReady(rep.error, spec, Boolean(spec.becomePassword ?? opts.becomePassword));
            mergeHost(report, h, rep, secrets);
            if (rep.status === 'failed' || rep.status === 'rolled-back' || rep.status === 'unreachable') {
              failedInBatch++;
              dead.add(h); // Ansible: a failed host takes no further part in the run
            }
            printHost(log, h, rep, Boolean(opts.diff || opts.dryRun), secrets);
            opts.onHostDone?.(h, rep);
          };
          void queue.add(async () => {
            try {
              await runOne();
            } catch (err) {
              // Never let a host vanish from the report: anything unexpected fails it, loudly.
              const rep: HostReport = { status: 'failed', tasks: [], error: `internal error: ${(err as Error).message}`, sessions: 0, notes: [] };
              journal.append({ type: 'host-result', host: h, status: 'failed', error: rep.error });
              mergeHost(report, h, rep, secrets);
              dead.add(h);
              failedInBatch++;
              printHost(log, h, rep, false, secrets);
              opts.onHostDone?.(h, rep);
            }
          });
        }
        await queue.onIdle();
        // Ansible ends the playbook (its later plays too) when every host of a batch failed,
        // or when max_fail_percentage is exceeded; the hosts that are left run nothing more.
        if (batch.length && failedInBatch === batch.length) {
          log(`NO MORE HOSTS LEFT: every host of a batch failed; the rest of ${pp.playbook.file} does not run`);
          endedPlaybook = pp.playbook;
          break;
        }
        if (maxFail !== undefined && batch.length && (failedInBatch / batch.length) * 100 > maxFail) {
          log(`max_fail_percentage ${maxFail}% exceeded in a batch (${failedInBatch}/${batch.length} failed): the rest of ${pp.playbook.file} does not run`);
          endedPlaybook = pp.playbook;
          break;
        }
      }
    }
  } finally {
    await Promise.all([...conns.values()].map((c) => (c instanceof TransportError ? undefined : c.close())));
    for (const r of Object.values(report.hosts)) {
      if (r.status === 'ok') report.summary.ok++;
      else if (r.status === 'changed') report.summary.changed++;
      else if (r.status === 'failed') report.summary.failed++;
      else if (r.status === 'unreachable') report.summary.unreachable++;
      else if (r.status === 'rolled-back') report.summary.rolledBack++;
    }
    if (opts.signal?.aborted) {
      report.interrupted = true;
      log(`INTERRUPTED (${String((opts.signal.reason as Error | undefined)?.message ?? 'signal')}): hosts not reached were left as they were; exit 2`);
    }
    report.exitCode =
      report.summary.failed || report.summary.rolledBack ? EXIT.FAILED : report.summary.unreachable ? EXIT.UNREACHABLE : opts.signal?.aborted ? EXIT.FAILED : EXIT.OK;
    journal.append({ type: 'end', summary: { ...report.summary }, exitCode: report.exitCode });
    journal.close();
  }
  printRecap(log, report);
  return report;
}

function createJournal(root: string, meta: Parameters<typeof Journal.create>[1]): Journal {
  try {
    return Journal.create(root, meta);
  } catch (err) {
    throw new InputError(`cannot create the run journal in ${root}: ${(err as Error).message}`, { flag: '--journal-dir' }, { cause: err });
  }
}

function stripSecret(s: ConnectionSpec): Omit<ConnectionSpec, 'becomePassword'> {
  const { becomePassword: _pw, ...rest } = s;
  void _pw;
  if (rest.proxyJump) rest.proxyJump = stripSecret(rest.proxyJump) as ConnectionSpec;
  return rest;
}

function redactVars(vars: Record<string, unknown>, secrets: string[]): Record<string, unknown> {
  // Only for the journal, which serializes the event at once: with nothing to mask, the round
  // trip through JSON (each host's vars hold every group's host list) would write the same bytes.
  if (!secrets.length) return vars;
  return JSON.parse(redact(JSON.stringify(vars), secrets)) as Record<string, unknown>;
}

function mergeHost(report: RunReport, h: string, rep: HostReport, secrets: string[]): void {
  const clean = JSON.parse(redact(JSON.stringify(rep), secrets)) as HostReport;
  const prev = report.hosts[h];
  if (!prev) {
    report.hosts[h] = { status: clean.status, tasks: clean.tasks, ...(clean.error ? { error: clean.error } : {}), ...(clean.notes.length ? { notes: clean.notes } : {}), sessions: clean.sessions, roundTrips: clean.roundTrips ?? 0 };
    return;
  }
  prev.tasks.push(...clean.tasks);
  prev.sessions = (prev.sessions ?? 0) + clean.sessions;
  prev.roundTrips = (prev.roundTrips ?? 0) + (clean.roundTrips ?? 0);
  if (clean.error) prev.error = clean.error;
  if (clean.notes.length) prev.notes = [...(prev.notes ?? []), ...clean.notes];
  const rank: HostStatus[] = ['ok', 'changed', 'unreachable', 'rolled-back', 'failed'];
  if (rank.indexOf(clean.status) > rank.indexOf(prev.status)) prev.status = clean.status;
}

function printHost(log: (l: string) => void, h: string, rep: HostReport, diffs: boolean, secrets: string[]): void {
  for (const t of rep.tasks) {
    const tag = t.verify ? 'verify' : t.handler ? 'handler' : t.rollbackHook ? 'rollback-hook' : 'task';
    log(redact(`${t.status.padEnd(7)} ${h} ${tag} [${t.name}]${t.msg && t.status !== 'changed' ? ` — ${t.msg}` : ''}${t.error ? ` — ${t.error}` : ''}`, secrets));
    // As Ansible prints them: `[WARNING]: …`, every line of the text.
    for (const w of t.warnings ?? []) for (const l of w.split('\n')) log(redact(`[WARNING]: ${h}: ${l}`, secrets));
    if (diffs && t.diff) log(visibleDiff(redact(t.diff.replace(/\n$/, ''), secrets)));
  }
  for (const n of rep.notes) log(`note    ${h} ${n}`);
  if (rep.status === 'unreachable' || (rep.error && !rep.tasks.some((t) => t.error))) log(redact(`${rep.status.toUpperCase()} ${h}: ${rep.error}`, secrets));
  if (rep.status === 'rolled-back') log(`ROLLED BACK ${h}: its files are as they were before the run`);
}

function printRecap(log: (l: string) => void, r: RunReport): void {
  log('');
  log(`RECAP ${r.runId} (${r.mode})`);
  for (const [h, x] of Object.entries(r.hosts)) {
    const changed = x.tasks.filter((t) => t.changed && !t.rollbackHook).length;
    const ok = x.tasks.filter((t) => t.status === 'ok').length;
    const failed = x.tasks.filter((t) => t.status === 'failed').length;
    const skipped = x.tasks.filter((t) => t.status === 'skipped').length;
    log(`${h.padEnd(20)} : ${x.status.padEnd(11)} ok=${ok} changed=${changed} failed=${failed} skipped=${skipped}`);
  }
  const s = r.summary;
  log(`hosts: ok=${s.ok} changed=${s.changed} failed=${s.failed} unreachable=${s.unreachable} rolled-back=${s.rolledBack}`);
  if (r.mode === 'apply' && (s.changed || s.rolledBack || s.failed)) log(`undo this run with: crane-fix rollback ${r.runId}`);
}
