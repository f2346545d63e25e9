/**
 * After a real apply changed something: keep it, or roll it back now (offered first when the
 * run failed). The rollback reaches the hosts the way the run did, sudo password included.
 */
import type { RunReport } from '../engine/run.js';
import { EXIT, ExitError } from '../errors.js';
import { rollbackCommand } from './command.js';
import type { Ctx } from './context.js';
import { progressTranslator } from './render.js';

/** Returns the session's exit status: the run's, or the rollback's when that failed. */
export async function offerRollback(ctx: Ctx, report: RunReport, code: number): Promise<number> {
  const { t, d, s, o } = ctx;
  const out = d.out;
  const undo = rollbackCommand(report.runId, o.journalDir);
  const translate = progressTranslator(t, s);
  const failed = report.exitCode !== EXIT.OK;
  const choice = await d.prompts.select<'keep' | 'rollback'>({
    id: failed ? 'afterFailQ' : 'afterOkQ',
    message: t(failed ? 'afterFailQ' : 'afterOkQ'),
    choices: failed
      ? [
          { name: t('rollbackNow'), value: 'rollback' },
          { name: t('keep'), value: 'keep' },
        ]
      : [
          { name: t('keep'), value: 'keep' },
          { name: t('rollbackNow'), value: 'rollback' },
        ],
  });
  if (choice === 'rollback') {
    out(t('rollingBack', { runId: report.runId }));
    try {
      const rb = await d.engine.runRollback({
        runId: report.runId,
        journalDir: o.journalDir,
        knownHosts: o.knownHosts?.length ? o.knownHosts : undefined,
        argv: ['rollback', report.runId],
        ...(o.becomePassword ? { becomePassword: o.becomePassword } : {}),
        log: (l: string) => {
          for (const x of translate(l)) out(x);
        },
      });
      out(t('rolledBack', { restored: rb.summary.rolledBack, failed: rb.summary.failed, unreachable: rb.summary.unreachable }));
      if (rb.exitCode) code = rb.exitCode;
    } catch (err) {
      if (!(err instanceof ExitError)) throw err;
      out(s.red(t('rollbackFailed', { error: err.message })));
      out(t('undoHint', { command: undo }));
      code = err.code;
    }
  } else {
    out(t('undoHint', { command: undo }));
  }
  return code;
}
