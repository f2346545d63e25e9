/**
 * One concept: the guided session's state machine (symptom → diagnosis → dry-run → confirm → apply → verify); its prompts, rendering and host choice are in guide/*.ts.
 *
 * `crane-fix guide`: one interactive session, from a symptom to a verified fix.
 *
 *   1. start: a pasted error (diagnose), a scan of the nodes (runCheck), or the catalogue;
 *   2. hosts: only the affected ones (from a scan), all, groups, picked hosts, or a pattern;
 *   3. vars (required ones asked, defaults shown), then a dry-run preview with per-host
 *      diffs; irreversible steps marked, destructive ones confirmed by typing a name back;
 *   4. apply with live progress, recap, and a rollback when verify failed or on request;
 *   5. the equivalent `crane-fix apply …` command.
 *
 * Nothing is written anywhere until the operator confirms step 4: previews are dry-runs
 * journaled into a temporary directory that is removed again, so a session left at any
 * question (Ctrl-C) leaves no run behind. Everything the session touches comes in through
 * `GuideDeps`, so the whole dialogue can be driven by a script in unit tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalog, getEntry } from '../catalog/index.js';
import { diagnose } from '../catalog/diagnose.js';
import type { CatalogEntry, Lang } from '../catalog/types.js';
import type { CheckOptions, CheckReport } from '../engine/check.js';
import type { ApplyOptions, RunReport } from '../engine/run.js';
import type { RollbackOptions } from '../engine/rollback.js';
import { loadInventory, parseExtraVars } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import { resolveTarget } from '../engine/targets.js';
import { EXIT, ExitError } from '../errors.js';
import { translator, type T } from './i18n.js';
import { applyArgv, commandLine, extraVarArg, rollbackCommand } from './command.js';
import { affectedBy, challenges, groupsOf, hostsOfGroups, inInventoryOrder, limitFor, mustAsk, tryPattern, typedValue, varRows, type VarRow } from './hosts.js';
import { isPromptExit, type Choice, type GuidePrompts } from './prompts.js';
import { entryLabel, entryTags, hostOfProgressLine, phaseText, plainStyle, progressTranslator, renderMatches, renderPreview, renderRecap, shortList, statusKey, type Style } from './render.js';

/** Up to this many hosts, the apply shows each host's phases as they start. */
export const MAX_PHASE_LINES = 10;

/** Exit status of a session left with Ctrl-C at a question (128 + SIGINT, like a shell). */
export const EXIT_CANCELLED = 130;

export interface GuideOptions {
  inventory: string;
  lang: Lang;
  journalDir?: string;
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  /** Seconds; passed through and repeated in the printed command. */
  connectTimeout?: number;
  /** `-F`: ssh_config for runs (bastions, ProxyJump). */
  sshConfig?: string;
  /** sudo password for become (from -K or the environment); never printed. */
  becomePassword?: string;
  /** The password came from -K: the printed command says -K too. */
  askBecomePass?: boolean;
  /** For the journal: how the session was started. */
  argv?: string[];
  cwd?: string;
  style?: Style;
  /** Print "still working" every this many ms during apply (0: never). */
  heartbeatMs?: number;
}

export interface GuideEngine {
  runCheck(opts: CheckOptions): Promise<CheckReport>;
  runApply(opts: ApplyOptions): Promise<RunReport>;
  runRollback(opts: RollbackOptions): Promise<RunReport>;
}

export interface GuideSignals {
  /** While a real run applies: the first Ctrl-C aborts the run (it restores), a second one exits. */
  forApply(log: (line: string) => void): { signal: AbortSignal; dispose(): void };
  /** While reading (scan, dry-run): Ctrl-C aborts `signal` and rejects as a cancelled prompt. */
  cancellable<R>(work: (signal: AbortSignal) => Promise<R>): Promise<R>;
}

export interface GuideDeps {
  prompts: GuidePrompts;
  engine: GuideEngine;
  out: (line: string) => void;
  signals: GuideSignals;
}

interface Ctx {
  o: GuideOptions;
  d: GuideDeps;
  t: T;
  lang: Lang;
  s: Style;
  inv: Inventory;
  all: string[];
  /** Vars the operator typed for the current entry (name -> value), in asking order. */
  vars: Map<string, string>;
  /** Set once a real run started: from then on, leaving is not "nothing changed". */
  runId?: string;
}

interface Problem {
  entry: CatalogEntry;
  affected?: string[];
  /** The explanation was already shown (with the diagnose evidence). */
  explained?: boolean;
}

