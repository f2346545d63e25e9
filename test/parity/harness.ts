/**
 * The Ansible parity harness (not a test file itself): loads the cases in test/parity/cases,
 * lays their fixtures onto twin lab nodes, runs `ansible-playbook` on one twin and
 * `crane-fix apply` on the other with the same playbook file and same-shaped inventories,
 * and reduces both tools' reports to comparable data. test/integration/parity.test.ts
 * asserts on it; docs/parity.md explains the method and every documented difference.
 *
 * A case is one play of a playbook under cases/: `hosts:` is the case id (an inventory group
 * that maps to one twin "slot" host), `vars.d` is the case's own directory on the node
 * (/var/lib/parity/<id>, inside the node's private /var overlay), and every task and
 * handler has a literal name that is unique across all cases (that is how a task result is
 * attributed to its case in crane-fix's per-host report). `<group>.notes.yaml` beside the
 * playbook holds, per case id, what the node must look like first (files, unit states)
 * and what is expected (same everywhere, or a documented difference).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LabNode } from '../../src/lab/lab.js';
import { nodeExec } from '../../src/lab/lab.js';

export const PARITY_DIR = resolve(import.meta.dirname);
export const CASES_DIR = join(PARITY_DIR, 'cases');
export const ROOT = resolve(PARITY_DIR, '..', '..');
export const CLI = join(ROOT, 'dist', 'bin', 'crane-fix.js');
export const CASE_ROOT = '/var/lib/parity';

// ---------------------------------------------------------------------------------------
// Cases

export interface FileFixture {
  content?: string;
  mode?: string;
  owner?: string;
  group?: string;
  /** A directory instead of a file. */
  dir?: boolean;
  /** A symlink with this target. */
  link?: string;
  /** Bind-mount the file over itself (like a container's /etc/resolv.conf): rename onto it gives EBUSY. */
  bindMount?: boolean;
}

export interface UnitFixture {
  active?: string;
  enabled?: string;
}

/** What one tool is expected to report and leave, where the tools differ on purpose. */
export interface SideExpect {
  /** Task statuses in order ([name, status]); loop items are listed once per item. */
  check?: [string, string][];
  apply?: [string, string][];
}

export interface CaseNotes {
  about: string;
  /** Fixture files, relative to the case directory (`{{ d }}`); a string is a 0644 file's content. */
  files?: Record<string, string | FileFixture>;
  /** Stand-in systemd unit states before the run (unit name without .service). */
  units?: Record<string, UnitFixture>;
  /**
   * A task of the case fails, on both sides or on one: the case runs in invocations of its
   * own on a slot host of its own. (A failed host is out of the run in both tools, and in
   * Ansible a failed host also ends the run's later playbook files —
   * docs/parity.md#a-failed-host-ends-the-run-of-later-playbook-files.)
   */
  fails?: boolean;
  /** Own invocations and slot host without failing (e.g. a host with few groups). */
  isolate?: boolean;
  /** Extra inventory groups the case's host is in (declared before the case's own group). */
  groups?: string[];
  /**
   * How the check pass (`--check --diff` vs `--dry-run`) is compared:
   * `compare` (default) statuses and diff bodies; `first` only the first task (later tasks
   * build on earlier ones: Ansible's check mode does not see them, crane-fix's dry-run does
   * — docs/parity.md#check-mode-sees-no-earlier-changes); `statuses` statuses only.
   */
  check?: 'compare' | 'first' | 'statuses';
  /** `statuses`: diff bodies are not compared (the reason is in docs/parity.md, named by this case). */
  diff?: 'compare' | 'statuses';
  /** Extra requirements of the Ansible side, e.g. `ansible.posix` for sysctl. */
  needs?: string[];
  /**
   * A documented, deliberate difference: docs/parity.md must name this case id. The
   * statuses each tool reports are pinned here; `files` says whether the end state is still
   * the same ('same') or differs ('differ').
   */
  differs?: { ansible: SideExpect; crane: SideExpect; files: 'same' | 'differ' };
  /** A crane-fix bug found by this case: the case is expected to fail until it is fixed. */
  bug?: string;
  /** The passes the bug shows in (default: all). */
  bugIn?: ('check' | 'apply' | 'again')[];
}

