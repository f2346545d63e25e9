/**
 * The planner: pure and synchronous. Given a host's vars, its tasks and the facts gathered
 * from it, it decides — task by task, against a virtual copy of the host's files — what
 * would change, with exact diffs, and the ops that make it so. Nothing here does I/O:
 * unit tests feed facts in and read plans out.
 *
 * Two steps:
 *  - `prepareTasks`: expand loops, template args, validate them; collect the facts every
 *    task needs. Runs before any host is contacted, so a bad template is exit 1.
 *  - `planTasks`: evaluate `when`, call each module's planner, apply its ops to the
 *    virtual files so the next task sees them, collect notified handlers.
 */
import * as path from 'node:path';
import { getModule } from '../modules/index.js';
import type { CommandResult, FactRequest, FileDiff, FileState, ModuleDef, Op, PlanContext, PlanStatus } from '../modules/types.js';
import { applyOps, unifiedDiff } from '../modules/virtualFs.js';
import type { PlayDef, TaskDef } from '../playbook/types.js';
import { evalCondition, renderValue, TemplateError } from '../playbook/template.js';
import { expandLoop, validateArgs } from '../playbook/taskArgs.js';

export interface PreparedTask {
  /** Position in the play's task list (loop items share it). */
  index: number;
  def: TaskDef;
  name: string;
  module: ModuleDef<any>;
  args: unknown;
  vars: Record<string, unknown>;
  facts: FactRequest[];
  /** The task's outcome is decided by an expression over its runtime result, or feeds one. */
  judged: boolean;
  isHandler: boolean;
  /**
   * Its args (or name) use a `set_fact` value that is only known while the play runs (the
   * set_fact has a `when`, a loop, or uses a registered result): `args` are the raw ones,
   * no facts are gathered for it up front; `planTask` templates it when the value is known
   * (and the engine gathers what it reads then).
   */
  pending?: boolean;
}

/** What a registered result looks like before its command has run (predicted success). */
export function predictedResult(): Record<string, unknown> {
  return { changed: true, failed: false, skipped: false, rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], predicted: true };
}

function boolOf(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['yes', 'true', '1', 'on'].includes(v.toLowerCase());
  return Boolean(v);
}

/**
 * Template a task (all loop items) for one host. Throws TemplateError/InputError on bad input.
 * `unknown`: set_fact names whose value is only known at run time (see prepareTasks): args
 * or a name that use one are left for planTask (the task is `pending`).
 */
export function prepareTask(def: TaskDef, index: number, vars: Record<string, unknown>, isHandler = false, unknown: ReadonlySet<string> = new Set()): PreparedTask[] {
  const module = getModule(def.module);
  const isUnknown = (err: unknown) => err instanceof TemplateError && err.variable !== undefined && unknown.has(err.variable);
  const hide = (v: Record<string, unknown>) => (unknown.size ? Object.fromEntries(Object.entries(v).filter(([k]) => !unknown.has(k))) : v);
  const items = def.loop === undefined ? [undefined] : (expandLoop(renderValue(def.loop, hide(vars)), def.loopKind) as unknown[]);
  const out: PreparedTask[] = [];
  for (const item of items) {
    const taskVars = { ...vars, ...(def.vars ? (renderValue(def.vars, hide(vars)) as Record<string, unknown>) : {}) };
    if (def.loop !== undefined) taskVars.item = item;
    let rendered: unknown;
    let pending = false;
    try {
      rendered = renderValue(def.args, hide(taskVars));
    } catch (err) {
      // A loop's items are fixed here, so only a task without a loop can wait for the value.
      if (!isUnknown(err) || def.loop !== undefined) throw err;
      pending = true;
      rendered = def.args;
    }
    let args: unknown;
    if (pending) args = rendered;
    else {
      try {
        args = validateArgs(def, rendered);
      } catch (err) {
        // Args built from a registered result (e.g. `name: "{{ current.stdout | lower }}"`) only
        // have their real value once that command ran; planTask templates and validates again.
        if (!usesRegistered(def, vars)) throw err;
        args = rendered;
      }
    }
    let name: string;
    try {
      name = String(renderValue(def.name, hide(taskVars)));
    } catch (err) {
      if (!isUnknown(err)) throw err;
      name = def.name;
    }
    out.push({
      index,
      def,
      name: def.loop !== undefined ? `${name} (item=${JSON.stringify(item)})` : name,
      module,
      args,
      vars: taskVars,
      facts: pending ? [] : safeFacts(module, args),
      judged: Boolean(def.register || def.changedWhen?.length || def.failedWhen?.length || def.ignoreErrors || def.until?.length),
      isHandler,
      ...(pending ? { pending: true } : {}),
    });
  }
  return out;
}

