/**
 * The options the guided session passes to the engine: the same connection settings for the
 * scan, the preview, the apply and the rollback, so a session never reaches a host one way
 * and undoes it another (the sudo password included).
 */
import type { CatalogEntry } from '../catalog/types.js';
import type { ApplyOptions, RunReport } from '../engine/run.js';
import { parseExtraVars } from '../inventory/index.js';
import { extraVarArg } from './command.js';
import type { Ctx } from './context.js';

/** How to reach the hosts, as the operator started the session. */
export function connectionOptions(ctx: Ctx) {
  const { o } = ctx;
  return {
    knownHosts: o.knownHosts?.length ? o.knownHosts : undefined,
    acceptNewHostKeys: o.acceptNewHostKeys,
    connectTimeoutMs: o.connectTimeout !== undefined ? o.connectTimeout * 1000 : undefined,
    ...(o.sshConfig ? { sshConfig: o.sshConfig } : {}),
    ...(o.becomePassword ? { becomePassword: o.becomePassword } : {}),
  };
}

/** The vars typed so far, as `-e` arguments (the printed command shows the same ones). */
export function extraArgs(ctx: Ctx): string[] {
  return [...ctx.vars].map(([k, v]) => extraVarArg(k, v));
}

export function typedExtraVars(ctx: Ctx) {
  return parseExtraVars(extraArgs(ctx), ctx.o.cwd ?? process.cwd());
}

export function baseApply(ctx: Ctx, e: CatalogEntry, limit: string | undefined): ApplyOptions {
  return {
    inventory: ctx.o.inventory,
    targets: [e.id],
    limit,
    extraVars: typedExtraVars(ctx),
    argv: ctx.o.argv,
    ...connectionOptions(ctx),
  };
}

/** Hosts report in the order they finish; people read them in inventory order. */
export function inInventoryOrderReport(ctx: Ctx, r: RunReport): RunReport {
  const rank = new Map(ctx.all.map((h, i) => [h, i]));
  const hosts = Object.entries(r.hosts).sort(([a], [b]) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
  return { ...r, hosts: Object.fromEntries(hosts) };
}
