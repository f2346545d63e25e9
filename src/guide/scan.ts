/** The session's read-only scan of the nodes (`crane-fix check`), cancellable with Ctrl-C. */
import type { CheckReport } from '../engine/check.js';
import type { Ctx } from './context.js';
import { limitFor } from './hosts.js';
import { connectionOptions, typedExtraVars } from './runOptions.js';

export async function scan(ctx: Ctx, hosts: string[], ids?: string[]): Promise<CheckReport> {
  const { t, d, o } = ctx;
  d.out(t('scanning', { count: hosts.length }));
  const started = Date.now();
  const report = await d.signals.cancellable(() =>
    d.engine.runCheck({
      inventory: o.inventory,
      ids,
      limit: hosts.length === ctx.all.length ? undefined : limitFor(ctx.inv, hosts),
      extraVars: ctx.vars.size ? typedExtraVars(ctx) : undefined,
      ...connectionOptions(ctx),
    }),
  );
  d.out(t('scanDone', { seconds: ((Date.now() - started) / 1000).toFixed(1) }));
  for (const [h, row] of Object.entries(report.hosts)) if (!row.reachable) d.out(ctx.s.red(t('scanUnreachable', { host: h, error: row.error ?? '' })));
  return report;
}