interface HostChoice {
  hosts: string[];
  limit?: string;
}

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

// ---------------------------------------------------------------- 1. the problem

async function chooseProblem(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d } = ctx;
  for (;;) {
    const start = await d.prompts.select<'paste' | 'scan' | 'catalog' | 'quit'>({
      id: 'startQ',
      message: t('startQ'),
      choices: [
        { name: t('startPaste'), value: 'paste' },
        { name: t('startScan'), value: 'scan' },
        { name: t('startCatalog'), value: 'catalog' },
        { name: t('quit'), value: 'quit' },
      ],
    });
    if (start === 'quit') return undefined;
    const p = start === 'paste' ? await fromPaste(ctx) : start === 'scan' ? await fromScan(ctx) : await fromCatalog(ctx);
    if (p) return p;
  }
}

async function fromPaste(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d, s, lang } = ctx;
  for (;;) {
    const text = await d.prompts.paste({ id: 'pasteQ', message: t('pasteQ') });
    if (!text.trim()) {
      d.out(t('pasteEmpty'));
      return undefined;
    }
    const result = diagnose(text);
    d.out('');
    for (const l of renderMatches(t, lang, result, getEntry, s)) d.out(l);
    d.out('');
    if (!result.matches.length) {
      const again = await d.prompts.select<'again' | 'back'>({
        id: 'pickMatchQ',
        message: t('startQ'),
        choices: [
          { name: t('pasteAgain'), value: 'again' },
          { name: t('back'), value: 'back' },
        ],
      });
      if (again === 'again') continue;
      return undefined;
    }
    const pick = await d.prompts.select<string>({
      id: 'pickMatchQ',
      message: t('pickMatchQ'),
      choices: [
        ...result.matches.map((m) => ({ name: entryLabel(t, lang, getEntry(m.entryId)), value: m.entryId })),
        { name: t('pasteAgain'), value: ':again' },
        { name: t('back'), value: ':back' },
      ],
    });
    if (pick === ':again') continue;
    if (pick === ':back') return undefined;
    return { entry: getEntry(pick), explained: true };
  }
}

async function scan(ctx: Ctx, hosts: string[], ids?: string[]): Promise<CheckReport> {
  const { t, d, o } = ctx;
  d.out(t('scanning', { count: hosts.length }));
  const started = Date.now();
  const report = await d.signals.cancellable(() =>
    d.engine.runCheck({
      inventory: o.inventory,
      ids,
      limit: hosts.length === ctx.all.length ? undefined : limitFor(ctx.inv, hosts),
      extraVars: ctx.vars.size ? parseExtraVars([...ctx.vars].map(([k, v]) => extraVarArg(k, v)), o.cwd ?? process.cwd()) : undefined,
      knownHosts: o.knownHosts?.length ? o.knownHosts : undefined,
      acceptNewHostKeys: o.acceptNewHostKeys,
      connectTimeoutMs: o.connectTimeout !== undefined ? o.connectTimeout * 1000 : undefined,
      sshConfig: o.sshConfig,
      becomePassword: o.becomePassword,
    }),
  );
  d.out(t('scanDone', { seconds: ((Date.now() - started) / 1000).toFixed(1) }));
  for (const [h, row] of Object.entries(report.hosts)) if (!row.reachable) d.out(ctx.s.red(t('scanUnreachable', { host: h, error: row.error ?? '' })));
  return report;
}

async function fromScan(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d, lang } = ctx;
  const report = await scan(ctx, ctx.all);
  const found = Object.entries(report.affected).filter(([, hs]) => hs.length);
  if (!found.length) {
    d.out(t('scanNothing'));
    d.out('');
    return undefined;
  }
  // Fixable problems first, in catalogue order (worst first).
  const order = (id: string) => (getEntry(id).playbook ? 0 : 1000) + catalog.findIndex((e) => e.id === id);
  found.sort((a, b) => order(a[0]) - order(b[0]));
  const pick = await d.prompts.select<string>({
    id: 'scanPickQ',
    message: t('scanPickQ'),
    choices: [
      ...found.map(([id, hs]) => {
        const e = getEntry(id);
        const tags = entryTags(t, e);
        return { name: t('scanChoice', { id, title: e.title[lang], count: hs.length, hosts: shortList(t, hs, 4) }) + (tags.length ? ` [${tags.join(', ')}]` : ''), value: id };
      }),
      { name: t('back'), value: ':back' },
    ],
  });
  if (pick === ':back') return undefined;
  return { entry: getEntry(pick), affected: report.affected[pick] };
}