export interface ParityCase {
  id: string;
  group: string;
  /** The play's YAML text, exactly as in the case file. */
  text: string;
  play: Record<string, unknown>;
  notes: CaseNotes;
  /** Task and handler names in definition order. */
  taskNames: string[];
  handlerNames: string[];
}

const ID = /^[a-z][a-z0-9_]*$/;

/** Splits a playbook's text into its top-level plays (each `- ` at column 0, with the comments above it). */
export function splitPlays(text: string): string[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (/^- /.test(lines[i]!)) starts.push(i);
  const froms = starts.map((s, k) => {
    let f = s;
    const floor = k === 0 ? 0 : starts[k - 1]! + 1;
    while (f > floor && /^(#.*)?\s*$/.test(lines[f - 1]!)) f--;
    return f;
  });
  return starts.map((_, k) => lines.slice(k === 0 ? 0 : froms[k]!, k + 1 < starts.length ? froms[k + 1]! : lines.length).join('\n').replace(/\n*$/, '\n'));
}

function namesOf(list: unknown, where: string): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${where}: expected a list`);
  return list.map((t, i) => {
    const name = (t as { name?: unknown })?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.includes('{{')) throw new Error(`${where}[${i}]: every task needs a literal, untemplated name`);
    return name;
  });
}

export function loadCases(dir = CASES_DIR): ParityCase[] {
  const cases: ParityCase[] = [];
  const seenNames = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml') && !x.endsWith('.notes.yaml')).sort()) {
    const group = f.replace(/\.yaml$/, '');
    const text = readFileSync(join(dir, f), 'utf8');
    const notesFile = join(dir, `${group}.notes.yaml`);
    const notes = (parseYaml(readFileSync(notesFile, 'utf8')) ?? {}) as Record<string, CaseNotes>;
    const plays = splitPlays(text);
    const parsedAll = parseYaml(text, { version: '1.1' }) as Record<string, unknown>[];
    if (!Array.isArray(parsedAll) || parsedAll.length !== plays.length) throw new Error(`${f}: could not split into plays`);
    const ids = new Set<string>();
    plays.forEach((pt, i) => {
      const play = (parseYaml(pt, { version: '1.1' }) as Record<string, unknown>[])[0]!;
      const id = String(play.hosts);
      if (!ID.test(id)) throw new Error(`${f}: play ${i + 1}: hosts must be the case id ([a-z0-9_]), got ${id}`);
      if (ids.has(id)) throw new Error(`${f}: case id ${id} used twice`);
      ids.add(id);
      const vars = (play.vars ?? {}) as Record<string, unknown>;
      if (vars.d !== `${CASE_ROOT}/${id}`) throw new Error(`${f}: case ${id}: vars.d must be ${CASE_ROOT}/${id}`);
      if (play.gather_facts !== false) throw new Error(`${f}: case ${id}: set gather_facts: false`);
      const n = notes[id];
      if (!n || typeof n.about !== 'string') throw new Error(`${notesFile}: no notes (about:) for case ${id}`);
      const taskNames = namesOf(play.tasks, `${f}: ${id}: tasks`);
      const handlerNames = namesOf(play.handlers, `${f}: ${id}: handlers`);
      for (const name of [...taskNames, ...handlerNames]) {
        if (seenNames.has(name)) throw new Error(`task name '${name}' is used by case ${seenNames.get(name)} and ${id}: names must be unique`);
        seenNames.set(name, id);
      }
      cases.push({ id, group, text: pt, play, notes: n, taskNames, handlerNames });
    });
    for (const k of Object.keys(notes)) if (!ids.has(k)) throw new Error(`${notesFile}: notes for unknown case ${k}`);
  }
  return cases;
}

// ---------------------------------------------------------------------------------------
// Twins: slots, inventories

export interface Slot {
  name: string; // p01…
  a: LabNode; // ansible-playbook side
  b: LabNode; // crane-fix side
}

export interface LabKeys {
  privateKey: string;
  knownHosts: string;
}

/** `[all:vars]` both inventories share: the lab's key and known_hosts, as the lab's own inventories do. */
export function commonVarsIni(keys: LabKeys): string[] {
  return [
    '[all:vars]',
    'ansible_ssh_user=root',
    `ansible_ssh_private_key_file=${keys.privateKey}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${keys.knownHosts} -o StrictHostKeyChecking=yes'`,
    'ansible_python_interpreter=/usr/bin/python3',
  ];
}

