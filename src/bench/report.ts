/** Benchmark results: summary statistics, targets, and the Markdown/JSON files. */
import { labelOf, type ContestantId } from './contestants.js';
import { median, type SessionCount } from './measure.js';
import type { NodeCheck } from './nodes.js';
import type { ProfileSummary } from './profile.js';

export interface Sample {
  rep: number; // 0 = warm-up (not counted)
  seq: number; // position in the whole run
  wallMs: number;
  userMs: number;
  sysMs: number;
  maxRssKb: number;
  /** Most fds open at once in the contestant's process tree (absent in results before issue 21). */
  maxFds?: number;
  exitCode: number;
  ok: boolean;
  problem?: string;
  sessions: SessionCount;
  reportedSessionsMean?: number;
  load1: number;
  check?: NodeCheck;
}

export interface Summary {
  label: string;
  samples: number;
  failed: number;
  medianS: number;
  minS: number;
  maxS: number;
  cpuMsPerHost: number;
  cpuMsPerHostMax: number;
  rssMbPeak: number;
  fdsPeak: number;
  sessionsPerHost: number;
  sessionsPerHostMax: number;
  xFloor: number;
  /** Ansible's counterpart median ÷ this median (crane-fix rows only). */
  ansibleOverThis?: number;
  wallMsPerHost: number;
}

/** Where an apply's (or no-op's, dry-run's) time goes, from contestants of the same run. */
export interface BreakdownRow {
  what: string;
  seconds: number;
  note: string;
}

export interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  tool: 'crane-fix bench';
  date: string;
  startedAt: string;
  finishedAt: string;
  nodes: number;
  reps: number;
  ansibleReps?: number;
  warmup: number;
  machine: Record<string, string | number>;
  lab: { dir: string; subnet: number; disks: boolean; upMs: number; downMs?: number };
  method: string[];
  ansibleCfg?: string;
  samples: Partial<Record<ContestantId, Sample[]>>;
  summary: Partial<Record<ContestantId, Summary>>;
  targets: Target[];
  /** Per missed floor-ratio target: its time split by what the same run measured. */
  breakdown?: { target: string; rows: BreakdownRow[] }[];
  /** Contestants that could not run here, with the exact reason. */
  unavailable?: Record<string, string>;
  /** Versions of the other contestants (pyinfra, Mitogen). */
  versions?: Record<string, string>;
  /** How the lab's nodes were made lighter for this size, if they were. */
  labNotes?: string[];
  scaling?: { from: { nodes: number; date: string }; to: { nodes: number; date: string }; rows: { what: string; a: number; b: number; ratio: number }[] };
  profile?: ProfileSummary[];
  problems: string[];
}

const COUNTERPART: Partial<Record<string, ContestantId>> = {
  'crane-apply': 'ansible-apply',
  'crane-noop': 'ansible-noop',
  'crane-dry': 'ansible-check',
};

export function summarise(nodes: number, samples: Partial<Record<ContestantId, Sample[]>>): Partial<Record<ContestantId, Summary>> {
  const out: Partial<Record<ContestantId, Summary>> = {};
  for (const [id, all] of Object.entries(samples) as [ContestantId, Sample[]][]) {
    const xs = all.filter((s) => s.rep > 0);
    const good = xs.filter((s) => s.ok);
    const walls = good.map((s) => s.wallMs);
    const cpu = good.map((s) => (s.userMs + s.sysMs) / nodes);
    out[id] = {
      label: labelOf(id),
      samples: xs.length,
      failed: xs.length - good.length,
      medianS: median(walls) / 1000,
      minS: walls.length ? Math.min(...walls) / 1000 : NaN,
      maxS: walls.length ? Math.max(...walls) / 1000 : NaN,
      cpuMsPerHost: median(cpu),
      cpuMsPerHostMax: cpu.length ? Math.max(...cpu) : NaN,
      rssMbPeak: good.length ? Math.max(...good.map((s) => s.maxRssKb)) / 1024 : NaN,
      fdsPeak: good.length ? Math.max(...good.map((s) => s.maxFds ?? NaN)) : NaN,
      sessionsPerHost: median(good.map((s) => s.sessions.perHostMean)),
      sessionsPerHostMax: good.length ? Math.max(...good.map((s) => s.sessions.perHostMax)) : NaN,
      xFloor: NaN,
      wallMsPerHost: median(walls) / nodes,
    };
  }
  const floor = out.floor?.medianS;
  for (const [id, s] of Object.entries(out) as [ContestantId, Summary][]) {
    if (floor) s.xFloor = s.medianS / floor;
    const cp = COUNTERPART[id];
    if (cp && out[cp]) s.ansibleOverThis = out[cp]!.medianS / s.medianS;
  }
  return out;
}

