/**
 * The contestants of the benchmark and how each run is judged valid. Every contestant is a
 * separate process started the way a user would start it, timed by GNU time.
 */
import * as fs from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import type { LabState } from '../lab/lab.js';
import { pool, runTimed, type Timed } from './measure.js';
import { BENCH_NEW_DNS } from './nodes.js';

const run = promisify(execFile);

/** The tools compared with the same playbook; each runs a dry-run, an apply and a no-op re-run. */
export type Tool = 'crane' | 'ansible' | 'mitogen' | 'pyinfra';
export type Mode = 'dry' | 'apply' | 'noop';
export type ContestantId = 'floor' | 'floor3' | 'bare' | 'replay' | `${Tool}-${'dry' | 'check' | 'apply' | 'noop'}`;

export const TOOL_LABELS: Record<Tool, string> = {
  crane: 'crane-fix',
  ansible: 'ansible-playbook',
  mitogen: 'ansible-playbook + Mitogen (mitogen_linear)',
  pyinfra: 'pyinfra',
};
const MODE_LABELS: Record<Tool, Record<Mode, string>> = {
  crane: { dry: '--dry-run --diff', apply: 'apply', noop: 're-run (no-op)' },
  ansible: { dry: '--check --diff', apply: 'apply', noop: 're-run (no-op)' },
  mitogen: { dry: '--check --diff', apply: 'apply', noop: 're-run (no-op)' },
  pyinfra: { dry: '--dry --diff', apply: 'apply', noop: 're-run (no-op)' },
};

/** The contestant id of a tool's mode (Ansible calls its dry-run "check"). */
export function idOf(tool: Tool, mode: Mode): ContestantId {
  return `${tool}-${mode === 'dry' && (tool === 'ansible' || tool === 'mitogen') ? 'check' : mode}` as ContestantId;
}

export function labelOf(id: ContestantId): string {
  if (id === 'floor') return 'floor (ssh2: connect + 1 command)';
  if (id === 'floor3') return 'floor, 3 sessions (connect + 3 commands in turn)';
  if (id === 'bare') return "bare effects (floor's client, only the commands the change needs)";
  if (id === 'replay') return "replay of crane-fix's own session scripts (floor's client)";
  const [tool, m] = id.split('-') as [Tool, string];
  return `${TOOL_LABELS[tool]} ${MODE_LABELS[tool][m === 'check' ? 'dry' : (m as Mode)]}`;
}

export interface Ctx {
  root: string; // repository root (playbooks)
  /** Where dist/ is run from: a copy frozen at the start, so a concurrent rebuild cannot change a contestant mid-run. */
  app: string;
  lab: LabState;
  nodes: number;
  /** Hosts at once, for every contestant and the floor (--forks, Ansible's forks, pyinfra's --parallel). */
  forks: number;
  scratch: string; // per-bench temp dir (journals, ansible control sockets, time files)
  timeoutMs: number;
  /** Extra node flags for the crane-fix child, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  nodeFlags?: string[];
}

export interface Outcome {
  timed: Timed;
  ok: boolean;
  problem?: string;
  /** Sessions per host as crane-fix itself reports them (cross-check of the sshd count). */
  reportedSessionsMean?: number;
  changedHosts?: number;
}

function tail(s: string, n = 12): string {
  return s.trim().split('\n').slice(-n).join('\n');
}

// ---------------------------------------------------------------- floor

/**
 * The floor; with `scripts`, the floor's client sending each host its own scripts instead
 * (`floor.js --expect <text> --script-dir <dir>`): the bare effects, or crane-fix's captured ones.
 */
export async function runFloor(ctx: Ctx, sessions = 1, scripts?: { dir: string; expect: string }): Promise<Outcome> {
  const how = scripts ? ['--expect', scripts.expect, '--script-dir', scripts.dir] : ['--sessions', String(sessions)];
  const timed = await runTimed(process.execPath, [path.join(ctx.app, 'dist', 'bench', 'floor.js'), ctx.lab.dir, '--forks', String(ctx.forks), ...how], {
    timeoutMs: ctx.timeoutMs,
    scratch: ctx.scratch,
  });
  let ok = timed.exitCode === 0;
  let problem: string | undefined;
  try {
    const r = JSON.parse(timed.stdout) as { ok: number; failed: string[] };
    if (r.ok !== ctx.nodes) {
      ok = false;
      problem = `floor reached ${r.ok}/${ctx.nodes}: ${r.failed.slice(0, 3).join('; ')}`;
    }
  } catch {
    ok = false;
    problem = `floor${scripts ? ' (scripts)' : ''}: exit ${timed.exitCode}: ${tail(timed.stderr)}`;
  }
  return { timed, ok, ...(problem ? { problem } : {}) };
}

// ---------------------------------------------------------------- crane-fix

