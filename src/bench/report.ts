/** Benchmark results: summary statistics, targets, and the Markdown/JSON files. */
import { LABELS, type ContestantId } from './contestants.js';
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
  sessionsPerHost: number;
  sessionsPerHostMax: number;
  xFloor: number;
  /** Ansible's counterpart median ÷ this median (crane-fix rows only). */
  ansibleOverThis?: number;
  wallMsPerHost: number;
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
  scaling?: { from: { nodes: number; date: string }; to: { nodes: number; date: string }; rows: { what: string; a: number; b: number; ratio: number }[] };
  profile?: ProfileSummary[];
  problems: string[];
}

const COUNTERPART: Partial<Record<ContestantId, ContestantId>> = {
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
      label: LABELS[id],
      samples: xs.length,
      failed: xs.length - good.length,
      medianS: median(walls) / 1000,
      minS: walls.length ? Math.min(...walls) / 1000 : NaN,
      maxS: walls.length ? Math.max(...walls) / 1000 : NaN,
      cpuMsPerHost: median(cpu),
      cpuMsPerHostMax: cpu.length ? Math.max(...cpu) : NaN,
      rssMbPeak: good.length ? Math.max(...good.map((s) => s.maxRssKb)) / 1024 : NaN,
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

export function targets(nodes: number, sum: Partial<Record<ContestantId, Summary>>, labUpMs: number): Target[] {
  const t: Target[] = [];
  const at = (n: number) => (nodes === n ? '' : ` (target is for ${n} nodes; this run has ${nodes})`);
  const chk = (what: string, target: string, value: number | undefined, ok: (v: number) => boolean, fmt: (v: number) => string) => {
    const has = value !== undefined && Number.isFinite(value);
    t.push({ what, target, measured: has ? fmt(value!) : 'not measured', met: has ? ok(value!) : null });
  };
  const a = sum['crane-apply'];
  const n = sum['crane-noop'];
  const d = sum['crane-dry'];
  chk('apply vs floor' + at(50), '≤ 1.3× floor', a?.xFloor, (v) => v <= 1.3, (v) => `${f(v)}× (${f(a?.medianS)} s vs ${f(sum.floor?.medianS)} s)`);
  chk('apply vs Ansible apply' + at(50), '≥ 6× faster', a?.ansibleOverThis, (v) => v >= 6, (v) => `${f(v, 1)}× faster (${f(sum['ansible-apply']?.medianS)} s vs ${f(a?.medianS)} s)`);
  chk('no-op re-run vs floor' + at(50), '≤ 1.2× floor', n?.xFloor, (v) => v <= 1.2, (v) => `${f(v)}×`);
  chk('dry-run vs floor' + at(50), '≤ 1.2× floor', d?.xFloor, (v) => v <= 1.2, (v) => `${f(v)}×`);
  chk('SSH sessions per host, apply', '≤ 3', a?.sessionsPerHostMax, (v) => v <= 3, (v) => `${f(a?.sessionsPerHost, 1)} (max ${v})`);
  chk('SSH sessions per host, no-op', '≤ 2', n?.sessionsPerHostMax, (v) => v <= 2, (v) => `${f(n?.sessionsPerHost, 1)} (max ${v})`);
  const cpuWorst = Math.max(...[a, n, d].filter((x): x is Summary => !!x).map((x) => x.cpuMsPerHost));
  chk('client CPU per host (worst crane-fix mode, median)' + at(50), '≤ 10 ms', Number.isFinite(cpuWorst) ? cpuWorst : undefined, (v) => v <= 10, (v) => `${f(v, 1)} ms (apply ${f(a?.cpuMsPerHost, 1)}, no-op ${f(n?.cpuMsPerHost, 1)}, dry-run ${f(d?.cpuMsPerHost, 1)})`);
  const rssWorst = Math.max(...[a, n, d].filter((x): x is Summary => !!x).map((x) => x.rssMbPeak));
  chk('peak RSS of crane-fix' + at(200), '≤ 150 MB', Number.isFinite(rssWorst) ? rssWorst : undefined, (v) => v <= 150, (v) => `${f(v, 0)} MB`);
  if (nodes === 50) chk('lab up (the lab\'s own target)', '< 5 s for 50 nodes', labUpMs / 1000, (v) => v < 5, (v) => `${f(v, 1)} s`);
  return t;
}

export function scalingRows(a: BenchResult, b: BenchResult): NonNullable<BenchResult['scaling']>['rows'] {
  const rows: { what: string; a: number; b: number; ratio: number }[] = [];
  for (const id of ['floor', 'floor3', 'crane-apply', 'crane-noop', 'crane-dry', 'ansible-apply'] as ContestantId[]) {
    const x = a.summary[id];
    const y = b.summary[id];
    if (!x || !y) continue;
    rows.push({ what: `${LABELS[id]}: wall ms per host`, a: x.wallMsPerHost, b: y.wallMsPerHost, ratio: y.wallMsPerHost / x.wallMsPerHost });
    if (id !== 'ansible-apply') rows.push({ what: `${LABELS[id]}: client CPU ms per host`, a: x.cpuMsPerHost, b: y.cpuMsPerHost, ratio: y.cpuMsPerHost / x.cpuMsPerHost });
  }
  return rows;
}

export function resultsTable(r: BenchResult): string {
  const lines = [
    '| contestant | median s | min–max s | × floor | Ansible ÷ crane-fix | client CPU ms/host | peak RSS MB | SSH sessions/host |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const order: ContestantId[] = ['floor', 'floor3', 'crane-apply', 'crane-noop', 'crane-dry', 'ansible-apply', 'ansible-noop', 'ansible-check'];
  for (const id of order) {
    const s = r.summary[id];
    if (!s) continue;
    lines.push(
      `| ${s.label}${s.failed ? ` (${s.failed} failed run(s))` : ''} | ${f(s.medianS)} | ${f(s.minS)}–${f(s.maxS)} | ${f(s.xFloor)} | ${s.ansibleOverThis !== undefined ? f(s.ansibleOverThis, 1) + '×' : ''} | ${f(s.cpuMsPerHost, 1)} | ${f(s.rssMbPeak, 0)} | ${f(s.sessionsPerHost, 1)} |`,
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
  out.push('## Targets', '', targetsTable(r.targets), '');
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
  out.push('## Samples', '', '| # | rep | contestant | wall s | user+sys ms | RSS MB | sessions/host (min–max) | load1 | ok |', '| ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | --- |');
  const all = (Object.entries(r.samples) as [ContestantId, Sample[]][]).flatMap(([id, xs]) => xs.map((s) => ({ id, s }))).sort((a, b) => a.s.seq - b.s.seq);
  for (const { id, s } of all) {
    out.push(
      `| ${s.seq} | ${s.rep || 'warm-up'} | ${id} | ${f(s.wallMs / 1000)} | ${f(s.userMs + s.sysMs, 0)} | ${f(s.maxRssKb / 1024, 0)} | ${f(s.sessions.perHostMean, 1)} (${s.sessions.perHostMin}–${s.sessions.perHostMax}) | ${f(s.load1, 1)} | ${s.ok ? 'yes' : 'NO'} |`,
    );
  }
  out.push('');
  if (r.problems.length) out.push('## Problems', '', ...r.problems.map((p) => '- ' + p.replace(/\n/g, ' / ')), '');
  out.push('## Method', '', ...r.method.map((m) => '- ' + m), '');
  if (r.ansibleCfg) out.push('Ansible configuration used (ansible.cfg; the ControlPath dir is fresh for every run):', '', '```ini', r.ansibleCfg.trim().replace(/^local_tmp = .*$/m, 'local_tmp = <per-run temp dir>'), '```', '');
  return out.join('\n');
}