async function fromCatalog(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d, lang } = ctx;
  const pick = await d.prompts.select<string>({
    id: 'catalogPickQ',
    message: t('catalogPickQ'),
    choices: [...catalog.map((e) => ({ name: entryLabel(t, lang, e), value: e.id })), { name: t('back'), value: ':back' }],
  });
  return pick === ':back' ? undefined : { entry: getEntry(pick) };
}

// ---------------------------------------------------------------- 2. the hosts

type HostMode = 'affected' | 'scan' | 'all' | 'groups' | 'pick' | 'pattern' | 'back';

async function chooseHosts(ctx: Ctx, problem: Problem): Promise<HostChoice | undefined> {
  const { t, d, inv } = ctx;
  let affected = problem.affected;
  for (;;) {
    const choices: Choice<HostMode>[] = [];
    if (affected?.length) choices.push({ name: t('hostsAffected', { count: affected.length, hosts: shortList(t, affected, 4) }), value: 'affected' });
    else if (problem.entry.detector) choices.push({ name: t('hostsScanFor'), value: 'scan' });
    choices.push(
      { name: t('hostsAll', { count: ctx.all.length }), value: 'all' },
      { name: t('hostsGroups'), value: 'groups' },
      { name: t('hostsPick'), value: 'pick' },
      { name: t('hostsPattern'), value: 'pattern' },
      { name: t('back'), value: 'back' },
    );
    const mode = await d.prompts.select<HostMode>({ id: 'hostsQ', message: t('hostsQ'), choices });
    let hosts: string[];
    let limit: string | undefined;
    switch (mode) {
      case 'back':
        return undefined;
      case 'affected':
        hosts = affected!;
        break;
      case 'scan': {
        await askRequired(ctx, problem.entry, ctx.all);
        const report = await scan(ctx, ctx.all, [problem.entry.id]);
        for (const [h, row] of Object.entries(report.hosts)) {
          const r = row.results[problem.entry.id];
          if (r && r.status !== 'clean') d.out(`  ${h}: ${t(statusKey(r.status))} — ${r.evidence}`);
        }
        affected = affectedBy(report, problem.entry.id);
        if (!affected.length) {
          d.out(t('noAffected', { id: problem.entry.id }));
          continue;
        }
        hosts = affected;
        break;
      }
      case 'all':
        hosts = ctx.all;
        break;
      case 'groups': {
        const groups = await d.prompts.checkbox<string>({
          id: 'groupsQ',
          message: t('groupsQ'),
          choices: groupsOf(inv).map((g) => ({ name: t('groupChoice', { group: g.name, count: g.hosts.length, hosts: shortList(t, g.hosts, 5) }), value: g.name })),
        });
        hosts = hostsOfGroups(inv, groups);
        break;
      }
      case 'pick':
        hosts = inInventoryOrder(inv, await d.prompts.checkbox<string>({
          id: 'pickHostsQ',
          message: t('pickHostsQ'),
          choices: ctx.all.map((h) => ({
            name: `${h} (${inv.hosts.get(h)!.groups.filter((g) => g !== 'all' && g !== 'ungrouped').join(', ')})`,
            value: h,
            checked: Boolean(affected?.includes(h)),
          })),
        }));
        break;
      case 'pattern': {
        const pattern = (
          await d.prompts.input({
            id: 'patternQ',
            message: t('patternQ'),
            validate: (v) => {
              const r = tryPattern(inv, v);
              return 'error' in r ? r.error : true;
            },
          })
        ).trim();
        const r = tryPattern(inv, pattern);
        if ('error' in r) {
          d.out(r.error);
          continue;
        }
        hosts = r.hosts;
        limit = pattern;
        d.out(t('patternMatches', { count: hosts.length, hosts: shortList(t, hosts) }));
        break;
      }
    }
    if (!hosts.length) {
      d.out(t('needOne'));
      continue;
    }
    if (limit === undefined) limit = limitFor(inv, hosts);
    d.out(t('selectedHosts', { count: hosts.length, hosts: shortList(t, hosts, 12) }));
    if (await d.prompts.confirm({ id: 'useHostsQ', message: t('useHostsQ'), default: true })) return { hosts, limit };
  }
}

// ---------------------------------------------------------------- 3. vars, preview, confirm