/** What a registered result looks like while templating before the run (so `when: x.rc == 0` checks out). */
export function registeredPlaceholders(play: PlayDef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of [...play.tasks, ...play.handlers, ...play.verify]) if (t.register) out[t.register] = predictedResult();
  return out;
}

/**
 * Prepare a list of tasks in order, the way they will run: a `set_fact` whose value is known
 * before the run (no `when` that needs runtime results, no loop, no registered result in it)
 * is applied to the vars of the tasks after it, so `dest: "{{ target_file }}"` is templated,
 * validated and has its facts gathered like any other task. A set_fact that is only decided
 * at run time makes its names `unknown`: tasks that use them are prepared `pending`.
 * Returns the tasks and the vars as they stand after the last one (for handlers and verify).
 */
export function prepareTasks(
  defs: TaskDef[],
  vars: Record<string, unknown>,
  opts: { isHandler?: boolean; unknown?: ReadonlySet<string>; onTask?: (index: number) => void } = {},
): { tasks: PreparedTask[]; vars: Record<string, unknown>; unknown: Set<string> } {
  let cur = { ...vars };
  const unknown = new Set(opts.unknown ?? []);
  const tasks: PreparedTask[] = [];
  defs.forEach((d, i) => {
    opts.onTask?.(i);
    const prepared = prepareTask(d, i, cur, opts.isHandler, unknown);
    tasks.push(...prepared);
    if (d.module !== 'set_fact') return;
    const names = d.args && typeof d.args === 'object' && !Array.isArray(d.args) ? Object.keys(d.args).filter((k) => k !== 'cacheable') : [];
    const decided = (() => {
      if (d.loop !== undefined || prepared.length !== 1 || prepared[0]!.pending || usesRegistered(d, cur)) return undefined;
      if (d.when?.length) {
        const text = JSON.stringify(d.when);
        if ([...unknown].some((k) => mentions(text, k)) || Object.entries(cur).some(([k, v]) => isPredicted(v) && mentions(text, k))) return undefined;
        try {
          if (!evalCondition(d.when, cur)) return {};
        } catch {
          return undefined;
        }
      }
      const p = prepared[0]!;
      return (p.module.plan(p.args, { checkMode: false, vars: p.vars, file: noFacts, command: noFacts }).result ?? undefined) as Record<string, unknown> | undefined;
    })();
    if (decided === undefined) for (const n of names) unknown.add(n);
    else {
      cur = { ...cur, ...decided };
      for (const n of Object.keys(decided)) unknown.delete(n);
    }
  });
  return { tasks, vars: cur, unknown };
}

const noFacts = (): never => {
  throw new MissingFactError('set_fact reads no facts');
};

const isPredicted = (v: unknown): boolean => (v as { predicted?: boolean } | null)?.predicted === true;
/** `name` is used as a variable in `text` (not as an attribute: `x.name`). */
const mentions = (text: string, name: string): boolean => /^\w+$/.test(name) && new RegExp(`(^|[^\\w.])${name}\\b`).test(text);

function usesRegistered(def: TaskDef, vars: Record<string, unknown>): boolean {
  const text = JSON.stringify(def.args);
  return Object.entries(vars).some(([k, v]) => isPredicted(v) && mentions(text, k));
}

function safeFacts(module: ModuleDef<any>, args: unknown): FactRequest[] {
  try {
    return module.facts(args);
  } catch {
    return []; // args not valid yet (see usesRegistered); planTask reports what is missing
  }
}