const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/**
 * Issue 21's re-based targets, all from this one run: the apply against the bare-effects
 * replay of the same playbook, no-op and dry-run against the floor, one SSH session per host,
 * client CPU and (at 1,000 nodes) RSS.
 */
export function targets(nodes: number, sum: Partial<Record<ContestantId, Summary>>): Target[] {
  const t: Target[] = [];
  const chk = (what: string, target: string, value: number | undefined, ok: (v: number) => boolean, fmt: (v: number) => string) => {
    const has = value !== undefined && Number.isFinite(value);
    t.push({ what, target, measured: has ? fmt(value!) : 'not measured', met: has ? ok(value!) : null });
  };
  const a = sum['crane-apply'];
  const n = sum['crane-noop'];
  const d = sum['crane-dry'];
  const bare = sum.bare;
  const xBare = a && bare ? a.medianS / bare.medianS : undefined;
  chk('apply vs bare-effects replay', '≤ 1.15× bare effects', xBare, (v) => v <= 1.15, (v) => `${f(v)}× (${f(a?.medianS)} s vs ${f(bare?.medianS)} s; ${f(a?.xFloor)}× floor)`);
  chk('no-op re-run vs floor', '≤ 1.05× floor', n?.xFloor, (v) => v <= 1.05, (v) => `${f(v)}× (${f(n?.medianS)} s vs ${f(sum.floor?.medianS)} s)`);
  chk('dry-run vs floor', '≤ 1.10× floor', d?.xFloor, (v) => v <= 1.1, (v) => `${f(v)}× (${f(d?.medianS)} s vs ${f(sum.floor?.medianS)} s)`);
  const modes = [a, n, d].filter((x): x is Summary => !!x);
  const sessMax = modes.length ? Math.max(...modes.map((x) => x.sessionsPerHostMax)) : undefined;
  chk('SSH sessions per host (apply, no-op, dry-run)', '1', sessMax, (v) => v <= 1, (v) => `${f(a?.sessionsPerHost, 1)} / ${f(n?.sessionsPerHost, 1)} / ${f(d?.sessionsPerHost, 1)} (max ${v})`);
  const cpuWorst = modes.length ? Math.max(...modes.map((x) => x.cpuMsPerHost)) : undefined;
  chk('client CPU per host (worst crane-fix mode, median)', '≤ 8 ms', cpuWorst, (v) => v <= 8, (v) => `${f(v, 1)} ms (apply ${f(a?.cpuMsPerHost, 1)}, no-op ${f(n?.cpuMsPerHost, 1)}, dry-run ${f(d?.cpuMsPerHost, 1)})`);
  const rssWorst = modes.length ? Math.max(...modes.map((x) => x.rssMbPeak)) : undefined;
  chk(`peak RSS of crane-fix${nodes === 1000 ? '' : ` (target is for 1,000 nodes; this run has ${nodes})`}`, '≤ 300 MB at 1,000 nodes', rssWorst, (v) => v <= 300, (v) => `${f(v, 0)} MB`);
  chk('apply vs Ansible apply (issue 7, kept)', '≥ 6× faster', a?.ansibleOverThis, (v) => v >= 6, (v) => `${f(v, 1)}× faster (${f(sum['ansible-apply']?.medianS)} s vs ${f(a?.medianS)} s)`);
  return t;
}

/**
 * Where a missed target's time goes, split by contestants of the same run: the floor, the bare
 * effects (what the nodes must do anyway), the replay of crane-fix's own scripts by the floor's
 * client (what crane-fix's scripts make the nodes do), and crane-fix itself beyond that, with
 * its client CPU beyond the replay's (on this machine the client's CPU is the nodes' too).
 */
