/**
 * `crane-fix guide`: one interactive session, from a symptom to a verified fix.
 *
 *   1. start: a pasted error (diagnose), a scan of the nodes (runCheck), or the catalogue;
 *   2. hosts: only the affected ones (from a scan), all, groups, picked hosts, or a pattern;
 *   3. vars (required ones asked, defaults shown), then a dry-run preview with per-host
 *      diffs; irreversible steps marked, destructive ones confirmed by typing a name back;
 *   4. apply with live progress, recap, and a rollback when verify failed or on request;
 *   5. the equivalent `crane-fix apply …` command.
 *
 * Each step is its own file: chooseProblem.ts, chooseHosts.ts, vars.ts, preview.ts, applyStep.ts,
 * afterApply.ts and equivalentCommand.ts; context.ts holds the state they share.
 *
 * Nothing is written anywhere until the operator confirms step 4: previews are dry-runs
 * journaled into a temporary directory that is removed again, so a session left at any
 * question (Ctrl-C) leaves no run behind. Everything the session touches comes in through
 * `GuideDeps`, so the whole dialogue can be driven by a script in unit tests.
 */
import { loadInventory } from '../inventory/index.js';
import { EXIT } from '../errors.js';
import { chooseHosts } from './chooseHosts.js';
import { chooseProblem } from './chooseProblem.js';
import { rollbackCommand } from './command.js';
import { EXIT_CANCELLED, type Ctx, type GuideDeps, type GuideOptions } from './context.js';
import { groupsOf } from './hosts.js';
import { translator } from './i18n.js';
import { previewAndApply } from './preview.js';
import { isPromptExit } from './prompts.js';
import { plainStyle } from './render.js';
import { askVars } from './vars.js';

export { EXIT_CANCELLED, MAX_PHASE_LINES, type GuideDeps, type GuideEngine, type GuideOptions, type GuideSignals } from './context.js';

export async function runGuide(o: GuideOptions, d: GuideDeps): Promise<number> {
  const t = translator(o.lang);
  const s = o.style ?? plainStyle;
  const inv = loadInventory(o.inventory);
  const ctx: Ctx = { o, d, t, lang: o.lang, s, inv, all: [...inv.hosts.keys()], vars: new Map() };
  const out = d.out;
  out(s.bold(t('title')));
  out(t('inventorySummary', { file: o.inventory, hosts: ctx.all.length, groups: groupsOf(inv).filter((g) => g.name !== 'ungrouped').map((g) => g.name).join(', ') || '-' }));
  out(s.dim(t('ctrlcHint')));
  out('');
  try {
    return await session(ctx);
  } catch (err) {
    if (!isPromptExit(err)) throw err;
    out('');
    if (ctx.runId) {
      out(t('undoHint', { command: rollbackCommand(ctx.runId, o.journalDir) }));
    } else {
      out(t('cancelled'));
    }
    return EXIT_CANCELLED;
  }
}

async function session(ctx: Ctx): Promise<number> {
  const { t, d, s, lang } = ctx;
  const out = d.out;
  for (;;) {
    const problem = await chooseProblem(ctx);
    if (!problem) {
      out(t('bye'));
      return EXIT.OK;
    }
    const e = problem.entry;
    out('');
    if (!e.playbook) {
      out(s.bold(`${e.id} — ${e.title[lang]}`));
      out(e.explanation[lang]);
      out(t('adviceOnly'));
      for (const l of e.action[lang].split('\n')) out(`  ${l}`);
      out('');
      continue;
    }
    ctx.vars = new Map();
    out(s.bold(t('entryHeader', { id: e.id, title: e.title[lang] })));
    if (!problem.explained) out(e.explanation[lang]);
    if (e.destructive) out(s.red(t('entryDestructive')));
    else if (!e.reversible) out(s.yellow(t('entryIrreversible')));
    out('');
    const hc = await chooseHosts(ctx, problem);
    if (!hc) continue;
    await askVars(ctx, e, hc.hosts);
    return await previewAndApply(ctx, e, hc);
  }
}
