/**
 * One host, one play: gather (1 round trip) -> plan (pure) -> snapshot into the journal ->
 * apply in as few round trips as possible -> handlers -> verify -> on failure restore the
 * snapshots and run the play's rollback hooks.
 *
 * Round trips: a play whose tasks need no runtime judgement (no register/changed_when/
 * failed_when on commands) applies tasks AND handlers in one script, with the first verify
 * attempt at its end, so apply costs gather + apply = 2 round trips (3 when a task notifies a
 * handler: an apply reads a handler's facts only then) and a no-op costs 1, whatever the
 * number of tasks —
 * all on ONE exec channel: the gather shell stays open and every later script is sent to it as
 * more input (`sessionRunner`). That shell holds the host lock from the first step that changes
 * the host (`lockOnFirstChange`; a dry-run: from its gather, if another run holds it) to the end.
 */
import type { Connector, OpenSession } from '../transport/types.js';
import { TransportError } from '../transport/types.js';
import type { CommandResult, FactRequest, FileState, Op } from '../modules/types.js';
import { evalCondition } from '../playbook/template.js';
import type { Journal } from '../journal/journal.js';
import { applyScript, collectFactRequests, gatherScript, newToken, sharedLockStep, throwIfLocked, RelockError, parseApply, parseGather, type GatheredFacts, type OpOutcome, type ScriptOp, type Snapshot } from './remoteScript.js';
import { applyOps } from '../modules/virtualFs.js';
import { notifiedHandlers, planTask, predictedResult, prepareTask, type PlanState, type PreparedTask, type TaskPlan } from './plan.js';
import { failsWhilePlanning, HostFailure, report, settled, type HostPlay, type HostReport, type HostRunOptions } from './hostTypes.js';
import { judgeExec } from './judge.js';
import { restoreHost } from './restoreHost.js';
import { snapshotBeforeTouch, touchedPath } from './snapshots.js';
import { channelRunner, exec, lockOnFirstChange, sessionRunner, type StepRunner } from './stepRunner.js';

export type { HostPlay, HostReport, HostRunOptions, HostStatus, TaskReport } from './hostTypes.js';