export function breakdown(nodes: number, sum: Partial<Record<ContestantId, Summary>>, ts: Target[]): NonNullable<BenchResult['breakdown']> {
  const out: NonNullable<BenchResult['breakdown']> = [];
  const floor = sum.floor;
  const cpuS = (x: Summary | undefined) => ((x?.cpuMsPerHost ?? NaN) * nodes) / 1000;
  const missed = (prefix: string) => ts.some((t) => t.what.startsWith(prefix) && t.met === false);
  const a = sum['crane-apply'];
  if (missed('apply vs bare') && a && floor && sum.bare) {
    const rows: BreakdownRow[] = [
      { what: 'floor (connect, 1 command, disconnect)', seconds: floor.medianS, note: `client CPU ${f(cpuS(floor))} s` },
      { what: '+ the bare effects on the nodes', seconds: sum.bare.medianS - floor.medianS, note: '2–3 file writes (temp + rename), daemon-reload, restart, is-active: ~6–8 processes per host, on the same 2 cores as the client' },
    ];
    const r = sum.replay;
    if (r) {
      rows.push({ what: "+ what crane-fix's own scripts make the nodes do beyond that", seconds: r.medianS - sum.bare.medianS, note: 'the reads before writing (type, bytes, mode/owner, unit state), host lock, guard hash, fsyncs — replayed by the floor\'s client' });
      rows.push({ what: '+ crane-fix itself (start-up, planning, journal, waiting between its 3 round trips)', seconds: a.medianS - r.medianS, note: `client CPU ${f(cpuS(a))} s vs the replay's ${f(cpuS(r))} s (+${f(cpuS(a) - cpuS(r))} s)` });
    } else {
      rows.push({ what: "+ crane-fix's node work and crane-fix itself (no replay in this run)", seconds: a.medianS - sum.bare.medianS, note: `client CPU ${f(cpuS(a))} s vs the bare replay's ${f(cpuS(sum.bare))} s` });
    }
    if (sum.floor3) rows.push({ what: '(for scale: 2 extra round trips on the floor, floor×3 − floor)', seconds: sum.floor3.medianS - floor.medianS, note: 'not part of the sum' });
    rows.push({ what: '= crane-fix apply', seconds: a.medianS, note: `target ${f(sum.bare.medianS * 1.15)} s (1.15× bare effects)` });
    out.push({ target: 'apply ≤ 1.15× bare effects', rows: rows.map((row) => withinSpread(row, sum, ['floor', 'bare', 'replay', 'crane-apply'])) });
  }
  for (const [id, prefix, limit] of [['crane-noop', 'no-op', 1.05], ['crane-dry', 'dry-run', 1.1]] as const) {
    const x = sum[id];
    if (!missed(prefix) || !x || !floor) continue;
    const extraCpu = cpuS(x) - cpuS(floor);
    out.push({
      target: `${prefix} ≤ ${limit}× floor`,
      rows: [
        { what: 'floor', seconds: floor.medianS, note: `client CPU ${f(cpuS(floor))} s` },
        { what: "+ crane-fix's client CPU beyond the floor's", seconds: extraCpu, note: `${f(x.cpuMsPerHost, 1)} vs ${f(floor.cpuMsPerHost, 1)} ms per host (start-up, parsing, planning, journal); on 2 shared cores it adds to the wall time up to its full amount` },
        { what: '+ the rest: the gather script on the nodes, waiting', seconds: x.medianS - floor.medianS - extraCpu, note: id === 'crane-dry' ? "a dry-run also reads the handler's unit state (systemctl show)" : 'one read-only gather per host (test, head, base64 of 3 files)' },
        { what: `= crane-fix ${prefix}`, seconds: x.medianS, note: `target ${f(floor.medianS * limit)} s` },
      ].map((row) => withinSpread(row, sum, ['floor', id])),
    });
  }
  return out;
}

/**
 * A part is a difference of two medians; below zero it only says the two contestants' runs
 * overlap (on a quiet 50-node run the replay's median was above the apply's). Say so next to the
 * number, with the spread, instead of leaving a negative time to be read as a saving.
 */
function withinSpread(row: BreakdownRow, sum: Partial<Record<ContestantId, Summary>>, from: ContestantId[]): BreakdownRow {
  if (!(row.seconds < 0)) return row;
  const spread = from
    .filter((id) => sum[id])
    .map((id) => `${labelOf(id)} ${f(sum[id]!.minS)}–${f(sum[id]!.maxS)} s`)
    .join('; ');
  return { ...row, note: `${row.note} — below zero: the medians it is taken from differ by less than their runs' spread (${spread}), so this run does not resolve this part` };
}