export interface TaskPlan {
  index: number;
  name: string;
  module: string;
  status: PlanStatus;
  msg?: string;
  ops: Op[];
  diffs: FileDiff[];
  diffText?: string;
  /** The module's warnings (ModulePlan.warnings), printed with the task. */
  warnings?: string[];
  runtimeOutcome: boolean;
  judged: boolean;
  irreversible: boolean;
  destructive: boolean;
  notify: string[];
  register?: string;
  result: Record<string, unknown>;
  isHandler: boolean;
  prepared: PreparedTask;
  /**
   * The task cannot be planned yet: it reads facts that were not gathered (its args use a
   * value known only now — `facts` says which), or its `when`/args fail on the predicted
   * result of an earlier command that has not run. Nothing is planned for it (status
   * `skipped`, no ops); the engine plans it again once the earlier tasks ran and, if
   * `facts` is set, it gathered them.
   */
  deferred?: { reason: string; facts?: FactRequest[] };
}

export interface PlanState {
  files: Map<string, FileState>;
  commands: Map<string, CommandResult>;
  /** Registered results and set_fact values so far, visible to later tasks. */
  hostFacts: Record<string, unknown>;
  /**
   * Whether plans get their unified diff text (default yes). An apply without --diff shows no
   * diffs, as in Ansible, and need not compute them: difflib was the largest part of planning
   * a changed file (client CPU per host, issue 7).
   */
  diffs?: boolean;
}

export class MissingFactError extends Error {}

function contextFor(state: PlanState, checkMode: boolean, vars: Record<string, unknown>, playbookDir: string): PlanContext {
  return {
    checkMode,
    vars,
    playbookDir,
    file(path) {
      const f = state.files.get(path);
      if (!f) throw new MissingFactError(`fact for file ${path} was not gathered`);
      return f;
    },
    command(key) {
      const c = state.commands.get(key);
      if (!c) throw new MissingFactError(`fact ${key} was not gathered`);
      return c;
    },
  };
}

function flag(v: boolean | ((a: any) => boolean) | undefined, args: unknown): boolean {
  return typeof v === 'function' ? v(args) : Boolean(v);
}

/**
 * Plan one prepared task against the current virtual state, and advance the state.
 * Re-templates with the host facts known now (registered results may have become real).
 */
