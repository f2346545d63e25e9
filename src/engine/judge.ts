/** A runtime task's verdict from its command's result (rc, changed_when, failed_when, register). */
import { evalCondition } from '../playbook/template.js';
import { predictedResult, type PlanState, type TaskPlan } from './plan.js';

/**
 * Decide a runtime task's outcome from its command result: rc, then changed_when /
 * failed_when over the registered result (Ansible semantics); record `register`.
 */
export function judgeExec(t: TaskPlan, r: { rc: number; stdout: string; stderr: string }, state: PlanState): { failed: boolean; error?: string } {
  const lines = (x: string) => (x === '' ? [] : x.replace(/\n$/, '').split('\n'));
  const res: Record<string, unknown> = {
    ...predictedResult(),
    ...t.result,
    predicted: false,
    rc: r.rc,
    stdout: r.stdout.replace(/\n$/, ''),
    stderr: r.stderr.replace(/\n$/, ''),
    stdout_lines: lines(r.stdout),
    stderr_lines: lines(r.stderr),
  };
  let failed = r.rc !== 0;
  let changed = t.status === 'changed';
  const def = t.prepared.def;
  const v = { ...t.prepared.vars, ...state.hostFacts, ...(t.register ? { [t.register]: res } : {}) };
  if (def.changedWhen?.length) changed = evalCondition(def.changedWhen, v);
  if (def.failedWhen?.length) failed = evalCondition(def.failedWhen, { ...v, ...(t.register ? { [t.register]: { ...res, changed } } : {}) });
  res.changed = changed;
  res.failed = failed;
  if (t.register) state.hostFacts[t.register] = res;
  if (failed && !def.ignoreErrors) {
    const err = r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
    return { failed: true, error: `${t.name}: command failed (rc ${r.rc})${err}` };
  }
  t.status = changed ? 'changed' : 'ok';
  return { failed: false };
}
