/**
 * `crane-fix check`: run catalogue detectors on every host in parallel — all detectors of a
 * host in ONE read-only round trip — and return a host x problem matrix.
 */
import PQueue from 'p-queue';
import { loadInventory, selectHosts, resolveConnection } from '../inventory/index.js';
import { catalog, getEntry } from '../catalog/index.js';
import type { CatalogEntry, DetectorResult } from '../catalog/types.js';
import { KnownHosts, knownHostsFilesFor } from '../transport/knownHosts.js';
import { SshConnector } from '../transport/ssh.js';
import { gatherScript, parseGather } from './remoteScript.js';
import { shellFor } from './becomeShell.js';
import { explainStartFailure } from './startFailure.js';
import { EXIT, InputError } from '../errors.js';
import { shardHosts, shardRecord, type ShardRecord, type ShardSpec } from '../inventory/shard.js';

export interface CheckOptions {
  inventory: string;
  ids?: string[];
  limit?: string;
  forks?: number;
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  extraVars?: Record<string, unknown>;
  connectTimeoutMs?: number;
  /** ssh_config (ProxyJump, IdentityFile …), as for apply. */
  sshConfig?: string;
  /** For hosts with ansible_become: detectors run through sudo like apply's scripts. */
  becomePassword?: string;
  /** Stop between hosts (Ctrl-C in the guide, scheduler shutdown). */
  signal?: AbortSignal;
  /** `--shard i/n`: only this shard of the hosts --limit selects (as apply's). */
  shard?: ShardSpec;
}

export interface CheckReport {
  entries: string[];
  hosts: Record<string, { reachable: boolean; error?: string; results: Record<string, DetectorResult> }>;
  affected: Record<string, string[]>;
  shard?: ShardRecord;
  exitCode: number;
}

/** Catalogue defaults < inventory vars < -e: detectors see the same vars a fix would. */
function detectorVars(entry: CatalogEntry, hostVars: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const defaults = Object.fromEntries((entry.vars ?? []).filter((v) => v.default !== undefined).map((v) => [v.name, v.default]));
  return { ...defaults, ...hostVars, ...extra };
}

export async function runCheck(opts: CheckOptions): Promise<CheckReport> {
  const entries = (opts.ids?.length ? opts.ids.map((id) => getEntry(id)) : catalog).filter((e) => e.detector);
  const inv = loadInventory(opts.inventory);
  const selected = selectHosts(inv, opts.limit);
  if (opts.shard && !selected.length) throw new InputError('no hosts matched', { flag: '--limit' });
  const hosts = opts.shard ? shardHosts(selected, opts.shard) : selected;
  const report: CheckReport = { entries: entries.map((e) => e.id), hosts: {}, affected: {}, ...(opts.shard ? { shard: shardRecord(selected, opts.shard) } : {}), exitCode: EXIT.OK };
  const queue = new PQueue({ concurrency: opts.forks ?? 50 });
  const khCache = new Map<string, KnownHosts>();
  for (const h of hosts) {
    void queue.add(async () => {
      const host = inv.hosts.get(h)!;
      const spec = resolveConnection(host, { sshConfigPath: opts.sshConfig, extraVars: opts.extraVars });
      const files = knownHostsFilesFor(opts.knownHosts, spec.sshArgs);
      let kh = khCache.get(files.join('\0'));
      if (!kh) khCache.set(files.join('\0'), (kh = KnownHosts.load(files)));
      const row: CheckReport['hosts'][string] = { reachable: true, results: {} };
      report.hosts[h] = row;
      let conn: SshConnector | undefined;
      try {
        conn = await SshConnector.connect(spec, { knownHosts: kh, acceptNewHostKeys: opts.acceptNewHostKeys, connectTimeoutMs: opts.connectTimeoutMs });
        const req = {
          files: [],
          commands: entries.map((e) => ({ key: e.id, command: e.detector!.command(detectorVars(e, host.vars, opts.extraVars ?? {})) })),
        };
        if (opts.signal?.aborted) throw new Error('stopped (signal)');
        const sh = shellFor(spec, spec.becomePassword ?? opts.becomePassword);
        const r = await conn.run(sh.command, { stdin: sh.stdinPrefix + gatherScript(req), encoding: 'latin1' });
        // sudo refusing ends the command before the gather ran: the same message as apply's.
        const why = r.rc !== 0 ? explainStartFailure(r.stderr, spec, Boolean(spec.becomePassword ?? opts.becomePassword)) : undefined;
        if (why) throw new Error(why);
        const facts = parseGather(req, r.stdout);
        for (const e of entries) {
          const out = facts.commands.get(e.id)!;
          try {
            row.results[e.id] = e.detector!.evaluate(out, detectorVars(e, host.vars, opts.extraVars ?? {}));
          } catch (err) {
            row.results[e.id] = { status: 'unknown', evidence: `detector error: ${(err as Error).message}` };
          }
        }
      } catch (err) {
        row.reachable = false;
        row.error = (err as Error).message;
      } finally {
        await conn?.close();
      }
    });
  }
  await queue.onIdle();
  // Keep inventory order in the output.
  report.hosts = Object.fromEntries(hosts.map((h) => [h, report.hosts[h]!]));
  for (const [h, row] of Object.entries(report.hosts)) {
    for (const [id, res] of Object.entries(row.results)) if (res.status === 'affected') (report.affected[id] ??= []).push(h);
  }
  const anyAffected = Object.keys(report.affected).length > 0;
  const anyUnreachable = Object.values(report.hosts).some((r) => !r.reachable);
  report.exitCode = anyAffected ? EXIT.AFFECTED : anyUnreachable ? EXIT.UNREACHABLE : EXIT.OK;
  return report;
}