export function planTask(p: PreparedTask, state: PlanState, checkMode: boolean): TaskPlan {
  const vars = { ...p.vars, ...state.hostFacts };
  const base = {
    index: p.index,
    name: p.name,
    module: p.module.name,
    judged: p.judged,
    notify: p.def.notify ?? [],
    register: p.def.register,
    isHandler: p.isHandler,
    prepared: p,
    irreversible: !flag(p.module.reversible, p.args) || Boolean(p.def.irreversible),
    destructive: flag(p.module.destructive, p.args),
  };
  const defer = (reason: string, facts?: FactRequest[]): TaskPlan => {
    // Whatever it registers is not known either: tasks that use it wait too.
    if (p.def.register) state.hostFacts[p.def.register] = predictedResult();
    return { ...base, status: 'skipped', msg: reason, ops: [], diffs: [], runtimeOutcome: false, result: {}, irreversible: false, destructive: false, deferred: { reason, ...(facts ? { facts } : {}) } };
  };
  // An error on a value that is still a prediction (the command has not run) is no error yet.
  const predicted = (what: unknown) => {
    const text = JSON.stringify(what);
    return Object.entries(state.hostFacts).filter(([k, v]) => isPredicted(v) && mentions(text, k)).map(([k]) => k);
  };
  const waitFor = (names: string[], err: unknown) => defer(`waits for the result of ${names.map((n) => `'${n}'`).join(', ')}: ${(err as Error).message}`);
  if (p.def.when?.length) {
    let ok: boolean;
    try {
      ok = evalCondition(p.def.when, vars);
    } catch (err) {
      const names = predicted(p.def.when);
      if (names.length && err instanceof TemplateError) return waitFor(names, err);
      throw err;
    }
    if (!ok) {
      const result = { changed: false, skipped: true, skip_reason: 'Conditional result was False' };
      if (p.def.register) state.hostFacts[p.def.register] = result;
      return { ...base, status: 'skipped', msg: 'condition is false', ops: [], diffs: [], runtimeOutcome: false, result, irreversible: false, destructive: false };
    }
  }
  // Args may reference registered values that are now real: template again.
  let args: unknown;
  try {
    args = p.def.loop === undefined ? validateArgs(p.def, renderValue(p.def.args, vars)) : p.args;
  } catch (err) {
    const names = predicted(p.def.args);
    if (names.length) return waitFor(names, err);
    throw err;
  }
  // `check_mode: true` on a task: Ansible runs it in check mode even in a real run — it
  // reports what it would do and changes nothing. `false`: it runs for real in a dry-run.
  const taskCheck = p.def.checkMode ?? checkMode;
  const checkSkip = taskCheck && p.def.checkMode !== false && !p.module.supportsCheck;
  if (checkSkip) {
    const result = { changed: false, skipped: true, msg: 'skipped in check mode' };
    if (p.def.register) state.hostFacts[p.def.register] = { ...predictedResult(), ...result };
    return { ...base, status: 'skipped', msg: `${p.module.name} does not support check mode: would run at apply`, ops: [], diffs: [], runtimeOutcome: true, result };
  }
  let mp: ReturnType<typeof p.module.plan>;
  try {
    mp = p.module.plan(args, contextFor(state, taskCheck, vars, path.dirname(p.def.pos.file)));
    // Nothing of a check-mode task runs in an apply; its result is the check-mode one, known now.
    if (taskCheck && !checkMode) mp = { ...mp, ops: [], factUpdates: undefined, runtimeOutcome: false };
  } catch (err) {
    // Args known only now (a set_fact value, a registered result) name files that were not
    // gathered before the run: the engine gathers them and plans the task again.
    if (err instanceof MissingFactError) return defer(`reads facts not gathered yet (${err.message})`, safeFacts(p.module, args));
    const names = predicted(p.def.args);
    if (names.length) return waitFor(names, err);
    throw err;
  }
  let status = mp.status;
  const result: Record<string, unknown> = {
    ...(mp.runtimeOutcome ? predictedResult() : {}),
    ...(mp.result ?? {}),
    changed: status === 'changed',
    failed: status === 'failed',
    skipped: status === 'skipped',
    // Ansible's own message when the module gives one; our human explanation otherwise.
    msg: (mp.result as { msg?: unknown } | undefined)?.msg ?? mp.msg,
  };
  if (!mp.runtimeOutcome) {
    // Expressions over a result known at plan time are decided now (Ansible semantics).
    if (p.def.changedWhen?.length) {
      const changed = evalCondition(p.def.changedWhen, { ...vars, ...(p.def.register ? { [p.def.register]: result } : {}) });
      if (status !== 'failed' && status !== 'skipped') status = changed ? 'changed' : 'ok';
    }
    if (p.def.failedWhen?.length) {
      const failed = evalCondition(p.def.failedWhen, { ...vars, ...(p.def.register ? { [p.def.register]: result } : {}) });
      status = failed ? 'failed' : status === 'failed' ? 'ok' : status;
    }
    if (status === 'failed' && p.def.ignoreErrors) status = 'ok';
    result.changed = status === 'changed';
    result.failed = status === 'failed';
  }
  if (p.module.name === 'set_fact' && mp.result) Object.assign(state.hostFacts, mp.result);
  if (p.def.register) state.hostFacts[p.def.register] = result;
  state.files = applyOps(state.files, mp.ops);
  // Command facts as they will read after this task (e.g. a unit stopped by an earlier task).
  if (mp.factUpdates) for (const [k, v] of Object.entries(mp.factUpdates)) state.commands.set(k, v);
  const diffText = mp.diffs.length && state.diffs !== false ? mp.diffs.map(unifiedDiff).join('') : undefined;
  return { ...base, status, msg: mp.msg, ops: mp.ops, diffs: mp.diffs, diffText, ...(mp.warnings?.length ? { warnings: mp.warnings } : {}), runtimeOutcome: Boolean(mp.runtimeOutcome), result, irreversible: base.irreversible && mp.ops.length > 0, destructive: base.destructive && mp.ops.length > 0 };
}

/** Handlers notified by tasks that (will) change, in handler definition order; `listen` honoured. */
export function notifiedHandlers(plans: TaskPlan[], handlers: TaskDef[]): TaskDef[] {
  const names = new Set<string>();
  for (const t of plans) if (t.status === 'changed') for (const n of t.notify) names.add(n);
  return handlers.filter((h) => names.has(h.name) || (h.listen ?? []).some((l) => names.has(l)));
}

export function boolVar(v: unknown): boolean {
  return boolOf(v);
}
