/**
 * `npm run bench -- --nodes 50 [--reps 5]` (issues 7, 21): crane-fix against the SSH floor, the
 * bare effects of the playbook, Ansible, Ansible + Mitogen and pyinfra on a dedicated lab (its
 * own subnets and dir), contestants alternating, fresh node state before every apply. Writes
 * bench/results/<date>-<nodes>.md and .json, then the scale summary over every size recorded
 * (bench/results/scale.md and scale.svg).
 *
 * Options:
 *   --nodes N        lab size (default 50; above 240 the lab spans several /24s)
 *   --reps R         counted repetitions (default 5)
 *   --ansible-reps K the other tools only in the first K repetitions (default R; when K < R
 *                    it also skips the warm-up) — Ansible at 200 nodes takes minutes per run
 *   --warmup W       uncounted warm-up rounds first (default 1)
 *   --with LIST      other tools, comma-separated: ansible,mitogen,pyinfra (default all three;
 *                    one that cannot run here is recorded with the reason and left out)
 *   --no-ansible     no other tool (crane-fix, the floor and the bare effects only)
 *   --no-replay      skip the replay of crane-fix's captured scripts (the breakdown's middle part)
 *   --forks F        hosts at once, for every contestant and the floor (default N: all)
 *   --subnet S       first lab subnet (default 100; the lab uses ceil(N/240) subnets from S)
 *   --profile        one extra untimed crane-fix dry-run, apply and no-op under node --cpu-prof
 *   --disks          give lab nodes their XFS loop disks (the bench does not need them)
 *   --lab-only       only time `lab up` / `lab down` R times, write <date>-<nodes>-lab.*
 *   --timeout S      per-run limit in seconds (default 600)
 *   --out DIR        results directory (default bench/results)
 *   --tag NAME       results file <date>-<nodes>-<NAME>.* (a variant; not used for scaling)
 *   --no-write       print, do not write results files
 *   --scale          only (re)write bench/results/scale.md and scale.svg from the recorded runs
 *
 * Always takes its lab down: on success, on error and on SIGINT/SIGTERM.
 */
import * as fs from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labDown, labUp, readLabState, type LabState } from '../lab/lab.js';
import { LAB_MAX_NODES, labSubnets } from '../lab/layout.js';
import { ansibleCfg, ansibleVersion, idOf, MITOGEN_STRATEGY, runAnsible, runCrane, runFloor, type ContestantId, type Ctx, type Mode, type Outcome, type Tool } from './contestants.js';
import { killChild, liveChildren, SessionCounter, TIME_BIN } from './measure.js';
import { bareEffectsScript, checkNodes, resetNodes } from './nodes.js';
import { ensurePyinfra, runPyinfra } from './pyinfra.js';
import { captureScripts } from './capture.js';
import { writeScale } from './scale.js';
import { summariseProfile, type ProfileSummary } from './profile.js';
import { breakdown, markdown, resultsTable, scalingRows, summarise, targets, targetsTable, type BenchResult, type Sample } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Test labs use subnets 0–10 and 45–49; the bench's lab starts at 100 (5 subnets for 1,000 nodes). */
const DEFAULT_SUBNET = 100;
/** Where the bench keeps its lab and scratch; CRANE_FIX_BENCH_DIR moves it (e.g. one per user). */
const BENCH_BASE = process.env.CRANE_FIX_BENCH_DIR ?? '/tmp/crane-fix-bench';

interface Opts {
  nodes: number;
  subnet: number;
  forks?: number;
  tools: Exclude<Tool, 'crane'>[];
  replay: boolean;
  scaleOnly?: boolean;
  reps: number;
  ansibleReps?: number;
  warmup: number;
  ansible: boolean;
  profile: boolean;
  disks: boolean;
  labOnly: boolean;
  timeoutMs: number;
  out: string;
  tag?: string;
  write: boolean;
}