interface CraneJson {
  hosts: Record<string, { status: string; error?: string; sessions?: number; tasks: { name: string; status: string; changed: boolean; diff?: string }[] }>;
  summary: Record<string, number>;
}

/**
 * Why the hosts that were off were off, grouped by their error with numbers and addresses
 * masked (at 500 nodes the first recording said only "unreachable", which cannot be acted on).
 */
function whyOff(off: [string, CraneJson['hosts'][string]][]): string {
  const counts = new Map<string, number>();
  for (const [, h] of off) {
    const e = (h.error ?? '(no error text)').replace(/\d+(\.\d+)*/g, 'N').slice(0, 160);
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  return '; errors: ' + [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([e, n]) => `${n}× ${e}`).join(' | ');
}

/**
 * crane-fix as installed: the bin dist/bin/crane-fix (scripts/bundle.mjs). With node flags
 * (the profile run), node itself on the same bundle.
 */
export function craneCommand(ctx: Ctx, mode: Mode, journalDir: string): { file: string; args: string[] } {
  const bin = path.join(ctx.app, 'dist', 'bin');
  if (ctx.nodeFlags?.length) {
    return { file: process.execPath, args: [...ctx.nodeFlags, path.join(bin, 'crane-fix.js'), ...craneArgs(ctx, mode, journalDir)] };
  }
  return { file: path.join(bin, 'crane-fix'), args: craneArgs(ctx, mode, journalDir) };
}

export function craneArgs(ctx: Ctx, mode: Mode, journalDir: string): string[] {
  return [
    'apply',
    '-i',
    ctx.lab.inventoryIni,
    path.join(ctx.root, 'bench', 'playbooks', 'bench.yaml'),
    '-e',
    `dns_cluster_ip=${BENCH_NEW_DNS}`,
    '--forks',
    String(ctx.forks),
    '--yes', // restarting kubelet is irreversible: consent, as an unattended run gives it
    '--json',
    '--journal-dir',
    journalDir,
    ...(mode === 'dry' ? ['--dry-run', '--diff'] : []),
  ];
}

export async function runCrane(ctx: Ctx, mode: Mode): Promise<Outcome> {
  const journalDir = await fs.mkdtemp(path.join(ctx.scratch, 'journal-'));
  try {
    const { file, args } = craneCommand(ctx, mode, journalDir);
    const timed = await runTimed(file, args, { timeoutMs: ctx.timeoutMs, scratch: ctx.scratch, cwd: ctx.root });
    return judgeCrane(ctx, mode, timed);
  } finally {
    await fs.rm(journalDir, { recursive: true, force: true });
  }
}

function judgeCrane(ctx: Ctx, mode: Mode, timed: Timed): Outcome {
  let rep: CraneJson;
  try {
    rep = JSON.parse(timed.stdout) as CraneJson;
  } catch {
    return { timed, ok: false, problem: `crane-fix ${mode}: exit ${timed.exitCode}, no JSON: ${tail(timed.stderr)}` };
  }
  const hosts = Object.entries(rep.hosts);
  const sessions = hosts.map(([, h]) => h.sessions ?? NaN);
  const reportedSessionsMean = sessions.reduce((a, b) => a + b, 0) / (sessions.length || 1);
  const changedHosts = hosts.filter(([, h]) => h.status === 'changed').length;
  const problems: string[] = [];
  if (timed.exitCode !== 0) problems.push(`exit ${timed.exitCode}`);
  if (hosts.length !== ctx.nodes) problems.push(`${hosts.length}/${ctx.nodes} hosts in the report`);
  const want = mode === 'noop' ? 'ok' : 'changed';
  const off = hosts.filter(([, h]) => h.status !== want);
  if (off.length) problems.push(`${off.length} host(s) not '${want}', e.g. ${off[0]![0]}: ${off[0]![1].status}${whyOff(off)}`);
  if (mode === 'dry') {
    const noDiff = hosts.filter(([, h]) => !h.tasks.some((t) => t.diff));
    if (noDiff.length) problems.push(`${noDiff.length} host(s) without a diff`);
  }
  if (mode === 'apply') {
    const noRestart = hosts.filter(([, h]) => !h.tasks.some((t) => /restart kubelet/.test(t.name) && t.changed));
    if (noRestart.length) problems.push(`${noRestart.length} host(s) without the kubelet restart`);
  }
  return {
    timed,
    ok: problems.length === 0,
    ...(problems.length ? { problem: `crane-fix ${mode}: ${problems.join('; ')}${timed.exitCode ? `\n${tail(timed.stderr)}` : ''}` } : {}),
    reportedSessionsMean,
    changedHosts,
  };
}

// ---------------------------------------------------------------- ansible

export async function ansibleVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('ansible-playbook', ['--version']);
    return stdout.split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

/** ansible.cfg used for every Ansible run (also written into the results for reproduction). */
export function ansibleCfg(forks: number, localTmp: string, strategy?: string): string {
  return [
    '[defaults]',
    `forks = ${forks}`,
    // Mitogen's documented set-up: its strategy plugin (Debian's ansible-mitogen puts it on
    // Ansible's own plugin path); the rest of the settings stay as for plain Ansible.
    ...(strategy ? [`strategy = ${strategy}`] : []),
    'gathering = explicit',
    'host_key_checking = True',
    'retry_files_enabled = False',
    // A fixed interpreter: no per-host interpreter discovery round trip.
    'interpreter_python = /usr/bin/python3',
    // The default callback (ansible-core has no json one); the bench reads its PLAY RECAP.
    `local_tmp = ${localTmp}`,
    'timeout = 30',
    '',
    '[ssh_connection]',
    'pipelining = True',
    // Ansible's default minus -C (compression only costs CPU on loopback).
    'ssh_args = -o ControlMaster=auto -o ControlPersist=60s',
    '',
  ].join('\n');
}

export const MITOGEN_STRATEGY = 'mitogen_linear';

export async function runAnsible(ctx: Ctx, mode: Mode, strategy?: string): Promise<Outcome> {
  const dir = await fs.mkdtemp(path.join(ctx.scratch, 'ans-'));
  const cpDir = path.join(dir, 'cp'); // fresh ControlPath dir: every run starts cold, like crane-fix
  await fs.mkdir(cpDir, { mode: 0o700 });
  await fs.mkdir(path.join(dir, 'tmp'), { mode: 0o700 });
  const cfg = path.join(dir, 'ansible.cfg');
  await fs.writeFile(cfg, ansibleCfg(ctx.forks, path.join(dir, 'tmp'), strategy));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: cfg,
    ANSIBLE_SSH_CONTROL_PATH_DIR: cpDir,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_NOCOWS: '1',
  };
  try {
    const timed = await runTimed(
      'ansible-playbook',
      [
        '-i',
        ctx.lab.inventoryIni,
        path.join(ctx.root, 'bench', 'playbooks', 'bench.ansible.yaml'),
        '-e',
        `dns_cluster_ip=${BENCH_NEW_DNS}`,
        ...(mode === 'dry' ? ['--check', '--diff'] : []),
      ],
      { env, timeoutMs: ctx.timeoutMs, scratch: ctx.scratch, cwd: dir },
    );
    return judgeAnsible(ctx, mode, timed, strategy ? 'mitogen' : 'ansible');
  } finally {
    await closeControlMasters(cpDir);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Stop the ControlPersist masters this run left (by their sockets), so the next run starts cold. */
export async function closeControlMasters(cpDir: string): Promise<void> {
  let socks: string[] = [];
  try {
    socks = (await fs.readdir(cpDir)).map((f) => path.join(cpDir, f));
  } catch {
    return;
  }
  await pool(socks, 16, async (s) => {
    try {
      await run('ssh', ['-o', `ControlPath=${s}`, '-O', 'exit', 'crane-fix-bench'], { timeout: 5_000 });
    } catch {
      /* already gone */
    }
  });
}

interface AnsibleStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** The PLAY RECAP lines of the default callback (ansible-core ships no json callback). */
export function parseRecap(stdout: string): Record<string, AnsibleStats> {
  const out: Record<string, AnsibleStats> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line.trim());
    if (m) out[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) };
  }
  return out;
}