/** The two inventories differ only in ansible_host: same host names, groups and vars. */
export function caseInventory(side: 'a' | 'b', slots: Slot[], groups: [string, string][], keys: LabKeys): string {
  const lines = [`# crane-fix parity twins, side ${side} (${side === 'a' ? 'ansible-playbook' : 'crane-fix'})`];
  for (const s of slots) lines.push(`${s.name} ansible_host=${s[side].ip}`);
  lines.push('');
  for (const [group, host] of groups) lines.push(`[${group}]`, host, '');
  lines.push(...commonVarsIni(keys));
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// Node fixtures and snapshots (a python3 script inside the node's namespace)

export interface NodeFile {
  path: string;
  kind: 'file' | 'dir' | 'link';
  content?: string;
  mode?: string;
  owner?: string;
  group?: string;
  target?: string;
  bindMount?: boolean;
}

export interface NodeSetup {
  /** Directories removed first (recursively). */
  wipe: string[];
  /** Files or links removed first when present. */
  remove?: string[];
  files: NodeFile[];
  units: Record<string, UnitFixture>;
  /** Files truncated (logs of the stand-ins). */
  truncate: string[];
  hostname?: string;
}

/**
 * Refuses any path whose mount is not one of the node's private overlays/tmpfs: a fixture
 * must never write to this machine's own files (/tmp, for one, is shared with the host).
 */
const SETUP_PY = String.raw`
import base64, grp, json, os, pwd, shutil, subprocess, sys
spec = json.load(sys.stdin)
mounts = []
for line in open('/proc/self/mountinfo'):
    parts = line.split()
    sep = parts.index('-')
    mounts.append((parts[4].replace('\\040', ' '), parts[sep + 1]))
def private(path):
    best = max((m for m in mounts if path == m[0] or path.startswith(m[0].rstrip('/') + '/')), key=lambda m: len(m[0]))
    if best[0] == '/' or best[1] not in ('overlay', 'tmpfs'):
        raise SystemExit('refusing to write %s: it is on %s (%s), not a node overlay' % (path, best[0], best[1]))
# Bind mounts left by an earlier setup (bindMount fixtures) under the dirs we wipe, deepest first.
for mp, _ in sorted(mounts, key=lambda m: -len(m[0])):
    if any(mp.startswith(d.rstrip('/') + '/') for d in spec['wipe']):
        subprocess.call(['umount', mp])
if subprocess.call(['mountpoint', '-q', '/etc/resolv.conf']) == 0:
    subprocess.call(['umount', '/etc/resolv.conf'])
for d in spec['wipe']:
    private(d)
    if os.path.lexists(d):
        shutil.rmtree(d)
for f in spec.get('remove', []):
    private(f)
    if os.path.lexists(f):
        os.unlink(f)
for f in spec['files']:
    p = f['path']
    private(p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.lexists(p) and not os.path.isdir(p) or os.path.islink(p):
        os.unlink(p)
    if f['kind'] == 'dir':
        os.makedirs(p, exist_ok=True)
    elif f['kind'] == 'link':
        os.symlink(f['target'], p)
        continue
    else:
        with open(p, 'wb') as fh:
            fh.write(f.get('content', '').encode('utf-8'))
    os.chmod(p, int(f.get('mode') or ('0755' if f['kind'] == 'dir' else '0644'), 8))
    uid = pwd.getpwnam(f['owner']).pw_uid if f.get('owner') else 0
    gid = grp.getgrnam(f['group']).gr_gid if f.get('group') else 0
    os.chown(p, uid, gid)
    if f.get('bindMount'):
        subprocess.check_call(['mount', '--bind', p, p])
units = '/var/lib/crane-lab/units'
os.makedirs(units, exist_ok=True)
for name, u in spec['units'].items():
    n = name if '.' in name else name + '.service'
    for k in ('active', 'enabled'):
        fp = os.path.join(units, n + '.' + k)
        if u.get(k) is None:
            if os.path.exists(fp):
                os.unlink(fp)
        else:
            open(fp, 'w').write(u[k] + '\n')
for t in spec['truncate']:
    private(t)
    os.makedirs(os.path.dirname(t), exist_ok=True)
    open(t, 'w').close()
if spec.get('hostname'):
    subprocess.check_call(['hostname', spec['hostname']])
print('ok')
`;

const SNAPSHOT_PY = String.raw`
import base64, json, os, stat, sys
req = json.load(sys.stdin)
out = {}
def entry(p):
    st = os.lstat(p)
    e = {'mode': '%04o' % stat.S_IMODE(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid}
    if stat.S_ISLNK(st.st_mode):
        e['type'] = 'link'; e['target'] = os.readlink(p); del e['mode']
    elif stat.S_ISDIR(st.st_mode):
        e['type'] = 'dir'
    elif stat.S_ISREG(st.st_mode):
        e['type'] = 'file'
        b = open(p, 'rb').read()
        try:
            e['content'] = b.decode('utf-8')
        except UnicodeDecodeError:
            e['base64'] = base64.b64encode(b).decode()
    else:
        e['type'] = 'other'
    return e
for r in req['roots']:
    if not os.path.lexists(r):
        continue
    out[r] = entry(r)
    for dp, dns, fns in os.walk(r):
        for n in dns + fns:
            p = os.path.join(dp, n)
            out[p] = entry(p)
for p in req['paths']:
    out[p] = entry(p) if os.path.lexists(p) else None
print(json.dumps(out, sort_keys=True))
`;

export type Snapshot = Record<string, Record<string, unknown> | null>;

async function py(node: LabNode, script: string, input: unknown): Promise<string> {
  const r = await nodeExec(node, `exec /usr/bin/python3 -c '${script.replace(/'/g, `'\\''`)}'`, JSON.stringify(input));
  if (r.rc !== 0) throw new Error(`${node.name}: python helper failed (rc ${r.rc}): ${r.stderr.trim()}`);
  return r.stdout;
}

export async function setupNode(node: LabNode, setup: NodeSetup): Promise<void> {
  const out = await py(node, SETUP_PY, setup);
  if (out.trim() !== 'ok') throw new Error(`${node.name}: fixture setup said ${out}`);
}

export async function snapshotNode(node: LabNode, roots: string[], paths: string[] = []): Promise<Snapshot> {
  return JSON.parse(await py(node, SNAPSHOT_PY, { roots, paths })) as Snapshot;
}

/** The case's fixture files as node files. */
export function caseFiles(c: ParityCase): NodeFile[] {
  const d = `${CASE_ROOT}/${c.id}`;
  const out: NodeFile[] = [{ path: d, kind: 'dir', mode: '0755' }];
  for (const [rel, spec] of Object.entries(c.notes.files ?? {})) {
    const f: FileFixture = typeof spec === 'string' ? { content: spec } : spec;
    const path = `${d}/${rel.replace(/\/$/, '')}`;
    if (f.link !== undefined) out.push({ path, kind: 'link', target: f.link });
    else if (f.dir || rel.endsWith('/')) out.push({ path, kind: 'dir', mode: f.mode, owner: f.owner, group: f.group });
    else out.push({ path, kind: 'file', content: f.content ?? '', mode: f.mode, owner: f.owner, group: f.group, bindMount: f.bindMount });
  }
  return out;
}

export function subtree(s: Snapshot, root: string): Snapshot {
  return Object.fromEntries(Object.entries(s).filter(([p]) => p === root || p.startsWith(root + '/')));
}

// ---------------------------------------------------------------------------------------
// Running the tools

export interface ProcResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runProc(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProcResult> {
  const t0 = Date.now();
  return new Promise((resolveP, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveP({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

export interface AnsibleEnv {
  dir: string;
  env: NodeJS.ProcessEnv;
  controlDir: string;
  localTmp: string;
}

/**
 * An ansible.cfg in a temp dir: pipelining, `gathering: explicit`, host key checking on (the
 * lab's known_hosts comes through the inventory's ansible_ssh_common_args), our JSON stdout
 * callback, control sockets and local temp files under the same temp dir.
 */
export function ansibleEnv(dir: string): AnsibleEnv {
  mkdirSync(join(dir, 'callback_plugins'), { recursive: true });
  const controlDir = join(dir, 'cp');
  const localTmp = join(dir, 'ltmp');
  mkdirSync(controlDir, { recursive: true });
  mkdirSync(localTmp, { recursive: true });
  writeFileSync(join(dir, 'callback_plugins', 'parity_json.py'), readFileSync(join(PARITY_DIR, 'ansible', 'parity_json.py')));
  const cfg = [
    '[defaults]',
    'gathering = explicit',
    'host_key_checking = True',
    'forks = 40',
    'stdout_callback = parity_json',
    `callback_plugins = ${join(dir, 'callback_plugins')}`,
    'retry_files_enabled = False',
    'interpreter_python = /usr/bin/python3',
    `local_tmp = ${localTmp}`,
    'nocolor = True',
    'deprecation_warnings = False',
    'localhost_warning = False',
    '',
    '[ssh_connection]',
    'pipelining = True',
    `control_path_dir = ${controlDir}`,
    'ssh_args = -o ControlMaster=auto -o ControlPersist=120s',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'ansible.cfg'), cfg);
  return {
    dir,
    controlDir,
    localTmp,
    env: {
      ANSIBLE_CONFIG: join(dir, 'ansible.cfg'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
      PYTHONDONTWRITEBYTECODE: '1',
      ANSIBLE_STDOUT_CALLBACK: 'parity_json',
    },
  };
}

/** Ends the ssh ControlPersist masters ansible-playbook left behind (only ours: by their socket). */
export async function closeControlMasters(a: AnsibleEnv): Promise<void> {
  if (!existsSync(a.controlDir)) return;
  await Promise.all(
    readdirSync(a.controlDir).map((s) => runProc('ssh', ['-o', `ControlPath=${join(a.controlDir, s)}`, '-O', 'exit', 'parity-control-master'], { timeoutMs: 10_000 }).catch(() => undefined)),
  );
}

export function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
}

/** Does this Ansible have the module (e.g. ansible.posix.sysctl, which ansible-core alone lacks)? */
export async function ansibleHasModule(fqcn: string): Promise<boolean> {
  const r = await runProc('ansible-doc', ['-t', 'module', '--json', fqcn], { timeoutMs: 60_000 }).catch(() => undefined);
  if (!r || r.code !== 0) return false;
  try {
    return Object.keys(JSON.parse(r.stdout) as object).length > 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// Reports, reduced

export type Status = 'ok' | 'changed' | 'skipped' | 'failed' | 'ignored' | 'unreachable';

export interface TaskResult {
  /** Task name (loop items: the task's name, once per item). */
  name: string;
  status: Status;
  diff?: string;
  msg?: string;
  handler?: boolean;
  action?: string;
  args?: string[];
}

export type HostResults = Map<string, TaskResult[]>;

export interface AnsibleJson {
  plays: {
    play: { name: string; hosts: string[] };
    tasks: {
      task: { name: string; action: string; args: string[]; handler: boolean };
      hosts: Record<string, { status: Status; msg?: unknown; diff?: string; items?: { status: Status; msg?: unknown; diff?: string }[] }>;
    }[];
  }[];
  stats: Record<string, Record<string, number>>;
}

const str = (m: unknown) => (m === undefined || m === null ? undefined : typeof m === 'string' ? m : JSON.stringify(m));

/**
 * The callback prints its document after each playbook file (the stats callback fires per
 * file), each holding every play so far: take the last one. Warnings may come before it.
 */
export function parseAnsibleJson(stdout: string): AnsibleJson {
  const at = stdout.startsWith('{\n') && stdout.lastIndexOf('\n{\n') < 0 ? 0 : stdout.lastIndexOf('\n{\n') + 1;
  if (at <= 0 && !stdout.startsWith('{\n')) throw new Error(`ansible-playbook printed no JSON:\n${stdout.slice(0, 2000)}`);
  return JSON.parse(stdout.slice(at)) as AnsibleJson;
}

export function ansibleResults(j: AnsibleJson): HostResults {
  const out: HostResults = new Map();
  for (const p of j.plays) {
    for (const t of p.tasks) {
      for (const [h, r] of Object.entries(t.hosts)) {
        const list = out.get(h) ?? [];
        out.set(h, list);
        const base = { name: t.task.name, handler: t.task.handler, action: t.task.action, args: t.task.args };
        if (r.items && r.items.length) {
          const ignored = r.status === 'ignored';
          for (const it of r.items) list.push({ ...base, status: ignored && it.status === 'failed' ? 'ignored' : it.status, ...(it.diff ? { diff: it.diff } : {}), msg: str(it.msg) });
        } else {
          list.push({ ...base, status: r.status, ...(r.diff ? { diff: r.diff } : {}), msg: str(r.msg) });
        }
      }
    }
  }
  return out;
}

export interface CraneJson {
  runId: string;
  mode: string;
  hosts: Record<string, { status: string; error?: string; tasks: { name: string; status: Status; diff?: string; msg?: string; error?: string; handler?: boolean; verify?: boolean; rollbackHook?: boolean }[] }>;
  summary: Record<string, number>;
}

/** crane-fix's report, without its own verify/rollback-hook steps; loop items lose their `(item=…)` suffix. */
export function craneResults(j: CraneJson): HostResults {
  const out: HostResults = new Map();
  for (const [h, r] of Object.entries(j.hosts)) {
    out.set(
      h,
      r.tasks
        .filter((t) => !t.verify && !t.rollbackHook)
        .map((t) => ({ name: t.name.replace(/ \(item=[\s\S]*\)$/, ''), status: t.status, ...(t.diff ? { diff: t.diff } : {}), msg: t.error ?? t.msg, handler: t.handler })),
    );
  }
  return out;
}

/** The results of one case's tasks (by name) on its host. */
export function caseResults(r: HostResults, host: string, names: string[]): TaskResult[] {
  const set = new Set(names);
  return (r.get(host) ?? []).filter((t) => set.has(t.name));
}

/** [name, status] pairs. */
export function statusPairs(list: TaskResult[]): [string, string][] {
  return list.map((t) => [t.name, t.status]);
}

/**
 * crane-fix's pairs aligned with Ansible's for comparison: where Ansible says "ignored" (a
 * failure under ignore_errors) crane-fix reports ok or changed — docs/parity.md#ignored-failures.
 */
export function alignIgnored(ansible: [string, string][], crane: [string, string][]): [string, string][] {
  return crane.map(([n, st], i) => {
    const a = ansible[i];
    return a && a[0] === n && a[1] === 'ignored' && (st === 'ok' || st === 'changed') ? [n, 'ignored'] : [n, st];
  });
}

/**
 * Diff bodies to compare. Normalised, each for a documented reason (docs/parity.md#diffs):
 * copy with `content` — Ansible's after-header is the controller temp file it uploads, ours is
 * the dest; sysctl — Ansible shows no diff, crane-fix shows the file diff.
 */
export function diffPairs(ansible: TaskResult[], crane: TaskResult[], localTmp: string): { name: string; ansible?: string; crane?: string }[] {
  const out: { name: string; ansible?: string; crane?: string }[] = [];
  const n = Math.max(ansible.length, crane.length);
  for (let i = 0; i < n; i++) {
    const a = ansible[i];
    const c = crane[i];
    let ad = a?.diff;
    let cd = c?.diff;
    const action = a?.action?.replace(/^ansible\.(builtin|legacy|posix)\./, '');
    if (action === 'copy' && a?.args?.includes('content')) {
      const hdr = /^\+\+\+ after: .*$/m;
      if (ad && new RegExp(`^\\+\\+\\+ after: ${localTmp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'm').test(ad)) {
        ad = ad.replace(hdr, '+++ after: <content>');
        cd = cd?.replace(hdr, '+++ after: <content>');
      }
    }
    if (action === 'sysctl' && ad === undefined) cd = undefined;
    // Attribute diffs: Ansible prints uid/gid numbers, crane-fix what the task said (names);
    // the files' real owners are compared byte for byte anyway.
    const ids = (d?: string) => d?.replace(/^([-+ ]\s*"(?:owner|group)": )[^,\n]*?(,?)$/gm, '$1<id>$2');
    ad = ids(ad);
    cd = ids(cd);
    out.push({ name: a?.name ?? c?.name ?? '?', ansible: ad, crane: cd });
  }
  return out;
}

/** `systemctl` calls that change something, as the lab's stand-in recorded them. */
export function mutatingCalls(calls: string[]): string[] {
  return calls.filter((c) => /^(daemon-reload|daemon-reexec|start|stop|restart|reload|try-restart|reload-or-restart|enable|disable|mask|unmask)\b/.test(c));
}

export function writeText(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