function parseArgs(argv: string[]): Opts {
  const o: Opts = { nodes: 50, subnet: DEFAULT_SUBNET, tools: ['ansible', 'mitogen', 'pyinfra'], replay: true, reps: 5, warmup: 1, ansible: true, profile: false, disks: false, labOnly: false, timeoutMs: 600_000, out: path.join(ROOT, 'bench', 'results'), write: true };
  const num = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} expects a whole number ≥ ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (flag) {
      case '--nodes': o.nodes = num(flag, val(), 1); break;
      case '--reps': o.reps = num(flag, val(), 1); break;
      case '--ansible-reps': o.ansibleReps = num(flag, val(), 0); break;
      case '--warmup': o.warmup = num(flag, val(), 0); break;
      case '--no-ansible': o.ansible = false; o.tools = []; break;
      case '--no-replay': o.replay = false; break;
      case '--subnet': o.subnet = num(flag, val(), 0); break;
      case '--forks': o.forks = num(flag, val(), 1); break;
      case '--with': {
        const list = (val() ?? '').split(',').filter(Boolean);
        const bad = list.filter((t) => !['ansible', 'mitogen', 'pyinfra'].includes(t));
        if (bad.length) throw new Error(`--with: unknown tool(s) ${bad.join(', ')} (ansible, mitogen, pyinfra)`);
        o.tools = list as Opts['tools'];
        o.ansible = list.length > 0;
        break;
      }
      case '--profile': o.profile = true; break;
      case '--disks': o.disks = true; break;
      case '--lab-only': o.labOnly = true; break;
      case '--timeout': o.timeoutMs = num(flag, val(), 1) * 1000; break;
      case '--out': o.out = path.resolve(val() ?? ''); break;
      case '--no-write': o.write = false; break;
      case '--scale': o.scaleOnly = true; break;
      case '--tag': {
        const t = val() ?? '';
        if (!/^[\w.-]+$/.test(t)) throw new Error('--tag expects letters, digits, . _ -');
        o.tag = t;
        break;
      }
      case '-h':
      case '--help':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, '') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  if (o.nodes > LAB_MAX_NODES) throw new Error(`--nodes: the lab holds at most ${LAB_MAX_NODES} nodes`);
  if (o.subnet + labSubnets(o.nodes) - 1 > 255) throw new Error(`--subnet: ${o.nodes} nodes need ${labSubnets(o.nodes)} subnets from ${o.subnet}`);
  return o;
}

const say = (s: string) => process.stderr.write(s + '\n');
const MITOGEN_PLUGIN = '/usr/lib/python3/dist-packages/ansible/plugins/strategy/mitogen_linear.py';

function localDate(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function tryCmd(cmd: string, args: string[]): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) return '';
    return (r.stdout.trim() || r.stderr.trim()); // `ssh -V` answers on stderr
  } catch {
    return '';
  }
}

/** GNU time and ansible-core from Debian, installed with apt-get when missing (root). */
function prerequisites(o: Opts): void {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (it runs a lab)');
  const need: string[] = [];
  if (!existsSync(TIME_BIN)) need.push('time');
  if (o.ansible && !tryCmd('sh', ['-c', 'command -v ansible-playbook'])) need.push('ansible-core');
  // Mitogen for Ansible: Debian's ansible-mitogen (0.3.3, patched for ansible-core ≤ 2.14)
  // puts its strategy plugins on Ansible's own plugin path.
  if (o.tools.includes('mitogen') && !existsSync(MITOGEN_PLUGIN)) need.push('ansible-mitogen');
  if (!need.length) return;
  say(`bench: installing ${need.join(' ')} with apt-get`);
  execFileSync('sh', ['-c', `apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${need.join(' ')} >/dev/null`], { stdio: 'inherit' });
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? '?',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    openssh: tryCmd('ssh', ['-V']).split(',')[0] ?? '?',
    loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

// ------------------------------------------------------------------ lifecycle & cleanup

let lab: LabState | undefined;
let labDir = '';
let scratch = '';
let cleaning: Promise<void> | undefined;

async function cleanup(): Promise<void> {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    for (const c of liveChildren) killChild(c, 'SIGKILL');
    if (labDir) {
      try {
        const r = await labDown({ dir: labDir });
        if (r.leftovers.length) say(`bench: lab down left: ${r.leftovers.join(', ')}`);
      } catch (err) {
        say(`bench: lab down failed: ${(err as Error).message} — run: node dist/bin/crane-fix.js lab down --dir ${labDir}`);
      }
    }
    if (scratch) await fs.rm(scratch, { recursive: true, force: true }).catch(() => {});
  })();
  return cleaning;
}

function installSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      say(`\nbench: ${sig} — stopping the current run and taking the lab down`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

// ------------------------------------------------------------------ the run

async function bringUp(o: Opts): Promise<number> {
  labDir = path.join(BENCH_BASE, `lab-${o.nodes}`);
  if (await readLabState(labDir)) {
    say(`bench: a previous bench lab is still up in ${labDir}; taking it down first`);
    await labDown({ dir: labDir });
  }
  const t0 = performance.now();
  lab = await labUp({ nodes: o.nodes, dir: labDir, subnet: o.subnet, disks: o.disks });
  const ms = performance.now() - t0;
  say(`bench: lab of ${o.nodes} nodes up in ${(ms / 1000).toFixed(1)} s (${lab.nodes[0]!.ip} .. ${lab.nodes.at(-1)!.ip})`);
  return ms;
}

async function labOnly(o: Opts): Promise<void> {
  const ups: number[] = [];
  const downs: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    ups.push(await bringUp(o));
    const t0 = performance.now();
    await labDown({ dir: labDir });
    lab = undefined;
    downs.push(performance.now() - t0);
    say(`bench: lab down in ${((downs.at(-1) ?? 0) / 1000).toFixed(1)} s`);
  }
  const s = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
  const doc = { tool: 'crane-fix bench --lab-only', date: localDate(), nodes: o.nodes, disks: o.disks, machine: machine(), upMs: ups, downMs: downs };
  const md = `# crane-fix lab up/down — ${o.nodes} nodes, ${doc.date}\n\nXFS disks ${o.disks ? 'on' : 'off'}; ${o.reps} times. lab up s: ${s(ups)}; lab down s: ${s(downs)}. Machine: ${doc.machine.cpus} CPU, load at start ${doc.machine.loadStart}.\n`;
  process.stdout.write(md);
  if (o.write) {
    await fs.mkdir(o.out, { recursive: true });
    const base = path.join(o.out, `${doc.date}-${o.nodes}-lab${o.disks ? '-disks' : ''}`);
    await fs.writeFile(base + '.json', JSON.stringify(doc, null, 2) + '\n');
    await fs.writeFile(base + '.md', md);
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.scaleOnly) {
    const w = await writeScale(o.out);
    say(w ? `bench: wrote ${path.relative(ROOT, w.md)} and ${path.relative(ROOT, w.svg)} (${w.sizes.join(', ')} nodes)` : `bench: no issue-21 results in ${o.out}`);
    return;
  }
  prerequisites(o);
  if (!existsSync(path.join(ROOT, 'dist', 'bin', 'crane-fix.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  installSignals();
  await fs.mkdir(BENCH_BASE, { recursive: true });
  scratch = await fs.mkdtemp(path.join(BENCH_BASE, 'run-'));
  if (o.labOnly) {
    try {
      return await labOnly(o);
    } finally {
      await cleanup();
    }
  }

  const startedAt = new Date();
  const mach = machine();
  const ansibleV = o.ansible ? await ansibleVersion() : undefined;
  if (ansibleV) mach.ansible = ansibleV;
  else mach.ansible = 'Ansible not run';
  const unavailable: Record<string, string> = {};
  const versions: Record<string, string> = {};
  let pyinfraBin: string | undefined;
  if (o.tools.includes('pyinfra')) {
    const p = ensurePyinfra(BENCH_BASE);
    if ('bin' in p) {
      pyinfraBin = p.bin;
      versions.pyinfra = p.version;
    } else unavailable.pyinfra = p.unavailable;
  }
  if (o.tools.includes('mitogen')) {
    const v = tryCmd('dpkg-query', ['-W', '-f', '${Version}', 'ansible-mitogen']);
    if (existsSync(MITOGEN_PLUGIN)) versions.mitogen = `ansible-mitogen ${v || '?'} (Debian), strategy ${MITOGEN_STRATEGY}`;
    else unavailable.mitogen = `no ${MITOGEN_PLUGIN} (apt-get install ansible-mitogen)`;
  }
  for (const [k, v] of Object.entries(unavailable)) say(`bench: ${k} cannot run here: ${v}`);
  const tools = o.tools.filter((t) => !unavailable[t]);
  const upMs = await bringUp(o);
  const st = lab!;
  const forks = o.forks ?? o.nodes;
  const ctx: Ctx = { root: ROOT, app: await freezeApp(), lab: st, nodes: o.nodes, forks, scratch, timeoutMs: o.timeoutMs };
  mach.forks = forks;
  mach.ulimitNofile = tryCmd('sh', ['-c', 'ulimit -n']);
  say(`bench: crane-fix as installed (dist/bin/crane-fix); forks ${forks}`);
  // The bare effects: each host's own script (its files differ), sent by the floor's client.
  const bareDir = path.join(scratch, 'bare');
  await fs.mkdir(bareDir);
  for (const n of st.nodes) await fs.writeFile(path.join(bareDir, `${n.ip}-1.sh`), bareEffectsScript(n));
  // crane-fix's own session scripts, captured once from an untimed apply, for the breakdown.
  await resetNodes(st.nodes);
  const replay = o.replay ? await captureScripts(ctx, path.join(scratch, 'captured')) : undefined;
  if (replay) say(`bench: captured crane-fix's session scripts (${replay.bytes} bytes, every host one session, ending ${replay.expect})`);
  await resetNodes(st.nodes); // before the first floor run too
  const counter = new SessionCounter(st.nodes);
  const samples: Partial<Record<ContestantId, Sample[]>> = {};
  const problems: string[] = [];
  let seq = 0;

  const measure = async (id: ContestantId, rep: number, fn: () => Promise<Outcome>): Promise<Sample> => {
    await counter.mark();
    const load1 = os.loadavg()[0]!;
    const out = await fn();
    const sessions = await counter.since();
    const { byHost: _b, ...sessionCount } = sessions;
    void _b;
    const s: Sample = {
      rep,
      seq: ++seq,
      wallMs: out.timed.wallMs,
      userMs: out.timed.userMs,
      sysMs: out.timed.sysMs,
      maxRssKb: out.timed.maxRssKb,
      maxFds: out.timed.maxFds,
      exitCode: out.timed.exitCode,
      ok: out.ok,
      ...(out.problem ? { problem: out.problem } : {}),
      sessions: sessionCount,
      ...(out.reportedSessionsMean !== undefined ? { reportedSessionsMean: out.reportedSessionsMean } : {}),
      load1,
    };
    (samples[id] ??= []).push(s);
    if (out.problem) problems.push(`${id} (rep ${rep || 'warm-up'}): ${out.problem}`);
    say(
      `  ${String(s.seq).padStart(3)} ${rep ? `rep ${rep}` : 'warm-up'} ${id.padEnd(14)} ${(s.wallMs / 1000).toFixed(2).padStart(7)} s  cpu ${((s.userMs + s.sysMs) / o.nodes).toFixed(1).padStart(5)} ms/host  rss ${(s.maxRssKb / 1024).toFixed(0).padStart(4)} MB  fds ${String(s.maxFds).padStart(5)}  sessions/host ${sessions.perHostMean.toFixed(1)}${s.ok ? '' : '  FAILED: ' + (out.problem ?? '').split('\n')[0]}`,
    );
    return s;
  };

  /** Fails the sample when the nodes do not show the change (or show a second restart). */
  const judgeNodes = async (s: Sample, id: ContestantId, what: string, rep: number) => {
    const c = (s.check = await checkNodes(st.nodes));
    if (c.dnsChanged !== c.nodes || c.resolvTrimmed !== c.nodes || c.restartedOnce !== c.nodes) {
      s.ok = false;
      const p = `${id} (rep ${rep || 'warm-up'}): node state after ${what}: DNS changed on ${c.dnsChanged}/${c.nodes}, resolv.conf ≤3 nameservers on ${c.resolvTrimmed}/${c.nodes}, exactly one kubelet restart on ${c.restartedOnce}/${c.nodes}`;
      problems.push(p);
      say('  ' + p);
    }
  };

  const runTool = (tool: Tool, mode: Mode): Promise<Outcome> => {
    if (tool === 'crane') return runCrane(ctx, mode);
    if (tool === 'ansible') return runAnsible(ctx, mode);
    if (tool === 'mitogen') return runAnsible(ctx, mode, MITOGEN_STRATEGY);
    return runPyinfra(ctx, pyinfraBin!, mode);
  };

  const group = async (tool: Tool, rep: number) => {
    await resetNodes(st.nodes); // fresh state: the dry-run shows the full change, the apply makes it
    await measure(idOf(tool, 'dry'), rep, () => runTool(tool, 'dry'));
    await resetNodes(st.nodes); // a dry-run must change nothing — but never rely on it
    const applied = await measure(idOf(tool, 'apply'), rep, () => runTool(tool, 'apply'));
    await judgeNodes(applied, idOf(tool, 'apply'), 'apply', rep);
    const noop = await measure(idOf(tool, 'noop'), rep, () => runTool(tool, 'noop'));
    await judgeNodes(noop, idOf(tool, 'noop'), 'no-op', rep);
  };

  /** The floor's client sending each host its own scripts (bare effects, or crane-fix's captured ones). */
  const scripted = async (id: 'bare' | 'replay', rep: number, dir: string, expect: string) => {
    await resetNodes(st.nodes);
    const s = await measure(id, rep, () => runFloor(ctx, 1, { dir, expect }));
    await judgeNodes(s, id, id === 'bare' ? 'the bare effects' : 'the replay', rep);
  };

  const ansibleReps = Math.min(o.ansibleReps ?? o.reps, o.reps);
  const round = async (rep: number) => {
    const withOthers = tools.length > 0 && (rep === 0 ? ansibleReps === o.reps : rep <= ansibleReps);
    // Every tool in turn, the order rotated each repetition, a floor before each.
    const all: Tool[] = withOthers ? ['crane', ...tools] : ['crane'];
    const order = all.map((_, i) => all[(i + rep) % all.length]!);
    await measure('floor', rep, () => runFloor(ctx));
    await scripted('bare', rep, bareDir, 'active');
    if (replay) await scripted('replay', rep, replay.dir, replay.expect);
    for (const t of order) {
      await measure('floor', rep, () => runFloor(ctx));
      await group(t, rep);
    }
    // Not a target: what three round trips cost here (crane-fix's apply makes three).
    await measure('floor3', rep, () => runFloor(ctx, 3));
  };

  let profile: ProfileSummary[] | undefined;
  let downMs: number | undefined;
  try {
    for (let w = 0; w < o.warmup; w++) {
      say(`bench: warm-up round ${w + 1}/${o.warmup} (not counted)`);
      await round(0);
    }
    for (let rep = 1; rep <= o.reps; rep++) {
      say(`bench: repetition ${rep}/${o.reps}`);
      await round(rep);
    }
    if (o.profile) profile = await runProfile(ctx, o);
    const t0 = performance.now();
    await labDown({ dir: labDir });
    downMs = Math.round(performance.now() - t0);
    labDir = ''; // down already
  } finally {
    await cleanup();
  }
  mach.loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  const summary = summarise(o.nodes, samples);
  const result: BenchResult = {
    tool: 'crane-fix bench',
    date: localDate(startedAt),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    nodes: o.nodes,
    reps: o.reps,
    ...(ansibleReps !== o.reps && o.ansible ? { ansibleReps } : {}),
    warmup: o.warmup,
    machine: mach,
    lab: { dir: st.dir, subnet: o.subnet, disks: o.disks, upMs: Math.round(upMs), ...(downMs !== undefined ? { downMs } : {}) },
    method: method(o, forks),
    ...(tools.some((t) => t === 'ansible' || t === 'mitogen') ? { ansibleCfg: ansibleCfg(forks, '<per-run temp dir>') } : {}),
    samples,
    summary,
    targets: targets(o.nodes, summary),
    ...(Object.keys(unavailable).length ? { unavailable } : {}),
    ...(Object.keys(versions).length ? { versions } : {}),
    labNotes: labNotes(o),
    problems,
    ...(profile ? { profile } : {}),
  };
  result.breakdown = breakdown(o.nodes, summary, result.targets);
  const other = o.tag ? undefined : latestOther(o.out, o.nodes);
  if (other) {
    const [small, big] = other.nodes < o.nodes ? [other, result] : [result, other];
    const rows = scalingRows(small, big);
    result.scaling = { from: { nodes: small.nodes, date: small.date }, to: { nodes: big.nodes, date: big.date }, rows };
    const flat = rows.filter((r) => r.what.startsWith('crane-fix apply') || r.what.startsWith('crane-fix re-run'));
    if (flat.length) {
      const worst = Math.max(...flat.map((r) => r.ratio));
      result.targets.push({
        what: `cost per host flat, ${small.nodes} → ${big.nodes} nodes (crane-fix apply/no-op, wall and CPU per host)`,
        target: 'ratio ≤ 1.25',
        measured: `worst ratio ${worst.toFixed(2)} (${flat.map((r) => `${r.what.replace(/^crane-fix /, '')} ${r.ratio.toFixed(2)}`).join('; ')})`,
        met: worst <= 1.25,
      });
    }
  }

  process.stdout.write(`\n${resultsTable(result)}\n\n${targetsTable(result.targets)}\n`);
  if (problems.length) process.stdout.write(`\n${problems.length} problem(s):\n${problems.map((p) => '- ' + p.split('\n')[0]).join('\n')}\n`);
  if (o.write) {
    await fs.mkdir(o.out, { recursive: true });
    const base = path.join(o.out, `${result.date}-${o.nodes}${o.tag ? '-' + o.tag : ''}`);
    await fs.writeFile(base + '.json', JSON.stringify(result, null, 2) + '\n');
    await fs.writeFile(base + '.md', markdown(result));
    say(`bench: wrote ${path.relative(ROOT, base)}.md and .json`);
    if (!o.tag) {
      const written = await writeScale(o.out);
      if (written) say(`bench: wrote ${path.relative(ROOT, written.md)} and ${path.relative(ROOT, written.svg)} (${written.sizes.join(', ')} nodes)`);
    }
  }
}

/** A copy of dist/ taken now (node_modules linked), so others rebuilding dist/ mid-run change nothing here. */
async function freezeApp(): Promise<string> {
  const app = path.join(scratch, 'app');
  await fs.mkdir(app, { recursive: true });
  await fs.cp(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
  await fs.copyFile(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  // The catalogue playbooks ship in the package.
  await fs.cp(path.join(ROOT, 'playbooks'), path.join(app, 'playbooks'), { recursive: true });
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  return app;
}

/** How the lab's nodes are kept light (said in every result). */
function labNotes(o: Opts): string[] {
  return [
    `${o.nodes} nodes on ${labSubnets(o.nodes)} subnet(s) from 127.0.${o.subnet}.11 (240 per /24)${o.disks ? '' : '; no XFS loop disks (the bench playbook does not use them)'}.`,
    "Each node is a mount+UTS namespace with its own sshd; /etc, /var, /root, /opt and /usr are overlays whose lower layer is this machine's own read-only tree, shared by every node, with a tmpfs upper layer holding only the node's seeded files (a few KB each), so a node costs an sshd and a `sleep` (a few MB of RSS, mostly shared pages).",
    'Nodes are prepared and booted 32 at a time.',
  ];
}

function method(o: Opts, forks: number): string[] {
  return [
    `crane-fix and the floor run from a copy of dist/ frozen at the start of the bench (commit ${tryCmd('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) || '?'}${tryCmd('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']) ? ' plus uncommitted changes' : ''}), so a concurrent rebuild cannot change them mid-run.`,
    `Every contestant is its own process, started as a user would, under GNU time (\`${TIME_BIN} -f '%e %U %S %M'\`): wall clock from spawn to exit (harness clock), user+sys CPU and ru_maxrss of the process and the children it waited for.`,
    'floor: `node dist/bench/floor.js <lab>` — plain ssh2, every node at once, host key checked against the lab\'s known_hosts, one command (`uname -n`) each.',
    `crane-fix: \`node dist/bin/crane-fix.js apply -i <lab>/nodes.ini bench/playbooks/bench.yaml -e dns_cluster_ip=10.9.0.10 --forks ${forks} --yes --json --journal-dir <fresh tmp>\` (+ \`--dry-run --diff\`); each run is checked from its JSON (every host changed / ok, diffs present, kubelet restarted).`,
    `Ansible: \`ansible-playbook -i <lab>/nodes.ini bench/playbooks/bench.ansible.yaml -e dns_cluster_ip=10.9.0.10\` (+ \`--check --diff\`), forks = ${forks}, pipelining, ControlPersist (fresh ControlPath dir per run, masters closed after it, so every run starts cold like crane-fix), gathering explicit, fixed interpreter, host keys checked with the lab known_hosts via the inventory's ansible_ssh_common_args; results checked from its PLAY RECAP (default callback).`,
    'The Ansible twin has the same tasks and handler; crane-fix\'s `verify:` is a task after `meta: flush_handlers` run only on changed hosts and not in check mode; `rollback:` (failure-only) has no counterpart.',
    'Per tool and repetition: reset nodes → dry-run/check → reset → apply → no-op re-run. Node reset (every seeded file rewritten in place, systemctl stand-in log and unit state cleared) and the after-run state check (new DNS in both kubelet files, ≤ 3 nameservers, exactly one kubelet restart) go through nsenter, not SSH, so they never count as sessions.',
    'floor×3 (not a target): the floor with 3 commands in turn over the one connection — what three round trips cost here (crane-fix\'s apply makes three).',
    'Order within a repetition: floor, tool A, floor, tool B, floor×3; A and B swap every repetition. Medians over the counted repetitions; failed runs are excluded from the statistics and listed.',
    'The lab nodes share the client machine\'s cores: sshd, the remote scripts and the client all run on the same CPUs, so node-side work is on the client\'s clock too.',
    'Lab nodes have a plain /root/.bashrc (the lab\'s /root is an overlay of this machine\'s; bash sources ~/.bashrc for every SSH command, and this machine\'s runs `pyenv init -`, ~170 processes per session — the lab gives nodes their own since commit ebe3bde).',
    'Sessions: "Starting session" lines (sshd LogLevel VERBOSE, one per exec channel) added to each node\'s sshd.log during the run.',
  ];
}

function latestOther(dir: string, nodes: number): BenchResult | undefined {
  let best: BenchResult | undefined;
  try {
    for (const f of readdirSync(dir)) {
      const m = /^(\d{4}-\d{2}-\d{2})-(\d+)\.json$/.exec(f);
      if (!m || Number(m[2]) === nodes) continue;
      try {
        const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as BenchResult;
        if (r.tool !== 'crane-fix bench') continue;
        if (!best || r.startedAt > best.startedAt) best = r;
      } catch {
        /* not ours */
      }
    }
  } catch {
    /* no results yet */
  }
  return best;
}

async function runProfile(ctx: Ctx, o: Opts): Promise<ProfileSummary[]> {
  const dir = path.join(ctx.scratch, 'cpuprof');
  await fs.mkdir(dir, { recursive: true });
  const keep = path.join(BENCH_BASE, 'profiles', `${localDate()}-${o.nodes}`);
  await fs.mkdir(keep, { recursive: true });
  const out: ProfileSummary[] = [];
  await resetNodes(ctx.lab.nodes);
  for (const mode of ['dry', 'apply', 'noop'] as Mode[]) {
    if (mode === 'apply') await resetNodes(ctx.lab.nodes);
    const name = `crane-${mode}.cpuprofile`;
    const pctx: Ctx = { ...ctx, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`] };
    const r = await runCrane(pctx, mode);
    say(`bench: profiled crane-fix ${mode}: ${(r.timed.wallMs / 1000).toFixed(2)} s${r.ok ? '' : ' (FAILED: ' + r.problem + ')'}`);
    const file = path.join(dir, name);
    if (existsSync(file)) {
      await fs.copyFile(file, path.join(keep, name));
      out.push(await summariseProfile(path.join(keep, name)));
    }
  }
  say(`bench: profiles kept in ${keep} (open in Chrome DevTools → Performance)`);
  return out;
}

main().catch(async (err: unknown) => {
  say(`bench: ${(err as Error).stack ?? String(err)}`);
  await cleanup();
  process.exit(1);
});

