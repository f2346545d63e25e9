/**
 * Step 3b of the guided session: the dry-run preview and the operator's consent. The preview is
 * journaled into a throwaway directory (it is not a run anyone needs to undo); consent is a plain
 * yes, a second yes for irreversible steps, and a typed name for destructive ones.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CatalogEntry } from '../catalog/types.js';
import type { RunReport } from '../engine/run.js';
import { EXIT, ExitError } from '../errors.js';
import { applyChanged } from './applyStep.js';
import type { Ctx, HostChoice } from './context.js';
import { printCommand } from './equivalentCommand.js';
import { challenges } from './hosts.js';
import { isPromptExit } from './prompts.js';
import { renderPreview } from './render.js';
import { baseApply, inInventoryOrderReport, typedExtraVars } from './runOptions.js';

export async function previewAndApply(ctx: Ctx, e: CatalogEntry, hc: HostChoice): Promise<number> {
  const { t, d, s } = ctx;
  const out = d.out;

  // Dry-run into a throwaway journal: a preview is not a run anyone needs to undo.
  out(t('previewing', { count: hc.hosts.length }));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-guide-preview-'));
  let dry: RunReport;
  try {
    dry = await d.signals.cancellable((signal) => d.engine.runApply({ ...baseApply(ctx, e, hc.limit), dryRun: true, journalDir: tmp, signal, log: () => {} }));
  } catch (err) {
    if (isPromptExit(err) || !(err instanceof ExitError)) throw err;
    out(s.red(t('previewError', { error: err.message })));
    printCommand(ctx, e, hc);
    return err.code;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  dry = inInventoryOrderReport(ctx, dry);
  const p = renderPreview(t, dry, s);
  out('');
  for (const l of p.lines) out(l);
  out('');
  if (!p.changed.length) {
    out(p.failed.length ? s.red(t('notApplied')) : s.green(t('nothingToDo')));
    printCommand(ctx, e, hc);
    return p.failed.length ? dry.exitCode || EXIT.FAILED : EXIT.OK;
  }

  // Consent: a plain yes, more for irreversible steps, a typed name for destructive ones.
  const irreversible = !e.reversible || p.irreversible.length > 0;
  const ok = await d.prompts.confirm({ id: 'applyQ', message: t('applyQ', { count: p.changed.length }), default: !irreversible && !e.destructive });
  if (!ok) {
    out(t('notApplied'));
    printCommand(ctx, e, hc);
    return EXIT.OK;
  }
  if (irreversible && !e.destructive) {
    if (!(await d.prompts.confirm({ id: 'irreversibleQ', message: t('irreversibleQ', { count: p.changed.length }), default: false }))) {
      out(t('notApplied'));
      printCommand(ctx, e, hc);
      return EXIT.OK;
    }
  }
  for (const c of challenges(e, ctx.inv, p.changed, typedExtraVars(ctx))) {
    const typed = await d.prompts.input({
      id: c.kind === 'count' ? 'typeBackCountQ' : 'typeBackQ',
      message: c.kind === 'count' ? t('typeBackCountQ', { expect: c.expect }) : t('typeBackQ', { expect: c.expect, host: c.host! }),
    });
    if (typed.trim() !== c.expect) {
      out(s.red(`${t('typeBackWrong')} ${t('notApplied')}`));
      printCommand(ctx, e, hc);
      return EXIT.INPUT;
    }
  }
  return applyChanged(ctx, e, hc, p, dry);
}
