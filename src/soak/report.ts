/** Soak results as Markdown (for people) and the JSON record beside it. */
import { FAULT_KINDS, INVARIANTS, type InvariantId } from './invariants.js';
import type { SoakResult } from './soak.js';

function pct(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

export interface SoakSummary {
  runs: number;
  violations: number;
  byInvariant: Record<string, number>;
  faults: Record<string, { runs: number; injected: number; exits: Record<string, number>; violations: number; applyMsMedian: number }>;
  hostOutcomes: Record<string, number>;
  applyMs: { median: number; p95: number; max: number };
  totalMs: { median: number; p95: number; max: number; mean: number };
  rollbackMs: { median: number; max: number };
  observations: Record<string, number>;
}

export function summarise(r: SoakResult): SoakSummary {
  const byInvariant: Record<string, number> = Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, 0]));
  const faults: SoakSummary['faults'] = {};
  const hostOutcomes: Record<string, number> = {};
  const observations: Record<string, number> = {};
  for (const k of FAULT_KINDS) faults[k] = { runs: 0, injected: 0, exits: {}, violations: 0, applyMsMedian: 0 };
  for (const run of r.runs) {
    const f = faults[run.fault.kind]!;
    f.runs++;
    if (run.fault.injected) f.injected++;
    const ex = run.exit.code !== null ? String(run.exit.code) : String(run.exit.signal);
    f.exits[ex] = (f.exits[ex] ?? 0) + 1;
    f.violations += run.violations.length;
    for (const v of run.violations) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
    for (const s of Object.values(run.hosts)) hostOutcomes[s] = (hostOutcomes[s] ?? 0) + 1;
    for (const o of run.observations) {
      const kind = o.startsWith('collateral') ? 'collateral failure on an unfaulted node' : o.startsWith('temp files') ? 'temp files left in a target directory' : o.includes('session process') ? 'session processes outliving the run' : o.split(':')[0]!;
      observations[kind] = (observations[kind] ?? 0) + 1;
    }
  }
  for (const k of FAULT_KINDS) faults[k]!.applyMsMedian = pct(r.runs.filter((x) => x.fault.kind === k).map((x) => x.applyMs), 50);
  const apply = r.runs.map((x) => x.applyMs);
  const total = r.runs.map((x) => x.totalMs);
  const rb = r.runs.filter((x) => x.rollback).map((x) => x.rollback!.ms);
  return {
    runs: r.runs.length,
    violations: r.runs.reduce((a, x) => a + x.violations.length, 0),
    byInvariant,
    faults,
    hostOutcomes,
    applyMs: { median: pct(apply, 50), p95: pct(apply, 95), max: Math.max(0, ...apply) },
    totalMs: { median: pct(total, 50), p95: pct(total, 95), max: Math.max(0, ...total), mean: total.length ? Math.round(total.reduce((a, b) => a + b, 0) / total.length) : 0 },
    rollbackMs: { median: pct(rb, 50), max: Math.max(0, ...rb) },
    observations,
  };
}

export function markdown(r: SoakResult, s: SoakSummary, meta: { command: string; machine: string }): string {
  const L: string[] = [];
  L.push(`# crane-fix fault soak — seed ${r.seed}, ${s.runs} runs`, '');
  L.push(`- command: \`${meta.command}\``);
  L.push(`- machine: ${meta.machine}`);
  L.push(`- started ${r.startedAt}, finished ${r.finishedAt}${r.aborted ? ' (ABORTED)' : ''}`);
  L.push(`- lab: ${r.nodes} nodes; each run: \`crane-fix apply --json --serial 100% --connect-timeout ${r.options.connectTimeoutS} --timeout ${r.options.commandTimeoutS}\` of clusterip-dns + resolv-conf-trim + the soak play (3 plays, 7 paths per host)`);
  L.push(
    `- fault moment: measured from the run's first line (journal open, signal handlers in place), uniform in [${r.options.window[0]}, ${r.options.window[1]}] × the duration of a clean run ` +
      `(calibrated ${sec(r.calibration.cleanApplyMs)} s; then the median of the last 10 runs a node fault let finish, when longer); hard limit per run ${sec(r.options.hardLimitMs)} s`,
  );
  L.push('', `## Invariant violations: **${s.violations}**`, '');
  L.push('| invariant | what is checked | violations |', '| --- | --- | ---: |');
  for (const [k, text] of Object.entries(INVARIANTS)) L.push(`| ${k} | ${text} | ${s.byInvariant[k as InvariantId] ?? 0} |`);
  L.push('', '## Faults', '');
  L.push('| fault | runs | injected mid-run | exit codes | violations | median apply (s) |', '| --- | ---: | ---: | --- | ---: | ---: |');
  for (const [k, f] of Object.entries(s.faults)) {
    L.push(`| ${k} | ${f.runs} | ${f.injected} | ${Object.entries(f.exits).map(([c, n]) => `${c}×${n}`).join(', ') || '—'} | ${f.violations} | ${sec(f.applyMsMedian)} |`);
  }
  L.push('', '## Time per run', '');
  L.push('| | median (s) | p95 (s) | max (s) |', '| --- | ---: | ---: | ---: |');
  L.push(`| crane-fix apply (fault injected) | ${sec(s.applyMs.median)} | ${sec(s.applyMs.p95)} | ${sec(s.applyMs.max)} |`);
  L.push(`| whole run (reset, apply, checks, clear fault, rollback, check) | ${sec(s.totalMs.median)} | ${sec(s.totalMs.p95)} | ${sec(s.totalMs.max)} |`);
  L.push(`| rollback | ${sec(s.rollbackMs.median)} | — | ${sec(s.rollbackMs.max)} |`);
  L.push('', `Host outcomes over all runs: ${Object.entries(s.hostOutcomes).map(([k, n]) => `${k} ${n}`).join(', ')}.`);
  L.push('', '## Observations (not invariant violations)', '');
  if (!Object.keys(s.observations).length) L.push('none');
  for (const [k, n] of Object.entries(s.observations)) L.push(`- ${k}: ${n} run(s)`);
  const withViolations = r.runs.filter((x) => x.violations.length);
  if (withViolations.length) {
    L.push('', '## Violations', '');
    for (const x of withViolations) {
      L.push(`- run ${x.index} (${x.fault.kind}${x.fault.node ? ` on ${x.fault.node}` : ''}${x.fault.file ? ` ${x.fault.file}` : ''} at ${x.fault.delayMs} ms, exit ${x.exit.code ?? x.exit.signal}):`);
      for (const v of x.violations) L.push(`  - [${v.invariant}] ${v.detail}`);
    }
  }
  L.push('', 'Per-run records (fault, moment, exit, host statuses and errors, timings, observations) are in the `.json` file beside this one.', '');
  return L.join('\n');
}