export function scalingRows(a: BenchResult, b: BenchResult): NonNullable<BenchResult['scaling']>['rows'] {
  const rows: { what: string; a: number; b: number; ratio: number }[] = [];
  for (const id of ['floor', 'floor3', 'bare', 'crane-apply', 'crane-noop', 'crane-dry', 'ansible-apply'] as ContestantId[]) {
    const x = a.summary[id];
    const y = b.summary[id];
    // A contestant whose every run failed at one size has no cost to compare (it used to
    // give ratio Infinity, from a 500-node run whose applies all failed).
    const measured = (v: typeof x): v is NonNullable<typeof x> => v !== undefined && v.wallMsPerHost > 0 && Number.isFinite(v.wallMsPerHost);
    if (!measured(x) || !measured(y)) continue;
    rows.push({ what: `${labelOf(id)}: wall ms per host`, a: x.wallMsPerHost, b: y.wallMsPerHost, ratio: y.wallMsPerHost / x.wallMsPerHost });
    if (id !== 'ansible-apply') rows.push({ what: `${labelOf(id)}: client CPU ms per host`, a: x.cpuMsPerHost, b: y.cpuMsPerHost, ratio: y.cpuMsPerHost / x.cpuMsPerHost });
  }
  return rows;
}

export function resultsTable(r: BenchResult): string {
  const lines = [
    '| contestant | median s | min–max s | × floor | Ansible ÷ crane-fix | client CPU ms/host | peak RSS MB | peak open fds | SSH sessions/host |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const order = ['floor', 'floor3', 'bare', 'replay', ...['crane', 'ansible', 'mitogen', 'pyinfra'].flatMap((t) => ['apply', 'noop', 'dry', 'check'].map((m) => `${t}-${m}`))] as ContestantId[];
  for (const id of order) {
    const s = r.summary[id];
    if (!s) continue;
    lines.push(
      `| ${s.label}${s.failed ? ` (${s.failed} failed run(s))` : ''} | ${f(s.medianS)} | ${f(s.minS)}–${f(s.maxS)} | ${f(s.xFloor)} | ${s.ansibleOverThis !== undefined ? f(s.ansibleOverThis, 1) + '×' : ''} | ${f(s.cpuMsPerHost, 1)} | ${f(s.rssMbPeak, 0)} | ${f(s.fdsPeak, 0)} | ${f(s.sessionsPerHost, 1)} |`,
    );
  }
  return lines.join('\n');
}

export function targetsTable(ts: Target[]): string {
  return [
    '| target | wanted | measured | met |',
    '| --- | --- | --- | --- |',
    ...ts.map((t) => `| ${t.what} | ${t.target} | ${t.measured} | ${t.met === null ? 'n/a' : t.met ? 'yes' : '**NO**'} |`),
  ].join('\n');
}

export function markdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`# crane-fix benchmark — ${r.nodes} nodes, ${r.date}`, '');
  out.push(
    `Machine: ${r.machine.cpus} CPU (${r.machine.cpuModel}), ${r.machine.memGb} GB RAM, Node ${r.machine.node}, ${r.machine.ansible}, ${r.machine.openssh}. ` +
      (r.machine.craneStartup ? `crane-fix ran as installed (dist/bin/crane-fix), from its ${r.machine.craneStartup}. ` : '') +
      `Load average at start ${r.machine.loadStart}, at end ${r.machine.loadEnd} (other people's tests share these ${r.machine.cpus} cores).`,
    '',
  );
  out.push(
    `Lab: ${r.nodes} nodes on 127.0.${r.lab.subnet}.11+, dir ${r.lab.dir}, XFS disks ${r.lab.disks ? 'on' : 'off'}; lab up took ${f(r.lab.upMs / 1000, 1)} s` +
      (r.lab.downMs !== undefined ? `, lab down ${f(r.lab.downMs / 1000, 1)} s` : '') +
      `. ${r.reps} repetitions${r.ansibleReps !== undefined ? ` (Ansible in the first ${r.ansibleReps} only)` : ''} (+${r.warmup} warm-up round${r.warmup === 1 ? '' : 's'} not counted), contestants alternating.`,
    '',
  );
  out.push('## Results', '', resultsTable(r), '');
  out.push(
    '`× floor` = median ÷ floor median. `Ansible ÷ crane-fix` = the Ansible counterpart\'s median ÷ this median (apply↔apply, no-op↔no-op, dry-run↔check+diff). ' +
      'Client CPU = user+sys of the contestant process and the children it waited for (GNU time), ÷ nodes. ' +
      'Peak RSS = largest ru_maxrss of one process (for Ansible: its largest process, not the sum of its forks). ' +
      'Sessions = "Starting session" lines added to every node\'s sshd.log during the run ÷ nodes.',
    '',
  );
  if (r.unavailable && Object.keys(r.unavailable).length) {
    out.push('Not run here:', '', ...Object.entries(r.unavailable).map(([k, v]) => `- **${k}**: ${v}`), '');
  }
  out.push('## Targets', '', targetsTable(r.targets), '');
  for (const b of r.breakdown ?? []) {
    out.push(`### Missed: ${b.target} — where the time goes (medians of this run)`, '', '| part | s | |', '| --- | ---: | --- |');
    for (const row of b.rows) out.push(`| ${row.what} | ${f(row.seconds)} | ${row.note} |`);
    out.push('');
  }
  if (r.scaling) {
    out.push(`## Cost per host, ${r.scaling.from.nodes} → ${r.scaling.to.nodes} nodes`, '');
    out.push(`From ${r.scaling.from.nodes}-node results of ${r.scaling.from.date} and ${r.scaling.to.nodes}-node results of ${r.scaling.to.date}. Flat means a ratio near 1.`, '');
    out.push(`| what | ${r.scaling.from.nodes} nodes | ${r.scaling.to.nodes} nodes | ratio |`, '| --- | ---: | ---: | ---: |');
    for (const row of r.scaling.rows) out.push(`| ${row.what} | ${f(row.a)} | ${f(row.b)} | ${f(row.ratio)} |`);
    out.push('');
  }
  if (r.profile?.length) {
    out.push('## Where crane-fix\'s main thread spends its time (node --cpu-prof, one extra untimed run each)', '');
    out.push(
      'Sampled wall time on the main thread, idle excluded. It is not CPU time: a synchronous syscall (`fsync`, a socket `write` that wakes an sshd on this same 2-core machine and gets preempted) counts for as long as the thread is inside it. Client CPU is in the results table.',
      '',
    );
    for (const p of r.profile) {
      out.push(`### ${p.file.replace(/^.*\//, '')}: ${f(p.totalMs, 0)} ms on the main thread, not idle (${f(p.totalMs / r.nodes, 1)} ms/host), GC ${f(p.gcMs, 0)} ms`, '');
      out.push('| area | ms | % |', '| --- | ---: | ---: |');
      for (const a of p.byArea) out.push(`| ${a.area} | ${f(a.ms, 0)} | ${f(a.pct, 0)} |`);
      out.push('', '| function (self time) | where | ms | % |', '| --- | --- | ---: | ---: |');
      for (const x of p.topFunctions) out.push(`| ${x.fn} | ${x.where} | ${f(x.ms, 0)} | ${f(x.pct, 0)} |`);
      out.push('');
    }
  }
  out.push('## Samples', '', '| # | rep | contestant | wall s | user+sys ms | RSS MB | fds | sessions/host (min–max) | load1 | ok |', '| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | --- |');
  const all = (Object.entries(r.samples) as [ContestantId, Sample[]][]).flatMap(([id, xs]) => xs.map((s) => ({ id, s }))).sort((a, b) => a.s.seq - b.s.seq);
  for (const { id, s } of all) {
    out.push(
      `| ${s.seq} | ${s.rep || 'warm-up'} | ${id} | ${f(s.wallMs / 1000)} | ${f(s.userMs + s.sysMs, 0)} | ${f(s.maxRssKb / 1024, 0)} | ${s.maxFds ?? '–'} | ${f(s.sessions.perHostMean, 1)} (${s.sessions.perHostMin}–${s.sessions.perHostMax}) | ${f(s.load1, 1)} | ${s.ok ? 'yes' : 'NO'} |`,
    );
  }
  out.push('');
  if (r.problems.length) out.push('## Problems', '', ...r.problems.map((p) => '- ' + p.replace(/\n/g, ' / ')), '');
  out.push('## Method', '', ...r.method.map((m) => '- ' + m), '');
  if (r.ansibleCfg) out.push('Ansible configuration used (ansible.cfg; the ControlPath dir is fresh for every run):', '', '```ini', r.ansibleCfg.trim().replace(/^local_tmp = .*$/m, 'local_tmp = <per-run temp dir>'), '```', '');
  return out.join('\n');
}
