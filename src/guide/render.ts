/**
 * What the guide prints, as pure functions from data to lines: diagnose matches, scan
 * results, dry-run previews (hosts with identical changes grouped), live progress lines
 * (the engine's log, localised) and the recap.
 */
import type { CatalogEntry, Lang } from '../catalog/types.js';
import type { DiagnoseResult } from '../catalog/diagnose.js';
import type { RunReport } from '../engine/run.js';
import type { MessageKey, T } from './i18n.js';
import { visibleDiff } from '../modules/visibleDiff.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
export const colorStyle: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39), cyan: ansi(36, 39) };
const id = (s: string) => s;
export const plainStyle: Style = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };

/** `a, b, c … and 3 more`. */
export function shortList(t: T, names: string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} ${t('more', { count: names.length - max })}`;
}

export function clip(s: string, max = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

export function entryTags(t: T, e: CatalogEntry): string[] {
  const tags: string[] = [];
  if (!e.playbook) tags.push(t('tagAdvice'));
  else if (e.destructive) tags.push(t('tagDestructive'));
  else if (!e.reversible) tags.push(t('tagIrreversible'));
  return tags;
}

export function entryLabel(t: T, lang: Lang, e: CatalogEntry): string {
  const tags = entryTags(t, e);
  return `${e.id} — ${e.title[lang]}${tags.length ? ` [${tags.join(', ')}]` : ''}`;
}

export function renderMatches(t: T, lang: Lang, result: DiagnoseResult, entries: (id: string) => CatalogEntry, s: Style = plainStyle): string[] {
  const out: string[] = [];
  if (!result.matches.length) out.push(t('diagNone'));
  else {
    out.push(t('diagFound', { count: result.matches.length }));
    for (const m of result.matches) {
      const e = entries(m.entryId);
      out.push(`  ${s.bold(entryLabel(t, lang, e))}`);
      for (const ev of m.evidence.slice(0, 2)) out.push(`    ${s.dim(t('diagEvidence', { line: ev.line, text: clip(ev.text) }))}`);
      out.push(`    ${clip(e.explanation[lang], 300)}`);
    }
  }
  if (result.unexplained.length) {
    out.push(t('diagUnexplained'));
    for (const u of result.unexplained.slice(0, 10)) out.push(`    ${s.dim(t('diagEvidence', { line: u.line, text: clip(u.text) }))}`);
  }
  return out;
}

export function colorDiff(diff: string, s: Style): string[] {
  return visibleDiff(diff)
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l.startsWith('+++') || l.startsWith('---') ? s.bold(l) : l.startsWith('+') ? s.green(l) : l.startsWith('-') ? s.red(l) : l.startsWith('@@') ? s.cyan(l) : l));
}

export interface Preview {
  lines: string[];
  /** Hosts the fix would change. */
  changed: string[];
  /** Hosts already fixed. */
  unchanged: string[];
  /** Hosts whose dry-run failed or that were unreachable. */
  failed: string[];
  /** Names of steps that would run and cannot be undone. */
  irreversible: string[];
}

/** A dry-run report as the operator reads it: hosts with the same changes under one heading. */
export function renderPreview(t: T, report: RunReport, s: Style = plainStyle): Preview {
  const p: Preview = { lines: [], changed: [], unchanged: [], failed: [], irreversible: [] };
  const groups = new Map<string, { hosts: string[]; lines: string[] }>();
  const failedLines: string[] = [];
  for (const [h, r] of Object.entries(report.hosts)) {
    if (r.status === 'failed' || r.status === 'unreachable' || r.status === 'rolled-back') {
      p.failed.push(h);
      const why = r.error ?? r.tasks.find((x) => x.error)?.error ?? r.status;
      failedLines.push(`  ${s.red(`${h}: ${t(statusKey(r.status))} — ${clip(why, 300)}`)}`);
      continue;
    }
    const changedTasks = r.tasks.filter((x) => x.changed);
    if (!changedTasks.length) {
      p.unchanged.push(h);
      continue;
    }
    p.changed.push(h);
    const lines: string[] = [];
    for (const task of changedTasks) {
      if (task.irreversible && !p.irreversible.includes(task.name)) p.irreversible.push(task.name);
      const kind = task.handler ? t('kindHandler') : t('kindTask');
      lines.push(`  ${t('previewTask', { status: s.yellow(t('willChange')), kind, task: task.name, mark: task.irreversible ? ` ${s.red(t('markIrreversible'))}` : '' })}`);
      // e.g. systemd-resolved will overwrite the file (the text carries English and Chinese).
      for (const w of task.warnings ?? []) for (const l of w.split('\n')) lines.push(`    ${s.yellow(`${t('markWarning')} ${l}`)}`);
      if (task.diff) for (const l of colorDiff(task.diff, s)) lines.push(`    ${l}`);
    }
    const key = lines.join('\n');
    const g = groups.get(key);
    if (g) g.hosts.push(h);
    else groups.set(key, { hosts: [h], lines });
  }
  if (groups.size) {
    p.lines.push(s.bold(t('previewHeader')));
    for (const g of groups.values()) {
      p.lines.push(s.bold(`── ${t('previewHosts', { count: g.hosts.length, hosts: shortList(t, g.hosts) })}`));
      p.lines.push(...g.lines);
    }
  }
  if (p.unchanged.length) p.lines.push(s.dim(t('previewNoChange', { count: p.unchanged.length, hosts: shortList(t, p.unchanged) })));
  if (p.failed.length) p.lines.push(s.red(t('previewFailed', { count: p.failed.length })), ...failedLines);
  return p;
}

export function statusKey(status: string): MessageKey {
  const k = `st.${status}`;
  return (['st.ok', 'st.changed', 'st.skipped', 'st.failed', 'st.unreachable', 'st.rolled-back', 'st.affected', 'st.unknown'] as const).find((x) => x === k) ?? 'st.failed';
}

const KIND: Record<string, MessageKey> = { task: 'kindTask', handler: 'kindHandler', verify: 'kindVerify', 'rollback-hook': 'kindRollbackHook' };

/**
 * The engine's progress log, one line at a time, localised. Returns the lines to print (none
 * for lines the guide replaces with its own, like the engine's recap). Unknown lines pass
 * through unchanged, so nothing the engine says is ever lost.
 */
export function progressTranslator(t: T, s: Style = plainStyle): (line: string) => string[] {
  let inRecap = false;
  return (line) => {
    if (inRecap) return [];
    if (/^RECAP /.test(line)) {
      inRecap = true;
      return [];
    }
    if (line.trim() === '') return [];
    // Said by the guide itself, in the operator's language.
    if (/^(?:rollback of \S+: |rolling back run |hosts: ok=|undo this run with: )/.test(line)) return [];
    let m = /^(ok|changed|skipped|failed)\s+(\S+) (task|handler|verify|rollback-hook) \[(.*)\](?: — (.*))?$/.exec(line);
    if (m) {
      const [, status, host, kind, task, detail] = m;
      const word = t(statusKey(status!));
      const colored = status === 'changed' ? s.yellow(word) : status === 'failed' ? s.red(word) : status === 'ok' ? s.green(word) : s.dim(word);
      return [`  ${t('progressLine', { status: colored, host: host!, kind: t(KIND[kind!]!), task: task!, detail: detail ? ` — ${detail}` : '' })}`];
    }
    // Rollback's own lines: "<status> <host> [restore /path]".
    m = /^(ok|changed|skipped|failed)\s+(\S+) \[(.*)\](?: — (.*))?$/.exec(line);
    if (m) {
      const [, status, host, task, detail] = m;
      const word = status === 'changed' ? s.yellow(t('st.rolled-back')) : status === 'failed' ? s.red(t('st.failed')) : t(statusKey(status!));
      return [`  ${t('progressRestore', { status: word, host: host!, task: task!, detail: detail ? ` — ${detail}` : '' })}`];
    }
    m = /^run (\S+) \((?:apply|dry-run)\) on (\d+) host\(s\); journal (.+)$/.exec(line);
    if (m) return [`  ${s.dim(t('runStarted', { runId: m[1]!, count: m[2]!, journal: m[3]! }))}`];
    m = /^PLAY \[(.*)\] (\d+) host\(s\)$/.exec(line);
    if (m) return [`  ${s.dim(t('playStarted', { name: m[1]!, count: m[2]! }))}`];
    m = /^note: these steps cannot be undone by rollback[^:]*: (.*)$/.exec(line);
    if (m) return [`  ${s.yellow(t('noteIrreversible', { steps: m[1]! }))}`];
    m = /^note\s+(\S+) (.*)$/.exec(line);
    if (m) return [`  ${s.dim(t('progressNote', { host: m[1]!, note: m[2]! }))}`];
    m = /^UNREACHABLE (\S+): (.*)$/.exec(line);
    if (m) return [`  ${s.red(t('progressUnreachable', { host: m[1]!, error: m[2]! }))}`];
    m = /^ROLLED BACK (\S+):/.exec(line);
    if (m) return [`  ${s.yellow(t('progressRolledBack', { host: m[1]! }))}`];
    if (/^\n?(SIGINT|SIGTERM): /.test(line)) return [s.yellow(t('signalStopping'))];
    return [`  ${s.dim(line)}`];
  };
}

/** The engine's per-host phase (onHostProgress), in the operator's language; unknown ones as they are. */
export function phaseText(t: T, phase: string): string {
  if (phase === 'connecting') return t('phase.connecting');
  if (phase === 'gathering facts') return t('phase.gathering');
  let m = /^applying (.*)$/.exec(phase);
  if (m) return t('phase.applying', { what: m[1]! });
  m = /^verify: (.*)$/.exec(phase);
  if (m) return t('phase.verify', { what: m[1]! });
  m = /^restoring (\d+) file\(s\)$/.exec(phase);
  if (m) return t('phase.restoring', { count: m[1]! });
  return phase;
}

/** Hosts whose progress lines have appeared (each host prints its lines when it is done). */
export function hostOfProgressLine(line: string): string | undefined {
  const m = /^(?:ok|changed|skipped|failed)\s+(\S+) (?:task|handler|verify|rollback-hook) \[/.exec(line) ?? /^(?:UNREACHABLE|ROLLED BACK) (\S+):/.exec(line);
  return m?.[1];
}

export function renderRecap(t: T, r: RunReport, s: Style = plainStyle): string[] {
  const out = [s.bold(t('recapHeader', { runId: r.runId }))];
  for (const [h, x] of Object.entries(r.hosts)) {
    const changed = x.tasks.filter((k) => k.changed && !k.rollbackHook && !k.verify).length;
    const word = t(statusKey(x.status));
    const colored = x.status === 'changed' ? s.yellow(word) : x.status === 'ok' ? s.green(word) : s.red(word);
    const err = x.error ?? x.tasks.find((k) => k.error)?.error;
    out.push(`  ${t('recapLine', { host: h, status: colored, changed, error: err ? ` — ${clip(err, 200)}` : '' })}`);
  }
  out.push(`  ${t('recapTotals', { ...r.summary })}`);
  const verifyFailed = Object.entries(r.hosts)
    .filter(([, x]) => x.status === 'rolled-back' && x.tasks.some((k) => k.verify && k.status === 'failed'))
    .map(([h]) => h);
  if (verifyFailed.length) out.push(s.red(t('verifyFailed', { count: verifyFailed.length, hosts: shortList(t, verifyFailed) })));
  return out;
}
