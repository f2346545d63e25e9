/**
 * Schedule files: read, check shape (every problem at its file:line:col), then — `deep` —
 * check that each job can run unattended: its inventory loads and its limit selects hosts,
 * its fixes and playbooks load, and nothing in them is destructive.
 *
 * Consent: a schedule file is the explicit, reviewed consent to run its jobs unattended, so
 * steps that are irreversible but harmless (drop_caches, command, a service restart) are
 * allowed — `apply` asks for --yes on those, a schedule does not. Destructive steps (mkfs
 * through `filesystem`, `hostname`, catalogue entries marked destructive) destroy data or
 * identity and need a human typing a confirmation: a job of mode `apply` containing one is
 * refused here, and the runner refuses them again at run time in case a playbook changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { InputError, type SourcePos } from '../errors.js';
import { readInputText } from '../readInput.js';
import { getEntry } from '../catalog/index.js';
import type { CatalogEntry } from '../catalog/types.js';
import { loadInventory, parseExtraVars, selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook, TaskDef } from '../playbook/types.js';
import { getModule } from '../modules/index.js';
import { PLAYBOOK_DIR } from '../engine/targets.js';
import { cronFor, cronPatternProblem, timezoneProblem } from './cron.js';
import { parseDuration } from './duration.js';
import type { JobMode, Schedule, ScheduleJob } from './types.js';

export const MAX_SCHEDULE_BYTES = 1024 * 1024;

const JOB_KEYS = ['name', 'cron', 'timezone', 'inventory', 'fixes', 'playbooks', 'limit', 'serial', 'maxFailPercent', 'mode', 'jitter', 'timeout', 'extraVars'] as const;
const REQUIRED_KEYS = ['name', 'cron', 'inventory', 'mode'] as const;
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export interface LoadOptions {
  /** Also load inventories and playbooks and refuse what cannot run unattended. */
  deep?: boolean;
  /** Deep-check only this job (`schedule once`); the others are still checked for shape. */
  only?: string;
}

export interface LoadResult {
  schedule: Schedule;
  /** Every problem found, in file order per job. Empty means valid. */
  errors: InputError[];
}

/** Load and validate; throws the first problem as an InputError (exit 1). */
export function loadSchedule(file: string, opts: LoadOptions = {}): Schedule {
  const { schedule, errors } = checkSchedule(file, opts);
  if (errors.length) {
    const [first, ...rest] = errors;
    if (!rest.length) throw first!;
    throw new InputError(`${first!.message}\n${rest.map((e) => e.message).join('\n')}`, undefined, { cause: first });
  }
  return schedule;
}

