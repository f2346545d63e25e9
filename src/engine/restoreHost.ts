/** A failed host's way back: its snapshots restored in one round trip, then the play's rollback hooks. */
import type { Journal } from '../journal/journal.js';
import type { TaskDef } from '../playbook/types.js';
import { report, type HostReport, type HostRunOptions } from './hostTypes.js';
import { planTask, prepareTask, type PlanState } from './plan.js';
import { applyScript, collectFactRequests, gatherScript, parseApply, parseGather, restoreScript, type Snapshot } from './remoteScript.js';
import { exec, type StepRunner } from './stepRunner.js';

/** Put snapshots back (one round trip), then run the play's rollback hooks. */
export async function restoreHost(
  run: StepRunner,
  opts: HostRunOptions,
  snaps: Snapshot[],
  hooks: TaskDef[],
  vars: Record<string, unknown>,
  rep: HostReport,
  hostName: string,
  journal?: Journal,
): Promise<void> {
  const noSignal = { ...opts, signal: undefined }; // a restore must run even after Ctrl-C
  let r: Awaited<ReturnType<typeof exec>>;
  try {
    // Bounded by the command timeout like every round trip: a hung host cannot be restored
    // now, and is reported so (its snapshots stay in the journal for `crane-fix rollback`).
    r = await exec(run, noSignal, restoreScript(snaps));
  } catch (err) {
    const why = `the restore did not complete: ${(err as Error).message}`;
    journal?.append({ type: 'restored', host: hostName, ok: false, error: why });
    throw new Error(why, { cause: err });
  }
  const { complete, outcomes } = parseApply(r.stdout);
  const reversed = [...snaps].reverse();
  const bad = outcomes.filter((o) => o.kind !== 'ok').map((o) => `${reversed[o.id]?.path ?? '?'} (${o.kind === 'error' ? o.what : o.kind})`);
  if (!complete || bad.length) {
    const why = bad.length ? `could not restore ${bad.join(', ')}` : r.stderr.trim() || 'the restore script stopped';
    journal?.append({ type: 'restored', host: hostName, ok: false, error: why });
    throw new Error(`restore failed: ${why}`);
  }
  journal?.append({ type: 'restored', host: hostName, ok: true });
  if (!hooks.length) return;
  const prepared = hooks.flatMap((h, i) => prepareTask(h, i, vars));
  const req = collectFactRequests(prepared.flatMap((p) => p.facts));
  let state: PlanState = { files: new Map(), commands: new Map(), hostFacts: {} };
  if (req.files.length || req.commands.length) {
    const g = await exec(run, noSignal, gatherScript(req), { readOnly: true });
    const f = parseGather(req, g.stdout);
    state = { files: f.files, commands: f.commands, hostFacts: {} };
  }
  const plans = prepared.map((p) => planTask(p, state, false));
  const sops = plans.flatMap((t) => t.ops).map((op, id) => ({ id, op }));
  if (sops.length) {
    const h = await exec(run, noSignal, applyScript(sops));
    const out = parseApply(h.stdout);
    if (!out.complete) throw new Error(`rollback hooks failed: ${h.stderr.trim() || 'a hook command failed'}`);
  }
  for (const t of plans) rep.tasks.push({ ...report(t), rollbackHook: true });
}