export async function runHostPlay(conn: Connector, hp: HostPlay, opts: HostRunOptions, hostName: string): Promise<HostReport> {
  const rep: HostReport = { status: 'ok', tasks: [], sessions: 0, notes: [] };
  const journal = opts.journal;
  const sessionsBefore = conn.sessionsOpened;
  const snapshots = new Map<string, Snapshot>();
  let original: Map<string, FileState> = new Map();
  let touchedAnything = false;

  const handlerPrepared = hp.preparedHandlers ?? hp.handlers.flatMap((h, i) => prepareTask(h, i, hp.vars, true));
  let holder: OpenSession | undefined;
  let trips = 0;
  const counted =
    (r: StepRunner): StepRunner =>
    (script, o) => {
      trips++;
      return r(script, o);
    };
  let run: StepRunner = counted(channelRunner(conn, opts.shell));
  try {
    // 1. gather: every fact of tasks and verify in one round trip — and of handlers for a
    // dry-run. An apply reads a handler's facts (its unit's state) only once a task notifies
    // it, just before the step that runs it: most runs change nothing, and on a node every
    // process counts (bench/README.md). A dry-run that changes something reports its
    // handlers, so it reads theirs at once rather than in a second round trip.
    const req = collectFactRequests([...hp.tasks, ...(opts.checkMode ? handlerPrepared : []), ...hp.verify].flatMap((t) => t.facts));
    opts.progress?.('gathering facts');
    // The gather session stays open: every later step runs in its shell, whose fd 9 takes
    // the host lock — for an apply only once a step is about to change the host, for a
    // dry-run only if another run holds it or held it until recently (`LockSpec`): a no-op
    // run starts no `flock` (each process costs the node CPU, bench/README.md).
    if (opts.signal?.aborted) throw new HostFailure('interrupted before the first step (signal)');
    const endToken = newToken();
    const lock = { when: opts.checkMode ? ('if-held' as const) : ('on-change' as const), runId: opts.runId ?? 'unknown', waitS: Math.max(0, Math.floor(opts.lockWaitS ?? 30)) };
    const stepMs = opts.commandTimeoutMs ?? 120_000;
    holder = await conn.open(opts.shell.command, {
      stdin: opts.shell.stdinPrefix + gatherScript(req, lock, endToken),
      encoding: 'latin1',
    });
    let gathered: string;
    try {
      // Two bounds: the lock may take up to --lock-timeout (another run holds it); the facts
      // themselves take one step's --timeout, so a node that hangs now fails in that time.
      // An apply's gather takes no lock, and says nothing about it.
      if (lock.when === 'if-held') await holder.waitFor('@@CF lock ok', lock.waitS * 1000 + stepMs);
      gathered = await holder.waitFor(`@@CF end ${endToken}\n`, stepMs);
    } catch (err) {
      const out = (err as { result?: { stdout: string } }).result?.stdout ?? '';
      throwIfLocked(out);
      throw err;
    }
    let facts = parseGather(req, gathered);
    // Every later step (apply, handlers, verify, restore) rides on this same session.
    trips++; // the gather itself
    run = counted(sessionRunner(holder));
    if (facts.relock) {
      // Dry-run: a run took the lock while the facts were read without it (they may be
      // half-changed). Read them again under the shared lock, held from now on.
      opts.progress?.('gathering facts again (another run holds the host lock)');
      facts = parseGather(req, (await exec(run, opts, sharedLockStep(lock) + gatherScript(req), { firstLineMs: lock.waitS * 1000 + stepMs })).stdout);
    }
    if (lock.when === 'on-change') {
      run = lockOnFirstChange(run, { ...lock, stepMs }, (why) => {
        // The step changed nothing: the snapshots journaled for it must never be restored
        // (after a relock they hold what the host had before another run changed it).
        if (snapshots.size) {
          journal?.append({ type: 'snapshots-void', host: hostName, paths: [...snapshots.keys()], reason: why });
          // On disk by the next change at the latest (every change awaits `durable` first).
          journal?.durable().catch(() => undefined);
        }
        snapshots.clear();
      });
    }

    // Everything from the facts on; once more from a fresh gather after a relock.
    const play = async (facts: GatheredFacts): Promise<void> => {
      original = facts.files;
      const state: PlanState = { files: new Map(facts.files), commands: facts.commands, hostFacts: {}, diffs: opts.checkMode || opts.diff !== false };

      // 2. plan every task against the virtual state.
      // The virtual state before each task, so tasks can be planned again from any point
      // (after a judged command ran) without seeing their own earlier planning.
      const statesBefore: Map<string, FileState>[] = [];
      const commandsBefore: Map<string, CommandResult>[] = [];
      const plans: TaskPlan[] = [];
      const planFrom = (k: number, checkMode: boolean) => {
        state.files = statesBefore[k] ?? state.files;
        state.commands = new Map(commandsBefore[k] ?? state.commands);
        for (let j = k; j < hp.tasks.length; j++) {
          statesBefore[j] = state.files;
          commandsBefore[j] = new Map(state.commands);
          plans[j] = planTask(hp.tasks[j]!, state, checkMode);
        }
      };
      planFrom(0, opts.checkMode);
      // Facts read again while the play runs (one round trip): what a task planned only now
      // reads (its args were known only now), and — after a command that may have changed the
      // host — what the later tasks read. `fresh`: the host changed, gathered facts replace
      // the planned ones; otherwise only facts never read before are added.
      // One read-only round trip for the facts `reqs` asks for — all of them, or (`known`
      // given) only those no map in `known` holds yet. A file first seen now is what a
      // rollback puts back. Undefined when there is nothing to read.
      const readFacts = async (reqs: FactRequest[], what: string, known?: { files: ReadonlyMap<string, unknown>[]; commands: ReadonlyMap<string, unknown>[] }): Promise<GatheredFacts | undefined> => {
        const req = collectFactRequests(reqs);
        if (known) {
          req.files = req.files.filter((f) => !known.files.some((m) => m.has(f)));
          req.commands = req.commands.filter((c) => !known.commands.some((m) => m.has(c.key)));
        }
        if (!req.files.length && !req.commands.length) return undefined;
        opts.progress?.(what);
        const got = parseGather(req, (await exec(run, opts, gatherScript(req), { readOnly: true })).stdout);
        for (const [f, st] of got.files) if (!original.has(f)) original.set(f, st);
        return got;
      };
      const regather = async (k: number, fresh: boolean) => {
        const files = new Map(statesBefore[k] ?? state.files);
        const commands = new Map(commandsBefore[k] ?? state.commands);
        const reqs = plans.slice(k).flatMap((t) => [...t.prepared.facts, ...(t.deferred?.facts ?? [])]);
        const got = await readFacts(reqs, 'gathering facts again', fresh ? undefined : { files: [files], commands: [commands] });
        if (!got) return;
        for (const [f, st] of got.files) files.set(f, st);
        for (const [key, c] of got.commands) commands.set(key, c);
        statesBefore[k] = files;
        commandsBefore[k] = commands;
      };
      // The facts of the handlers about to be planned that no task read (an apply's gather
      // leaves them out): one read-only round trip, before the step that would run them —
      // so a handler that cannot run (its unit is not found) still fails before that step.
      // Kept apart, as the states the tasks are planned again from do not hold them.
      const late = { files: new Map<string, FileState>(), commands: new Map<string, CommandResult>() };
      const handlerFacts = async (notified: PreparedTask[]) => {
        const got = await readFacts(
          notified.flatMap((x) => x.facts),
          'gathering handler facts',
          { files: [state.files, late.files], commands: [state.commands, late.commands] },
        );
        for (const [f, st] of got?.files ?? []) late.files.set(f, st);
        for (const [k, c] of got?.commands ?? []) late.commands.set(k, c);
        for (const [f, st] of late.files) if (!state.files.has(f)) state.files.set(f, st);
        for (const [k, c] of late.commands) if (!state.commands.has(k)) state.commands.set(k, c);
      };
      // Tasks from k on read the host (files, creates/removes, unit states), or wait for facts.
      const readsFrom = (k: number) => plans.slice(k).some((t) => t.prepared.facts.length || t.prepared.pending || t.deferred);
      const runsCommand = (t: TaskPlan) => t.runtimeOutcome && t.ops.some((op) => op.op === 'exec');
      // The tasks after k are planned again once k ran: its result is judged, or it is a
      // command that may change what they read.
      const replanAfter = (k: number) => (plans[k]!.runtimeOutcome && plans[k]!.judged) || (runsCommand(plans[k]!) && readsFrom(k + 1));
      if (opts.checkMode) {
        // Dry-run: nothing is written. Only commands marked `check_mode: false` run (Ansible
        // does the same: the author declares them read-only), and the tasks after them are
        // planned again with their real results.
        for (let i = 0; i < plans.length; i++) {
          if (plans[i]!.deferred?.facts) {
            await regather(i, false);
            planFrom(i, true);
          }
          const t = plans[i]!;
          if (t.runtimeOutcome && t.prepared.def.checkMode === false && t.ops.length) {
            const sops = t.ops.filter((op) => op.op === 'exec').map((op, id) => ({ id, op, mayFail: true }));
            const r = await exec(run, opts, applyScript(sops));
            const ex = parseApply(r.stdout).outcomes.filter((o): o is Extract<OpOutcome, { kind: 'exec' }> => o.kind === 'exec').pop();
            const verdict = ex ? judgeExec(t, ex.result, state) : { failed: true, error: `${t.name}: no result` };
            if (verdict.failed) {
              rep.tasks.push(report(t, { status: 'failed', changed: false, error: verdict.error }));
              throw new HostFailure(verdict.error!);
            }
            if (i + 1 < plans.length) {
              // Plan the rest again from the state before task i+1, with the real result known.
              planFrom(i + 1, true);
            }
          }
          rep.tasks.push(report(t));
          if (t.status === 'failed') throw new HostFailure(`task '${t.name}' failed: ${t.msg ?? 'failed'}`);
        }
        for (const h of notifiedHandlers(plans, hp.handlers)) {
          for (const x of handlerPrepared.filter((y) => y.def === h)) {
            const hpl = planTask(x, state, true);
            rep.tasks.push(report(hpl));
            // As an apply would: a handler that cannot run fails the host.
            if (failsWhilePlanning(hpl)) throw new HostFailure(`handler '${hpl.name}' failed: ${hpl.msg ?? 'failed'}`);
          }
        }
        journal?.append({ type: 'plan', host: hostName, tasks: rep.tasks.map((t) => ({ name: t.name, status: t.status, changed: t.changed, diff: t.diff })) });
        rep.status = rep.tasks.some((t) => t.changed) ? 'changed' : 'ok';
        return;
      }
      // Known to fail before anything ran — up to the first task the rest is planned again
      // after (what follows depends on what runs first, and is judged when it is planned again).
      let horizon = plans.length;
      for (let k = 0; k < plans.length; k++) {
        if (plans[k]!.deferred || replanAfter(k)) {
          horizon = plans[k]!.deferred ? k : k + 1;
          break;
        }
      }
      const failedAtPlan = plans.slice(0, horizon).findIndex(failsWhilePlanning);
      if (failedAtPlan >= 0) {
        // Failing before anything ran on the host: report up to the failure, change nothing.
        const f = plans[failedAtPlan]!;
        // Nothing ran: earlier tasks are reported as not run, not with the changes they planned.
        for (const t of plans.slice(0, failedAtPlan)) rep.tasks.push({ name: t.name, status: 'skipped', changed: false, msg: `not run: '${f.name}' failed while planning; nothing was changed` });
        rep.tasks.push(report(f));
        throw new HostFailure(`task '${f.name}' failed: ${f.msg ?? 'failed'}`);
      }

      // 3. apply, segment by segment.
      // The handlers notified by the planned tasks, planned now for an apply (after the tasks).
      // A handler that cannot run on what it read (its unit is not found, its file is missing)
      // fails the host before the step that would have run it: `notRun` are that step's tasks.
      const planHandlers = async (notRun: TaskPlan[]) => {
        const notified = notifiedHandlers(plans, hp.handlers).flatMap((h) => handlerPrepared.filter((x) => x.def === h));
        await handlerFacts(notified);
        const hplans = settled(notified.map((x) => planTask(x, state, false)), rep);
        const bad = hplans.find(failsWhilePlanning);
        if (bad) {
          const why = `not run: handler '${bad.name}' cannot run${touchedAnything ? '' : '; nothing was changed'}`;
          for (const t of notRun) rep.tasks.push({ name: t.name, status: 'skipped', changed: false, msg: why });
          rep.tasks.push(report(bad));
          throw new HostFailure(`handler '${bad.name}' failed: ${bad.msg ?? 'failed'}`);
        }
        return hplans;
      };
      // The first attempt of the first verify, when it rode along in the last apply script.
      let foldedVerify: OpOutcome[] | undefined;
      let i = 0;
      while (i < plans.length) {
        if (plans[i]!.deferred?.facts) {
          await regather(i, false);
          planFrom(i, false);
        }
        const first = plans[i]!;
        if (first.deferred || failsWhilePlanning(first)) {
          const error = first.deferred ? `${first.name}: ${first.deferred.reason}` : `task '${first.name}' failed: ${first.msg ?? 'failed'}`;
          rep.tasks.push(report(first, { status: 'failed', changed: false, error }));
          throw new HostFailure(error);
        }
        // A segment ends after a task the rest is planned again after, and before a task that
        // has to be planned again or fails.
        let end = i;
        const stopsBefore = (t: TaskPlan) => Boolean(t.deferred) || failsWhilePlanning(t);
        while (end < plans.length - 1 && !replanAfter(end) && !stopsBefore(plans[end + 1]!)) end++;
        const segment = plans.slice(i, end + 1);
        const lastSegment = end === plans.length - 1;
        const segHasJudged = segment.some((t) => t.runtimeOutcome && t.judged);
        // Handlers ride along in the last script when nothing in it is judged at runtime.
        let handlerPlans: TaskPlan[] = [];
        if (lastSegment && !segHasJudged) handlerPlans = await planHandlers(segment);
        const all = [...segment, ...handlerPlans];
        // The first verify's first attempt rides along too (one round trip less) when this
        // script completing means the host changed, and nothing in it is judged at runtime or
        // registers a result the verify could read: it is then planned exactly as it would be
        // after the script. A step that fails ends the script before it.
        let verifyOps: Op[] = [];
        const settledRun = all.every((t) => !t.runtimeOutcome || (!t.judged && !t.register));
        if (lastSegment && !segHasJudged && settledRun && hp.verify.length && (rep.tasks.some((t) => t.changed) || all.some((t) => t.status === 'changed'))) {
          const vp = planTask(hp.verify[0]!, { files: state.files, commands: state.commands, hostFacts: { ...state.hostFacts } }, false);
          if (!vp.deferred && vp.status !== 'failed' && vp.ops.length && vp.ops.every((op) => op.op === 'exec')) verifyOps = vp.ops;
        }
        const sops: ScriptOp[] = [];
        const owner: number[] = [];
        let virtual = statesBefore[i] ?? state.files;
        all.forEach((t, k) => {
          for (const op of t.ops) {
            const path = touchedPath(op);
            snapshotBeforeTouch(op, snapshots, original, hostName, journal);
            sops.push({ id: sops.length, op, mayFail: t.judged, before: path ? virtual.get(path) : undefined });
            owner.push(k);
            // Mode/owner of the file as it will be at this point of the script.
            virtual = applyOps(virtual, [op]);
          }
        });
        const verifyFrom = sops.length;
        if (sops.length) for (const op of verifyOps) sops.push({ id: sops.length, op, mayFail: true });
        if (sops.length) {
          touchedAnything = true;
          journal?.append({ type: 'applying', host: hostName, segment: i });
          // The snapshots must be on disk before the first byte on the host changes.
          await journal?.durable();
          opts.progress?.(`applying ${all.map((t) => t.name).join(', ')}`.slice(0, 120));
          const r = await exec(run, opts, applyScript(sops));
          const { outcomes } = parseApply(r.stdout);
          if (verifyOps.length) foldedVerify = outcomes.filter((o) => o.id >= verifyFrom);
          const byTask = new Map<number, typeof outcomes>();
          for (const o of outcomes) {
            if (o.id >= verifyFrom) continue;
            const k = owner[o.id]!;
            byTask.set(k, [...(byTask.get(k) ?? []), o]);
          }
          let failure: string | undefined;
          all.forEach((t, k) => {
            if (failure) return;
            const outs = byTask.get(k) ?? [];
            const expected = t.ops.length;
            const bad = outs.find((o) => o.kind === 'guard' || o.kind === 'error');
            if (bad) {
              failure =
                bad.kind === 'guard'
                  ? `${t.name}: a file changed on the host since it was read (${bad.found === 'absent' ? 'it is gone now' : bad.found === 'present' ? 'it exists now' : `sha256 now ${bad.found.slice(0, 12)}…`}); refusing to overwrite`
                  : `${t.name}: ${bad.kind === 'error' ? bad.what : ''} failed on the host`;
              rep.tasks.push(report(t, { status: 'failed', changed: false, error: failure }));
              return;
            }
            if (outs.some((o) => o.kind === 'ok' && o.inPlace)) rep.notes.push(`${t.name}: target is a mount point; wrote it in place (rename would give EBUSY)`);
            const execs = outs.filter((o): o is Extract<OpOutcome, { kind: 'exec' }> => o.kind === 'exec');
            const lastExec = execs[execs.length - 1];
            const cutShort = outs.length < expected && !(lastExec && lastExec.result.rc !== 0);
            if (t.runtimeOutcome && lastExec && !cutShort) {
              const verdict = judgeExec(t, lastExec.result, state);
              if (verdict.failed) {
                failure = verdict.error;
                rep.tasks.push(report(t, { status: 'failed', changed: false, error: failure }));
                return;
              }
            } else if (outs.length < expected) {
              // The script ended (exit, lost connection, killed) before this task's ops all ran.
              failure = `${t.name}: the host stopped before this step finished${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`;
              rep.tasks.push(report(t, { status: 'failed', changed: false, error: failure }));
              return;
            }
            rep.tasks.push(report(t));
            journal?.append({ type: 'applied', host: hostName, task: t.name, status: t.status, changed: t.status === 'changed' });
          });
          if (failure) throw new HostFailure(failure);
        } else {
          for (const t of all) rep.tasks.push(report(t));
        }
        i = end + 1;
        // Results just judged may change later tasks' `when`/args, and a command that ran may
        // have changed what later tasks read: plan the rest again (on facts read again).
        const fresh = i < plans.length && segment.some((t) => runsCommand(t) && t.status === 'changed') && readsFrom(i);
        if ((segHasJudged || fresh) && i < plans.length) {
          statesBefore[i] = virtual;
          if (fresh) await regather(i, true);
          planFrom(i, false);
        }
        // Handlers that could not ride along (last segment was judged) run now.
        if (lastSegment && segHasJudged && notifiedHandlers(plans, hp.handlers).length) {
          await runSimple(run, opts, await planHandlers([]), rep, hostName, snapshots, original, journal);
          touchedAnything = true;
        }
      }

      // 4. verify: only when something changed on this host.
      const changed = rep.tasks.some((t) => t.changed);
      if (changed && hp.verify.length) {
        for (const [vi, v] of hp.verify.entries()) {
          opts.progress?.(`verify: ${v.name}`);
          const retries = v.def.retries ?? opts.verifyDefaults?.retries ?? 3;
          const delay = (v.def.delay !== undefined ? v.def.delay * 1000 : undefined) ?? opts.verifyDefaults?.delayMs ?? 1000;
          let lastErr = '';
          let passed = false;
          for (let attempt = 0; attempt <= retries && !passed; attempt++) {
            if (attempt > 0) await new Promise((r) => setTimeout(r, delay));
            const vs: PlanState = { files: state.files, commands: state.commands, hostFacts: { ...state.hostFacts } };
            const vp = planTask(v, vs, false);
            if (vp.status === 'failed' || vp.deferred) {
              lastErr = vp.deferred?.reason ?? vp.msg ?? 'failed';
              continue;
            }
            if (!vp.ops.length) {
              passed = true;
              break;
            }
            const early = vi === 0 && attempt === 0 && foldedVerify?.length ? foldedVerify : undefined;
            const outs = early ?? parseApply((await exec(run, opts, applyScript(vp.ops.map((op, id) => ({ id, op, mayFail: true }))))).stdout).outcomes;
            const ex = outs.filter((o) => o.kind === 'exec').pop() as Extract<(typeof outs)[number], { kind: 'exec' }> | undefined;
            const res = ex
              ? { ...predictedResult(), predicted: false, changed: false, failed: ex.result.rc !== 0, rc: ex.result.rc, stdout: ex.result.stdout.trim(), stderr: ex.result.stderr.trim() }
              : undefined;
            let failed = !ex || ex.result.rc !== 0;
            if (res && v.def.failedWhen?.length) failed = evalCondition(v.def.failedWhen, { ...v.vars, ...(v.def.register ? { [v.def.register]: res } : {}) });
            if (res && v.def.until?.length) failed = !evalCondition(v.def.until, { ...v.vars, ...(v.def.register ? { [v.def.register]: res } : {}) });
            if (!failed) passed = true;
            else lastErr = ex ? `rc ${ex.result.rc}${ex.result.stdout.trim() ? `: ${ex.result.stdout.trim().slice(0, 200)}` : ''}` : 'no result';
          }
          rep.tasks.push({ name: v.name, status: passed ? 'ok' : 'failed', changed: false, verify: true, ...(passed ? {} : { error: `verify failed after ${retries + 1} attempts: ${lastErr}` }) });
          if (!passed) throw new HostFailure(`verify '${v.name}' failed after ${retries + 1} attempts: ${lastErr}`);
        }
      }
      rep.status = rep.tasks.some((t) => t.changed) ? 'changed' : 'ok';
    };
    for (;;) {
      try {
        await play(facts);
        break;
      } catch (err) {
        if (!(err instanceof RelockError)) throw err;
        // Another run held this host since our facts were read, and we hold its lock now:
        // gather, plan and apply again from what the host is now (nothing was changed yet).
        rep.tasks = [];
        rep.notes = ['another run held the host lock after the facts were read: read them again and planned again'];
        touchedAnything = false;
        opts.progress?.('gathering facts again (another run changed the host)');
        facts = parseGather(req, (await exec(run, opts, gatherScript(req), { readOnly: true })).stdout);
      }
    }
  } catch (err) {
    const unreachable = err instanceof TransportError && err.unreachable && !touchedAnything;
    rep.error = (err as Error).message;
    if (unreachable) {
      rep.status = 'unreachable';
    } else {
      rep.status = 'failed';
      if (!opts.checkMode && snapshots.size && !opts.noRollback) {
        opts.log(`${hostName}: ${rep.error} — restoring ${snapshots.size} file(s)`);
        opts.progress?.(`restoring ${snapshots.size} file(s)`);
        try {
          // On the held session while it lives (still under the lock); if it died (timeout,
          // lost connection), on a fresh channel — which fails fast if the host is gone.
          const restoreRun = holder?.alive ? run : channelRunner(conn, opts.shell);
          await restoreHost(restoreRun, opts, [...snapshots.values()], hp.rollback, hp.vars, rep, hostName, journal);
          rep.status = 'rolled-back';
        } catch (e) {
          rep.error += `; ROLLBACK FAILED: ${(e as Error).message} (run 'crane-fix rollback ${journal?.meta.runId ?? '<run-id>'}' when the host is back)`;
        }
      } else if (opts.noRollback && snapshots.size) {
        rep.notes.push('--no-rollback: the host is left as it is for inspection');
      }
    }
  } finally {
    // Release the host lock (the gather shell exits on EOF).
    await holder?.end().catch(() => undefined);
    rep.sessions = conn.sessionsOpened - sessionsBefore;
    rep.roundTrips = trips;
    journal?.append({ type: 'host-result', host: hostName, status: rep.status, ...(rep.error ? { error: rep.error } : {}) });
  }
  return rep;
}

/** Apply already-planned tasks in one script (handlers after a judged last segment). */
async function runSimple(
  run: StepRunner,
  opts: HostRunOptions,
  plans: TaskPlan[],
  rep: HostReport,
  hostName: string,
  snapshots: Map<string, Snapshot>,
  original: Map<string, FileState>,
  journal?: Journal,
): Promise<void> {
  const sops: ScriptOp[] = [];
  for (const t of plans)
    for (const op of t.ops) {
      snapshotBeforeTouch(op, snapshots, original, hostName, journal);
      sops.push({ id: sops.length, op });
    }
  if (!sops.length) {
    for (const t of plans) rep.tasks.push(report(t));
    return;
  }
  await journal?.durable();
  const r = await exec(run, opts, applyScript(sops));
  const { outcomes, complete } = parseApply(r.stdout);
  if (!complete) {
    const bad = outcomes.find((o) => o.kind !== 'ok' && !(o.kind === 'exec' && o.result.rc === 0));
    const why = bad?.kind === 'exec' ? `rc ${bad.result.rc}: ${bad.result.stderr.trim()}` : (bad?.kind ?? 'stopped');
    throw new HostFailure(`handler step failed: ${why}`);
  }
  for (const t of plans) rep.tasks.push(report(t));
}
