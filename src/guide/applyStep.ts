/**
 * Step 4 of the guided session: apply where the preview showed changes, with live progress
 * (each phase for a few hosts, a "still working" line for many), then the recap and the offer
 * to keep or roll back.
 */
import type { CatalogEntry } from '../catalog/types.js';
import type { RunReport } from '../engine/run.js';
import { EXIT } from '../errors.js';
import { offerRollback } from './afterApply.js';
import { MAX_PHASE_LINES, type Ctx, type HostChoice } from './context.js';
import { printCommand } from './equivalentCommand.js';
import { limitFor } from './hosts.js';
import { rollbackCommand } from './command.js';
import { hostOfProgressLine, phaseText, progressTranslator, renderRecap, shortList, type Preview } from './render.js';
import { baseApply, inInventoryOrderReport } from './runOptions.js';

export async function applyChanged(ctx: Ctx, e: CatalogEntry, hc: HostChoice, p: Preview, dry: RunReport): Promise<number> {
  const { t, d, s, o } = ctx;
  const out = d.out;
  const applyLimit = limitFor(ctx.inv, p.changed);
  out('');
  out(s.bold(t('applying', { id: e.id, count: p.changed.length })));
  const translate = progressTranslator(t, s);
  const done = new Set<string>();
  const phases = new Map<string, string>();
  // A few hosts: each phase as it starts. Many: a summary line now and then (see heartbeat).
  const showPhases = p.changed.length <= MAX_PHASE_LINES;
  const log = (line: string) => {
    const h = hostOfProgressLine(line);
    if (h) done.add(h);
    const m = /^run (\S+) \(apply\)/.exec(line);
    if (m) ctx.runId = m[1];
    for (const l of translate(line)) out(l);
  };
  const sig = d.signals.forApply(log);
  const beat = o.heartbeatMs
    ? setInterval(() => {
        const busy = [...phases].filter(([h]) => !done.has(h)).map(([host, ph]) => t('hostPhase', { host, phase: phaseText(t, ph) }));
        const counts = { done: done.size, total: p.changed.length };
        out(s.dim(busy.length ? t('stillWorkingBusy', { ...counts, busy: shortList(t, busy, 3) }) : t('stillWorking', counts)));
      }, o.heartbeatMs)
    : undefined;
  let report: RunReport;
  try {
    report = await d.engine.runApply({
      ...baseApply(ctx, e, applyLimit),
      yes: true,
      journalDir: o.journalDir,
      signal: sig.signal,
      log,
      onRunStart: (runId: string) => {
        ctx.runId = runId;
      },
      onHostProgress: (host: string, phase: string) => {
        phases.set(host, phase);
        if (showPhases) out(s.dim(`  ${t('phaseLine', { host, phase: phaseText(t, phase) })}`));
      },
      onHostDone: (host: string) => {
        done.add(host);
      },
    });
  } finally {
    if (beat) clearInterval(beat);
    sig.dispose();
  }
  ctx.runId = report.runId;
  report = inInventoryOrderReport(ctx, report);
  out('');
  for (const l of renderRecap(t, report, s)) out(l);
  const undo = rollbackCommand(report.runId, o.journalDir);
  const changedSomething = Object.values(report.hosts).some((h) => h.status === 'changed');

  if (sig.signal.aborted) {
    out(s.yellow(t('interrupted')));
    if (changedSomething) out(t('undoHint', { command: undo }));
    printCommand(ctx, e, hc);
    return report.exitCode || EXIT.FAILED;
  }

  // Hosts left out after a failed preview were not fixed either: say so in the exit status.
  let code = report.exitCode || (p.failed.length ? dry.exitCode || EXIT.FAILED : EXIT.OK);
  if (changedSomething) code = await offerRollback(ctx, report, code);
  printCommand(ctx, e, hc);
  return code;
}