/** Load and validate, collecting every problem instead of stopping at the first. */
export function checkSchedule(file: string, opts: LoadOptions = {}): LoadResult {
  const abs = path.resolve(file);
  const schedule: Schedule = { file: abs, dir: path.dirname(abs), jobs: [] };
  const errors: InputError[] = [];
  const text = readInputText(abs, { what: 'schedule file', maxBytes: MAX_SCHEDULE_BYTES });
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const posOf = (node: unknown, fallback?: SourcePos): SourcePos => {
    const r = (node as { range?: [number, number, number] | null } | null)?.range;
    if (!r) return fallback ?? { file: abs };
    const { line, col } = lc.linePos(r[0]);
    return { file: abs, line, col };
  };
  if (doc.errors.length) {
    // The first error only: later ones are usually consequences of it.
    const e = doc.errors[0]!;
    const { line, col } = lc.linePos(e.pos[0]);
    const src = text.split('\n')[line - 1] ?? '';
    const star = /^(\s*(?:-\s+)?cron:\s*)\*/.exec(src);
    if (star) {
      errors.push(new InputError("cron pattern must be quoted: YAML reads a value starting with '*' as an alias (write cron: \"*/5 * * * *\")", { file: abs, line, col: star[1]!.length + 1 }));
    } else {
      const msg = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
      errors.push(new InputError(`YAML syntax error: ${msg}`, { file: abs, line, col }));
    }
    return { schedule, errors };
  }
  const root = doc.contents;
  if (!root || (isScalar(root) && (root.value === null || root.value === ''))) {
    errors.push(new InputError('schedule file is empty: expected `jobs:` with a list of jobs', { file: abs }));
    return { schedule, errors };
  }
  if (!isMap(root)) {
    errors.push(new InputError('a schedule file is a mapping with a `jobs:` list', posOf(root)));
    return { schedule, errors };
  }
  let jobsNode: unknown;
  for (const pair of root.items) {
    const k = keyOf(pair);
    if (k === 'jobs') jobsNode = pair.value;
    else errors.push(new InputError(`unknown top-level key ${JSON.stringify(k)}: a schedule file has only \`jobs:\``, posOf(pair.key)));
  }
  if (jobsNode === undefined) {
    errors.push(new InputError('missing `jobs:` (a list of jobs)', posOf(root)));
    return { schedule, errors };
  }
  if (!isSeq(jobsNode) || !jobsNode.items.length) {
    errors.push(new InputError('`jobs:` must be a non-empty list of jobs', posOf(jobsNode, posOf(root))));
    return { schedule, errors };
  }
  const names = new Map<string, SourcePos>();
  for (const item of jobsNode.items) {
    const job = readJob(item, { abs, doc, posOf, errors, names, opts });
    if (!job) continue;
    schedule.jobs.push(job);
  }
  if (opts.only !== undefined && !schedule.jobs.some((j) => j.name === opts.only) && !errors.length) {
    errors.push(new InputError(`no job named ${JSON.stringify(opts.only)} in ${abs}; jobs: ${schedule.jobs.map((j) => j.name).join(', ')}`, { flag: '<job>' }));
  }
  if (opts.deep) {
    for (const job of schedule.jobs) {
      if (opts.only !== undefined && job.name !== opts.only) continue;
      deepCheck(job, errors);
    }
  }
  errors.sort((a, b) => order(a) - order(b));
  return { schedule, errors };
}

/** Keep problems in file order (positions in this file first, by line; others after, stable). */
function order(e: InputError): number {
  const w = e.where as SourcePos | undefined;
  return w && 'line' in w && w.line !== undefined ? w.line * 10_000 + (w.col ?? 0) : Number.MAX_SAFE_INTEGER;
}

function keyOf(pair: Pair): string {
  const k = pair.key;
  return isScalar(k) ? String(k.value) : String(k);
}

interface JobCtx {
  abs: string;
  doc: Document;
  posOf: (node: unknown, fallback?: SourcePos) => SourcePos;
  errors: InputError[];
  names: Map<string, SourcePos>;
  opts: LoadOptions;
}