function judgeAnsible(ctx: Ctx, mode: Mode, timed: Timed, who: string): Outcome {
  const hosts = Object.entries(parseRecap(timed.stdout));
  if (!hosts.length) return { timed, ok: false, problem: `${who} ${mode}: exit ${timed.exitCode}, no PLAY RECAP: ${tail(timed.stderr)} ${tail(timed.stdout, 5)}` };
  const problems: string[] = [];
  if (timed.exitCode !== 0) problems.push(`exit ${timed.exitCode}`);
  if (hosts.length !== ctx.nodes) problems.push(`${hosts.length}/${ctx.nodes} hosts in the stats`);
  const bad = hosts.filter(([, s]) => s.failed || s.unreachable);
  if (bad.length) problems.push(`${bad.length} host(s) failed/unreachable`);
  const changedHosts = hosts.filter(([, s]) => s.changed > 0).length;
  if (mode === 'noop' && changedHosts) problems.push(`${changedHosts} host(s) changed on the re-run`);
  if (mode !== 'noop' && changedHosts !== ctx.nodes) problems.push(`${changedHosts}/${ctx.nodes} hosts changed`);
  return {
    timed,
    ok: problems.length === 0,
    ...(problems.length ? { problem: `${who} ${mode}: ${problems.join('; ')}${timed.exitCode ? `\n${tail(timed.stderr)}` : ''}` } : {}),
    changedHosts,
  };
}