function playVarsOf(e: CatalogEntry): Record<string, unknown> {
  try {
    const pb = loadPlaybook(resolveTarget(e.id));
    return Object.assign({}, ...pb.plays.map((p) => p.vars));
  } catch {
    return {}; // the preview reports a missing or broken playbook with its own error
  }
}

async function askOne(ctx: Ctx, row: VarRow, required: boolean): Promise<void> {
  const { t, d, lang } = ctx;
  const value = typedValue(
    await d.prompts.input({
      id: required ? 'varRequiredQ' : 'varQ',
      message: t(required ? 'varRequiredQ' : 'varQ', { name: row.name, description: row.description[lang] }),
      default: ctx.vars.get(row.name) ?? row.current,
      validate: required ? (v) => (typedValue(v) !== '' || /^(""|'')$/.test(v.trim()) ? true : t('varRequiredError')) : undefined,
    }),
  );
  if (required || value !== row.current) ctx.vars.set(row.name, value);
}

/** Required vars not settled by the inventory or the playbook: asked once per entry. */
async function askRequired(ctx: Ctx, e: CatalogEntry, hosts: string[]): Promise<void> {
  for (const row of varRows(e, ctx.inv, hosts, playVarsOf(e))) {
    if (mustAsk(row) && !ctx.vars.has(row.name)) await askOne(ctx, row, true);
  }
}

async function askVars(ctx: Ctx, e: CatalogEntry, hosts: string[]): Promise<void> {
  const { t, d, lang, s } = ctx;
  const rows = varRows(e, ctx.inv, hosts, playVarsOf(e));
  if (!rows.length) return;
  d.out(s.bold(t('varsHeader')));
  await askRequired(ctx, e, hosts);
  const optional = rows.filter((r) => !ctx.vars.has(r.name));
  for (const r of rows) {
    if (ctx.vars.has(r.name)) d.out(`  ${r.name} = ${JSON.stringify(ctx.vars.get(r.name))}`);
    else if (r.source === 'inventory') d.out(`  ${t('varFromInventory', { name: r.name, value: r.current! })}`);
    else if (r.current !== undefined) d.out(`  ${t('varDefault', { name: r.name, value: r.current, description: r.description[lang] })}`);
    else d.out(`  ${t('varQ', { name: r.name, description: r.description[lang] })}`);
  }
  if (optional.length && (await d.prompts.confirm({ id: 'varsChangeQ', message: t('varsChangeQ'), default: false }))) {
    for (const r of optional) await askOne(ctx, r, false);
  }
  d.out('');
}

function extraArgs(ctx: Ctx): string[] {
  return [...ctx.vars].map(([k, v]) => extraVarArg(k, v));
}

function baseApply(ctx: Ctx, e: CatalogEntry, limit: string | undefined): ApplyOptions {
  const { o } = ctx;
  return {
    inventory: o.inventory,
    targets: [e.id],
    limit,
    extraVars: parseExtraVars(extraArgs(ctx), o.cwd ?? process.cwd()),
    knownHosts: o.knownHosts?.length ? o.knownHosts : undefined,
    acceptNewHostKeys: o.acceptNewHostKeys,
    connectTimeoutMs: o.connectTimeout !== undefined ? o.connectTimeout * 1000 : undefined,
    argv: o.argv,
    ...(o.sshConfig ? { sshConfig: o.sshConfig } : {}),
    ...(o.becomePassword ? { becomePassword: o.becomePassword } : {}),
  };
}

/** Hosts report in the order they finish; people read them in inventory order. */
function inInventoryOrderReport(ctx: Ctx, r: RunReport): RunReport {
  const rank = new Map(ctx.all.map((h, i) => [h, i]));
  const hosts = Object.entries(r.hosts).sort(([a], [b]) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
  return { ...r, hosts: Object.fromEntries(hosts) };
}

function printCommand(ctx: Ctx, e: CatalogEntry, hc: HostChoice): void {
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

async function previewAndApply(ctx: Ctx, e: CatalogEntry, hc: HostChoice): Promise<number> {
  const { t, d, s, o } = ctx;
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
  const extraVars = parseExtraVars(extraArgs(ctx), o.cwd ?? process.cwd());
  for (const c of challenges(e, ctx.inv, p.changed, extraVars)) {
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

  // 4. apply, only where the preview showed changes.
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
  if (changedSomething) {
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
          log: (() => {
            const tr = progressTranslator(t, s);
            return (l: string) => {
              for (const x of tr(l)) out(x);
            };
          })(),
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
  }
  printCommand(ctx, e, hc);
  return code;
}
