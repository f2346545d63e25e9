/** Shared test helpers for module planners: fact contexts, file states, idempotence runs. */
import { execFileSync } from 'node:child_process';
import type { CommandResult, FactRequest, FileState, ModuleDef, ModulePlan, Op, PlanContext } from '../../src/modules/types.js';
import { applyScript, parseApply } from '../../src/engine/remoteScript.js';
import { applyOps, normPath, sha256 } from '../../src/modules/virtualFs.js';

export type FileSpec = string | null | (Partial<FileState> & { content?: string });

/** A FileState for a regular text file (root:root 0644 unless overridden), or absent for null. */
export function fileState(path: string, spec: FileSpec): FileState {
  if (spec === null) return { path, exists: false };
  if (typeof spec === 'string') return { path, exists: true, type: 'file', mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root', content: spec, sha256: sha256(spec) };
  const base: FileState = { path, exists: true, type: 'file', mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' };
  const st = { ...base, ...spec } as FileState;
  if (st.exists && st.type === 'file' && st.content !== undefined && st.sha256 === undefined) st.sha256 = sha256(st.content);
  return st;
}

export function filesMap(files: Record<string, FileSpec>): Map<string, FileState> {
  const m = new Map<string, FileState>();
  for (const [p, spec] of Object.entries(files)) m.set(normPath(p), fileState(normPath(p), spec));
  return m;
}

export interface CtxOptions {
  checkMode?: boolean;
  commands?: Record<string, Partial<CommandResult>>;
  vars?: Record<string, unknown>;
  playbookDir?: string;
}

/**
 * A PlanContext that only answers facts the module declared (like the engine), and
 * treats declared-but-unlisted files as absent.
 */
export function makeCtx(declared: FactRequest[], files: ReadonlyMap<string, FileState>, opts: CtxOptions = {}): PlanContext {
  const filePaths = new Set(declared.filter((f) => f.kind === 'file').map((f) => (f as { path: string }).path));
  // As the gather does: a declared symlink's resolved target is read with it.
  for (const p of [...filePaths]) {
    const real = files.get(p)?.realPath;
    if (real !== undefined) filePaths.add(real);
  }
  const cmdKeys = new Set(declared.filter((f) => f.kind === 'command').map((f) => (f as { key: string }).key));
  return {
    checkMode: !!opts.checkMode,
    vars: opts.vars,
    playbookDir: opts.playbookDir,
    file(path) {
      if (!filePaths.has(path)) throw new Error(`undeclared file fact ${path} (declared: ${[...filePaths].join(', ')})`);
      return files.get(path) ?? { path, exists: false };
    },
    command(key) {
      if (!cmdKeys.has(key)) throw new Error(`undeclared command fact ${key}`);
      const c = opts.commands?.[key];
      if (!c) throw new Error(`test did not provide command fact ${key}`);
      return { rc: 0, stdout: '', stderr: '', ...c };
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parseArgs(mod: ModuleDef<any>, raw: unknown): any {
  const r = mod.args.safeParse(raw);
  if (!r.success) throw new Error(`invalid args: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface RunResult {
  plan: ModulePlan;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: any;
  facts: FactRequest[];
  files: Map<string, FileState>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function run(mod: ModuleDef<any>, raw: unknown, files: Record<string, FileSpec> | Map<string, FileState>, opts: CtxOptions = {}): RunResult {
  const args = parseArgs(mod, raw);
  const facts = mod.facts(args);
  const fm = files instanceof Map ? files : filesMap(files);
  const plan = mod.plan(args, makeCtx(facts, fm, opts));
  return { plan, args, facts, files: fm };
}

/** Plan, apply the ops to the virtual files, and plan again. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function runTwice(mod: ModuleDef<any>, raw: unknown, files: Record<string, FileSpec> | Map<string, FileState>, opts: CtxOptions = {}) {
  const first = run(mod, raw, files, opts);
  const after = applyOps(first.files, first.plan.ops);
  const second = run(mod, raw, after, opts);
  return { first, second, after };
}

export function content(files: Map<string, FileState>, path: string): string | undefined {
  return files.get(path)?.content;
}

/**
 * Run one exec op here exactly as a node would: through the real apply script (`sh -s`,
 * stdin file, chdir, the shell module's fd 3), and return its result.
 */
export function runExecOp(op: Op): CommandResult {
  const script = applyScript([{ id: 0, op, mayFail: true }]);
  const out = execFileSync('/bin/sh', ['-s'], { input: Buffer.from(script, 'utf8'), encoding: 'latin1', stdio: ['pipe', 'pipe', 'pipe'] });
  const ex = parseApply(out).outcomes.find((o) => o.kind === 'exec');
  if (!ex || ex.kind !== 'exec') throw new Error(`no exec result in: ${out}`);
  return ex.result;
}
