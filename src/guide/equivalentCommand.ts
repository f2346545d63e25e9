/** The `crane-fix apply …` commands equivalent to the session, printed at every way out of it. */
import type { CatalogEntry } from '../catalog/types.js';
import { applyArgv, commandLine } from './command.js';
import type { Ctx, HostChoice } from './context.js';

export function printCommand(ctx: Ctx, e: CatalogEntry, hc: HostChoice): void {
  const { t, d, o, s } = ctx;
  const c = {
    inventory: o.inventory,
    fixId: e.id,
    limit: hc.limit,
    vars: [...ctx.vars],
    journalDir: o.journalDir,
    knownHosts: o.knownHosts,
    acceptNewHostKeys: o.acceptNewHostKeys,
    connectTimeout: o.connectTimeout,
    sshConfig: o.sshConfig,
    askBecomePass: o.askBecomePass,
  };
  d.out('');
  d.out(s.bold(t('equivalentHeader')));
  d.out(`  ${commandLine(applyArgv(c, { dryRun: true }))}   # ${t('equivalentPreview')}`);
  d.out(`  ${commandLine(applyArgv(c))}   # ${t('equivalentApply')}`);
  if (!e.reversible || e.destructive) d.out(s.dim(`  ${t('equivalentYes')}`));
}