function closest(word: string, choices: readonly string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const x = dist(word, c);
    if (x < bestD) [best, bestD] = [c, x];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function readJob(item: unknown, c: JobCtx): ScheduleJob | undefined {
  const { abs, posOf, errors } = c;
  const err = (detail: string, node: unknown, fallback?: SourcePos) => errors.push(new InputError(detail, posOf(node, fallback)));
  if (!isMap(item)) {
    err('each job is a mapping (name:, cron:, inventory:, mode:, fixes: or playbooks:, ...)', item);
    return undefined;
  }
  const map = item as YAMLMap;
  const jobPos = posOf(map);
  const values = new Map<string, unknown>();
  const keyNodes = new Map<string, unknown>();
  for (const pair of map.items) {
    const k = keyOf(pair);
    if (!(JOB_KEYS as readonly string[]).includes(k)) {
      const hint = closest(k, JOB_KEYS);
      err(`unknown job key ${JSON.stringify(k)}${hint ? ` (did you mean ${hint}?)` : ''}; job keys: ${JOB_KEYS.join(', ')}`, pair.key);
      continue;
    }
    values.set(k, pair.value);
    keyNodes.set(k, pair.key);
  }
  const before = errors.length;
  const label = (() => {
    const n = values.get('name');
    return isScalar(n) && typeof n.value === 'string' ? ` in job '${n.value}'` : '';
  })();
  for (const k of REQUIRED_KEYS) {
    if (!values.has(k)) err(`missing \`${k}:\`${label}`, map);
  }
  const valuePos: Record<string, SourcePos> = {};
  const itemPos: Record<string, SourcePos> = {};
  for (const [k, v] of values) valuePos[k] = posOf(v, posOf(keyNodes.get(k)));
  /** A scalar's value, or an error at the value (null/missing values point at the key). */
  const scalar = (k: string): unknown => {
    const v = values.get(k);
    if (v === undefined) return undefined;
    if (v === null || (isScalar(v) && v.value === null)) {
      err(`\`${k}:\` has no value${label}`, keyNodes.get(k));
      return undefined;
    }
    if (!isScalar(v)) {
      err(`\`${k}:\` must be a single value, not a ${isSeq(v) ? 'list' : 'mapping'}`, v);
      return undefined;
    }
    return v.value;
  };
  const str = (k: string): string | undefined => {
    const v = scalar(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      err(`\`${k}:\` must be a non-empty string${typeof v === 'string' ? '' : `, got ${JSON.stringify(v)}`}`, values.get(k));
      return undefined;
    }
    return v;
  };
  /** A string or a list of strings; each item's position is kept. */
  const strList = (k: string): string[] => {
    const v = values.get(k);
    if (v === undefined) return [];
    if (isScalar(v) && typeof v.value === 'string' && v.value.trim()) {
      itemPos[`${k}[0]`] = posOf(v);
      return [v.value];
    }
    if (!isSeq(v)) {
      err(`\`${k}:\` must be a list of ${k === 'fixes' ? 'catalogue fix ids' : 'playbook paths'}`, v ?? keyNodes.get(k), posOf(keyNodes.get(k)));
      return [];
    }
    const out: string[] = [];
    for (const x of v.items) {
      if (!isScalar(x) || typeof x.value !== 'string' || !x.value.trim()) {
        err(`\`${k}:\` items must be non-empty strings`, x, posOf(v));
        continue;
      }
      itemPos[`${k}[${out.length}]`] = posOf(x);
      out.push(x.value);
    }
    if (!v.items.length) err(`\`${k}:\` is an empty list`, v);
    return out;
  };

  const name = str('name');
  if (name !== undefined) {
    if (!JOB_NAME.test(name)) {
      err(`job name ${JSON.stringify(name)} must start with a letter or digit and use only letters, digits, '.', '_' and '-' (at most 63): it names systemd units and Kubernetes objects`, values.get('name'));
    } else if (c.names.has(name)) {
      const first = c.names.get(name)!;
      err(`duplicate job name ${JSON.stringify(name)} (first at line ${first.line})`, values.get('name'));
    } else c.names.set(name, posOf(values.get('name')));
  }
  // Files are checked for every job, except by `schedule once <job>` (deep, only that job):
  // a CronJob's ConfigMap holds only the files of its own job.
  const checkFiles = !(c.opts.deep && c.opts.only !== undefined && name !== c.opts.only);
  const timezone = str('timezone');
  if (timezone !== undefined) {
    const p = timezoneProblem(timezone);
    if (p) err(p, values.get('timezone'));
  }
  const cronRaw = scalar('cron');
  let cron: string | undefined;
  if (cronRaw !== undefined) {
    if (typeof cronRaw !== 'string') err(`\`cron:\` must be a cron pattern in quotes, e.g. "0 3 * * *", got ${JSON.stringify(cronRaw)}`, values.get('cron'));
    else {
      const p = cronPatternProblem(cronRaw);
      if (p) err(`bad cron pattern ${JSON.stringify(cronRaw)}: ${p}`, values.get('cron'));
      else if (!timezone || !timezoneProblem(timezone)) {
        try {
          if (!cronFor(cronRaw, timezone).nextRun()) err(`cron pattern ${JSON.stringify(cronRaw)} never fires`, values.get('cron'));
          else cron = cronRaw;
        } catch (e) {
          err(`bad cron pattern ${JSON.stringify(cronRaw)}: ${(e as Error).message}`, values.get('cron'));
        }
      }
    }
  }
  const base = path.dirname(abs);
  const inventoryRel = str('inventory');
  let inventory: string | undefined;
  if (inventoryRel !== undefined) {
    inventory = path.resolve(base, inventoryRel);
    if (checkFiles && !fs.existsSync(inventory)) err(`inventory ${inventory} does not exist (paths are relative to the schedule file)`, values.get('inventory'));
  }
  const fixes = strList('fixes');
  const playbooksRel = strList('playbooks');
  const playbooks = playbooksRel.map((p, i) => {
    const a = path.resolve(base, p);
    if (checkFiles && !fs.existsSync(a)) {
      errors.push(new InputError(`playbook ${a} does not exist (paths are relative to the schedule file${/^[a-z0-9-]+$/.test(p) ? `; for the catalogue fix '${p}' use fixes:` : ''})`, itemPos[`playbooks[${i}]`]));
    }
    return a;
  });
  if (!values.has('fixes') && !values.has('playbooks')) err(`a job needs \`fixes:\` (catalogue fix ids) or \`playbooks:\` (playbook paths)${label}`, map);
  const modeRaw = str('mode');
  let mode: JobMode | undefined;
  if (modeRaw !== undefined) {
    if (modeRaw === 'check' || modeRaw === 'apply') mode = modeRaw;
    else err(`\`mode:\` must be check or apply, got ${JSON.stringify(modeRaw)}`, values.get('mode'));
  }
  fixes.forEach((id, i) => {
    let e: CatalogEntry;
    try {
      e = getEntry(id);
    } catch (x) {
      errors.push(new InputError((x as InputError).detail ?? (x as Error).message, itemPos[`fixes[${i}]`]));
      return;
    }
    if (mode === 'apply' && !e.playbook) {
      errors.push(new InputError(`catalogue entry '${id}' is advice only (no fix to apply): see crane-fix fixes show ${id}`, itemPos[`fixes[${i}]`]));
    }
    if (mode === 'check' && !e.detector && !e.playbook) {
      errors.push(new InputError(`catalogue entry '${id}' has no detector and no playbook: there is nothing to check`, itemPos[`fixes[${i}]`]));
    }
  });
  const limit = str('limit');
  let serial: string | undefined;
  const serialRaw = scalar('serial');
  if (serialRaw !== undefined) {
    const s = String(serialRaw).trim();
    const m = /^(\d+)(%?)$/.exec(s);
    if ((typeof serialRaw !== 'number' && typeof serialRaw !== 'string') || !m || Number(m[1]) < 1 || (m[2] && Number(m[1]) > 100)) {
      err(`\`serial:\` must be a positive number of hosts or a percentage like "25%", got ${JSON.stringify(serialRaw)}`, values.get('serial'));
    } else serial = s;
  }
  let maxFailPercent: number | undefined;
  const mfp = scalar('maxFailPercent');
  if (mfp !== undefined) {
    if (typeof mfp !== 'number' || !(mfp >= 0 && mfp <= 100)) err(`\`maxFailPercent:\` must be a number from 0 to 100, got ${JSON.stringify(mfp)}`, values.get('maxFailPercent'));
    else maxFailPercent = mfp;
  }
  let jitterMs = 0;
  const jit = scalar('jitter');
  if (jit !== undefined) {
    const ms = parseDuration(jit);
    if (ms === undefined) err(`\`jitter:\` must be a duration such as 90, "30s", "5m" or "1h30m", got ${JSON.stringify(jit)}`, values.get('jitter'));
    else jitterMs = ms;
  }
  let timeoutMs: number | undefined;
  const to = scalar('timeout');
  if (to !== undefined) {
    const ms = parseDuration(to);
    if (ms === undefined || ms <= 0) err(`\`timeout:\` must be a positive duration such as 600, "10m" or "1h", got ${JSON.stringify(to)}`, values.get('timeout'));
    else timeoutMs = ms;
  }
  let extraVars: Record<string, unknown> = {};
  const varsFiles: string[] = [];
  const ev = values.get('extraVars');
  if (ev !== undefined && ev !== null) {
    if (isMap(ev)) {
      const js = (ev as YAMLMap).toJS(c.doc, { maxAliasCount: 100 }) as Record<string, unknown>;
      extraVars = js;
    } else if (isSeq(ev) || (isScalar(ev) && typeof ev.value === 'string')) {
      // `-e` syntax, one string each: k=v pairs, inline YAML/JSON, or @file (relative to the schedule file).
      const items = isSeq(ev) ? ev.items : [ev];
      for (const x of items) {
        if (!isScalar(x) || typeof x.value !== 'string') {
          err('`extraVars:` list items are strings like k=v or @vars.yaml', x, posOf(ev));
          continue;
        }
        if (x.value.startsWith('@')) {
          varsFiles.push(path.resolve(base, x.value.slice(1)));
          if (!checkFiles) continue;
        }
        try {
          extraVars = { ...extraVars, ...parseExtraVars([x.value], base) };
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          const w = e.where;
          // A problem inside an @file keeps that file's position; a bad item points here.
          errors.push(w && 'file' in w && w.file !== abs ? e : new InputError(`extraVars: ${e.detail}`, posOf(x)));
        }
      }
    } else if (!(isScalar(ev) && ev.value === null)) {
      err('`extraVars:` must be a mapping of variables (or a list of k=v / @file strings)', ev);
    }
    // `extraVars:` with nothing after it: same as none.
  }
  if (errors.length > before || name === undefined || cron === undefined || inventory === undefined || mode === undefined) return undefined;
  return {
    name,
    cron,
    timezone,
    inventory,
    fixes,
    playbooks,
    limit,
    serial,
    maxFailPercent,
    mode,
    jitterMs,
    timeoutMs,
    extraVars,
    varsFiles,
    pos: jobPos,
    valuePos,
    itemPos,
  };
}

/** The playbook a catalogue fix runs. */
export function fixPlaybook(id: string): string | undefined {
  const e = getEntry(id);
  return e.playbook ? path.join(PLAYBOOK_DIR, e.playbook) : undefined;
}

/** What a job's run does with each fix: detectors (check mode) or the fix's playbook. */
export function planJob(job: ScheduleJob): { detectorIds: string[]; playbooks: string[] } {
  const detectorIds: string[] = [];
  const playbooks: string[] = [];
  for (const id of job.fixes) {
    const e = getEntry(id);
    if (job.mode === 'check' && e.detector) detectorIds.push(id);
    else if (e.playbook) playbooks.push(path.join(PLAYBOOK_DIR, e.playbook));
  }
  return { detectorIds, playbooks: [...playbooks, ...job.playbooks] };
}

/** Why a task cannot run unattended (a destructive module), or undefined. */
export function destructiveReason(t: TaskDef): string | undefined {
  let m;
  try {
    m = getModule(t.module);
  } catch {
    return undefined; // the loader already refused unknown modules
  }
  const d = m.destructive;
  if (d === undefined || d === false) return undefined;
  if (d === true) return `uses ${m.name}, which destroys data or identity`;
  // Decided from the arguments: before templating we can only be sure when they parse as written.
  try {
    const parsed = m.args.safeParse(t.args);
    if (parsed.success && !d(parsed.data)) return undefined;
  } catch {
    /* undecidable: treat as destructive */
  }
  return `uses ${m.name} with arguments that may destroy data or identity`;
}

function deepCheck(job: ScheduleJob, errors: InputError[]): void {
  const where = (k: string) => job.valuePos[k] ?? job.pos;
  const push = (e: unknown, fallback: SourcePos) => {
    if (e instanceof InputError) errors.push(e.where && 'file' in e.where ? e : new InputError(e.detail, fallback, { cause: e }));
    else errors.push(new InputError(`job '${job.name}': ${(e as Error).message}`, fallback, { cause: e }));
  };
  let inv: Inventory | undefined;
  try {
    inv = loadInventory(job.inventory);
  } catch (e) {
    push(e, where('inventory'));
  }
  let hosts: string[] = [];
  if (inv) {
    try {
      hosts = selectHosts(inv, job.limit);
      if (!hosts.length) errors.push(new InputError(`job '${job.name}' selects no hosts of ${job.inventory}`, job.limit ? where('limit') : where('inventory')));
    } catch (e) {
      if (e instanceof InputError) errors.push(new InputError(`limit: ${e.detail}`, job.limit ? where('limit') : where('inventory'), { cause: e }));
      else throw e;
    }
  }
  const checkPlaybook = (file: string, pos: SourcePos, what: string): Playbook | undefined => {
    let pb: Playbook;
    try {
      pb = loadPlaybook(file);
    } catch (e) {
      push(e, pos);
      return undefined;
    }
    if (job.mode === 'apply') {
      for (const play of pb.plays) {
        for (const t of [...play.tasks, ...play.handlers, ...play.verify, ...play.rollback]) {
          const why = destructiveReason(t);
          if (why) {
            const tp = t.pos.line !== undefined ? `${path.relative(path.dirname(job.pos.file), t.pos.file) || t.pos.file}:${t.pos.line}:${t.pos.col}` : t.pos.file;
            errors.push(
              new InputError(
                `job '${job.name}': ${what} has a destructive step — task '${t.name}' (${tp}) ${why}; destructive steps need a typed confirmation and are never scheduled: run it by hand with crane-fix apply`,
                pos,
              ),
            );
          }
        }
      }
    }
    return pb;
  };
  job.fixes.forEach((id, i) => {
    const pos = job.itemPos[`fixes[${i}]`] ?? where('fixes');
    const e = getEntry(id);
    if (job.mode === 'apply' && e.destructive) {
      errors.push(
        new InputError(
          `job '${job.name}': fix '${id}' is destructive (${e.title.en}); it needs a typed confirmation and is never scheduled: run it by hand with crane-fix apply -i <inventory> ${id}`,
          pos,
        ),
      );
      return;
    }
    const runsPlaybook = e.playbook && (job.mode === 'apply' || !e.detector);
    if (!runsPlaybook) return;
    const file = path.join(PLAYBOOK_DIR, e.playbook!);
    if (!fs.existsSync(file)) {
      errors.push(new InputError(`job '${job.name}': the playbook of fix '${id}' (${file}) is not installed`, pos));
      return;
    }
    const pb = checkPlaybook(file, pos, `fix '${id}'`);
    // Required catalogue vars must come from extraVars, the playbook or every selected host.
    for (const v of e.vars ?? []) {
      if (!v.required || v.name in job.extraVars) continue;
      if (pb?.plays.every((p) => v.name in p.vars)) continue;
      if (inv && hosts.length && hosts.every((h) => v.name in (inv.hosts.get(h)?.vars ?? {}))) continue;
      errors.push(
        new InputError(
          `job '${job.name}': fix '${id}' needs ${v.name} (${v.description.en.replace(/\.$/, '')}): set it under extraVars: or as an inventory var of every host`,
          pos,
        ),
      );
    }
  });
  job.playbooks.forEach((file, i) => {
    checkPlaybook(file, job.itemPos[`playbooks[${i}]`] ?? where('playbooks'), `playbook ${path.relative(path.dirname(job.pos.file), file)}`);
  });
}
