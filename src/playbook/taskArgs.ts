/**
 * A task's module arguments against the module's zod schema: at load time (templated values
 * skipped) and at run time after templating (memoised per task), and `loop:` items.
 */
import type { ZodIssue } from 'zod';
import { InputError, type SourcePos } from '../errors.js';
import { isTemplated, pyStr } from '../modules/common.js';
import { findModule, moduleOptions, type AnyModule } from '../modules/index.js';
import type { TaskDef } from './types.js';

function issuePos(task: TaskDef, issue: ZodIssue, modulePos: SourcePos | undefined): SourcePos {
  const key = issue.path[0];
  if (issue.code === 'unrecognized_keys') {
    const k = issue.keys[0];
    if (k !== undefined && task.argPos[k]) return task.argPos[k]!;
  }
  if (typeof key === 'string' && task.argPos[key]) return task.argPos[key]!;
  return modulePos ?? task.pos;
}

function issueMessage(mod: AnyModule, issue: ZodIssue): string {
  const meta = moduleOptions(mod);
  const key = issue.path[0];
  if (issue.code === 'unrecognized_keys') {
    const supported = meta ? ` Supported parameters include: ${[...meta.keys, ...Object.keys(meta.aliases)].sort().join(', ')}.` : '';
    return `Unsupported parameters for (${mod.name}) module: ${issue.keys.join(', ')}.${supported}`;
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined' && key !== undefined) {
    return `${mod.name}: missing required arguments: ${String(key)}`;
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return `${mod.name}: arguments must be a mapping of options, got ${issue.received}`;
  }
  const where = key !== undefined ? `option '${issue.path.join('.')}': ` : '';
  return `${mod.name}: ${where}${issue.message}`;
}

function isTemplatedDeep(v: unknown): boolean {
  if (typeof v === 'string') return isTemplated(v);
  return false;
}

/** Load-time check: structure, unknown/missing options, literal types. Templated values are skipped. */
export function validateAtLoad(task: TaskDef, mod: AnyModule, modulePos: SourcePos): void {
  const args = task.args as Record<string, unknown>;
  const templated = new Set(Object.keys(args).filter((k) => isTemplatedDeep(args[k])));
  const meta = moduleOptions(mod);
  if (meta) for (const k of [...templated]) if (meta.aliases[k]) templated.add(meta.aliases[k]!);
  const probe: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!templated.has(k)) probe[k] = v;
  const r = mod.args.safeParse(probe);
  if (r.success) return;
  // Report an unknown option before anything else (Ansible: "Unsupported parameters"): a
  // misspelt option also shows up as a missing required one, and the typo is the real error.
  const issues = [...r.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  for (const issue of issues) {
    const key = issue.path[0];
    if (typeof key === 'string' && templated.has(key)) continue;
    if (templated.size && issue.code === 'custom') continue; // cross-option rules: re-checked after templating
    if (templated.size && issue.code === 'invalid_type' && issue.received === 'undefined') continue;
    throw new InputError(issueMessage(mod, issue), issuePos(task, issue, modulePos));
  }
}

/**
 * Validate a task's templated args against its module's schema; returns the parsed args
 * (defaults applied, types coerced) for `module.facts()` / `module.plan()`.
 */
/**
 * Validated args per task and templated value: 50 hosts usually template a task to the same
 * args, and the planner validates again after each runtime step — zod was ~5% of a no-op
 * run's CPU. The result is frozen because hosts share it (a planner must never mutate args).
 */
const validated = new WeakMap<TaskDef, Map<string, unknown>>();

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

export function validateArgs(task: TaskDef, templatedArgs: unknown): unknown {
  let perTask = validated.get(task);
  if (!perTask) validated.set(task, (perTask = new Map()));
  // JSON alone would make NaN/Infinity and null, or undefined and absent, the same key.
  const key = JSON.stringify(templatedArgs, (_k, x) => (x === undefined ? '\u0000undefined' : typeof x === 'number' && !Number.isFinite(x) ? `\u0000${x}` : x)) ?? 'undefined';
  if (perTask.has(key)) return perTask.get(key);
  const mod = findModule(task.module);
  if (!mod) throw new InputError(`couldn't resolve module/action '${task.module}'`, task.pos);
  const r = mod.args.safeParse(templatedArgs);
  if (r.success) {
    if (perTask.size > 1000) perTask.clear();
    perTask.set(key, deepFreeze(r.data));
    return r.data;
  }
  const issue = r.error.issues[0]!;
  throw new InputError(issueMessage(mod, issue), issuePos(task, issue, task.modulePos));
}

/**
 * Items of a templated `loop:` / `with_items:` value. `loop` needs a list; `with_items`
 * flattens one level and turns a scalar into a one-item list, as Ansible's items lookup.
 */
export function expandLoop(value: unknown, kind: 'loop' | 'with_items' = 'loop'): unknown[] {
  if (kind === 'with_items') {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      if (typeof value === 'object') throw new InputError(`with_items expects a list, got a mapping`);
      return [value];
    }
    return value.flatMap((x) => (Array.isArray(x) ? x : [x]));
  }
  if (!Array.isArray(value)) {
    throw new InputError(`Invalid data passed to 'loop', it requires a list, got this instead: ${pyStr(value)}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.`);
  }
  return value;
}
