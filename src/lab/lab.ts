/**
 * The lab: simulated Kubernetes nodes, each a real OpenSSH sshd in its own mount + UTS
 * namespace, listening on its own loopback address 127.0.0.X:22.
 *
 * How a node is built (and why):
 *  - an *anchor* process (`sleep infinity`) is started with `unshare --mount --uts`; it holds
 *    the namespace so sshd can be stopped and started again (fault tests) without losing
 *    the node's files;
 *  - inside, a small tmpfs holds the upper layers of overlays on /etc, /var and /root, so
 *    a node can write its "own" /etc without this machine's files ever changing, and a
 *    full-disk fault is just filling that tmpfs;
 *  - /run is a private tmpfs (sshd privsep dir, per-node lock files);
 *  - stand-ins (systemctl) are overlaid on /usr/local/bin and bind-mounted over
 *    /usr/bin/systemctl inside the namespace only — except on a `systemd` node, which boots
 *    the real systemd as PID 1 of its own PID namespace (src/lab/systemdNode.ts);
 *  - an XFS disk on a loop device: ftype=1 disks are mounted at /var/lib/docker. ftype=0
 *    (no d_type) disks need XFS V4, which this kernel cannot mount, so they stay attached
 *    and unmounted, named by the `xfs_device` host var — a fresh data disk waiting to be
 *    initialised, which is exactly the notes' `mkfs.xfs -f -n ftype=1 /dev/xxx` case.
 *
 * Nothing here writes outside the lab directory except loop devices (detached by `down`).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs/promises';
import { existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import PQueue from 'p-queue';
import { labNodes, type NodeSpec } from './layout.js';
import { seedFiles } from './seed.js';
import { DOCKER_STANDIN, STANDIN_UNITS, SYSTEMCTL_STANDIN } from './standins.js';
import { labInventoryIni, labInventoryYaml } from './inventoryFiles.js';
import type { LabNode, LabState } from './types.js';
import { authorizedKeysFiles, checkVariant, variantScript, type NodeVariant } from './users.js';
import * as sd from './systemdNode.js';
import { ExitError, EXIT } from '../errors.js';

const run = promisify(execFile);

export const DEFAULT_LAB_DIR = '/tmp/crane-fix-lab';
const DISK_SIZE = '300M'; // mkfs.xfs refuses smaller filesystems
/** Top-level dirs each node gets its own writable copy of (overlay, upper layer on tmpfs). */
const OVERLAY_DIRS = ['etc', 'var', 'root', 'opt', 'usr'];
const RW_SIZE = '64m';
/**
 * Nodes prepared and booted at once. All at once is fine for tens of nodes; at 1,000 it
 * starts ~3,000 processes together on a 2-core machine and boots miss their timeouts.
 */
const BOOT_CONCURRENCY = 32;

export type { LabNode, LabState } from './types.js';

export function stateFile(dir: string): string {
  return path.join(dir, 'lab.json');
}

export async function readLabState(dir = DEFAULT_LAB_DIR): Promise<LabState | undefined> {
  try {
    return JSON.parse(await fs.readFile(stateFile(dir), 'utf8')) as LabState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeLabState(state: LabState): Promise<void> {
  const tmp = stateFile(state.dir) + '.tmp';
  await fs.writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await fs.rename(tmp, stateFile(state.dir));
}

/** Which OS tools the lab needs; a clear message instead of an obscure spawn error. */
export function labPrerequisites(): string[] {
  const missing: string[] = [];
  const need: [string, string][] = [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/bin/nsenter', 'util-linux'],
    ['/sbin/mkfs.xfs', 'xfsprogs'],
    ['/sbin/losetup', 'mount'],
  ];
  for (const [bin, pkg] of need) {
    const alt = bin.replace(/^\/sbin\//, '/usr/sbin/');
    if (!existsSync(bin) && !existsSync(alt)) missing.push(`${bin} (apt-get install ${pkg})`);
  }
  return missing;
}

export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'the lab needs Linux namespaces';
  if (process.getuid?.() !== 0) return 'the lab needs root (mount namespaces, loop devices)';
  const missing = labPrerequisites();
  if (missing.length) return `missing: ${missing.join(', ')}`;
  return undefined;
}

function sshdConfig(node: NodeSpec, dir: string, labDir: string, variant?: NodeVariant): string {
  return [
    `# crane-fix lab node ${node.name}`,
    `ListenAddress ${node.ip}:22`,
    `HostKey ${path.join(dir, 'ssh_host_ed25519_key')}`,
    authorizedKeysFiles(path.join(labDir, 'authorized_keys')),
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The lab's files sit under /tmp, which StrictModes would reject.
    'StrictModes no',
    'UsePAM no',
    'PidFile none',
    // VERBOSE logs "Starting session" lines: the benchmark counts sessions per host from them.
    `LogLevel ${variant?.sshdLogLevel ?? 'VERBOSE'}`,
    // Many parallel connections from one client (benchmarks at 200 nodes, forks=200).
    'MaxStartups 1000:30:2000',
    'MaxSessions 10',
    'UseDNS no',
    'Subsystem sftp internal-sftp',
    'AcceptEnv LANG LC_*',
    '',
  ].join('\n');
}

function bootScript(node: NodeSpec, dir: string, labDir: string, loop?: string, variant?: NodeVariant, publicKey = ''): string {
  const rw = path.join(dir, 'rw');
  const seed = path.join(dir, 'seed');
  const standins = variant?.systemd ? sd.systemdStandinsDir(labDir) : path.join(labDir, 'standins');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
# Boot script of lab node ${node.name}; runs inside its own mount+UTS namespace.
set -eu
mount --make-rprivate /
hostname ${q(node.hostname)}
mount -t tmpfs -o size=${RW_SIZE},mode=0755 crane-lab-rw ${q(rw)}
for d in ${OVERLAY_DIRS.join(' ')}; do mkdir -p ${q(rw)}/$d-up ${q(rw)}/$d-wk; cp -a ${q(seed)}/$d/. ${q(rw)}/$d-up/; done
mkdir -p ${q(rw)}/var-up/lib/docker ${q(rw)}/var-up/log/crane-lab ${q(rw)}/var-up/lib/crane-lab/units ${q(rw)}/var-up/lib/crane-lab/fail-start
: > ${q(rw)}/var-up/lib/crane-lab/units/.daemon-reload
for u in ${STANDIN_UNITS.join(' ')}; do echo active > ${q(rw)}/var-up/lib/crane-lab/units/$u.active; echo enabled > ${q(rw)}/var-up/lib/crane-lab/units/$u.enabled; done
for d in ${OVERLAY_DIRS.join(' ')}; do
  [ -d /$d ] || continue
  mount -t overlay crane-lab-$d -o lowerdir=/$d,upperdir=${q(rw)}/$d-up,workdir=${q(rw)}/$d-wk /$d
done
mount -t tmpfs -o mode=0755 crane-lab-run /run
mkdir -p /run/sshd /run/lock /run/systemd/system
# As on a real node (a tmpfs mounted 1777): a become_user other than root can take the host lock.
chmod 1777 /run/lock
mount -t overlay crane-lab-bin -o lowerdir=${q(standins)}:/usr/local/bin /usr/local/bin
${variant?.systemd ? '# the real systemctl' : `if [ -e /usr/bin/systemctl ]; then mount --bind ${q(standins)}/systemctl /usr/bin/systemctl; fi`}
${loop && node.diskFtype === 1 ? `mount -t xfs -o nouuid ${q(loop)} /var/lib/docker` : '# no mountable data disk'}
${
  node.resolvBindMounted
    ? `cp /etc/resolv.conf ${q(rw)}/resolv.conf.bind && mount --bind ${q(rw)}/resolv.conf.bind /etc/resolv.conf`
    : '# /etc/resolv.conf is a plain file'
}
${variant ? variantScript(variant, node.hostname, publicKey) : '# no node variant'}
# drop_caches acts on the whole machine's kernel: inside a node it writes a recorder file.
: > ${q(rw)}/drop_caches && mount --bind ${q(rw)}/drop_caches /proc/sys/vm/drop_caches
${variant?.systemd ? sd.systemdBootTail(dir, path.join(dir, 'ready')) : `echo ready > ${q(path.join(dir, 'ready'))}\nexec sleep infinity\n`}`;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`lab: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}

function spawnDetached(cmd: string, args: string[], logFile?: string): number {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  if (!child.pid) throw new Error(`lab: could not start ${cmd}`);
  return child.pid;
}

export async function startSshd(node: LabNode): Promise<number> {
  const pid = spawnDetached('nsenter', [
    '-t',
    String(node.anchorPid),
    '-m',
    '-u',
    '/usr/sbin/sshd',
    '-D',
    '-f',
    path.join(node.dir, 'sshd_config'),
    '-E',
    path.join(node.dir, 'sshd.log'),
  ]);
  await waitFor(`sshd of ${node.name} on ${node.ip}:22`, 10_000, () => tcpOpen(node.ip, 22));
  return pid;
}

async function mkfsTemplate(file: string, ftype: 0 | 1): Promise<void> {
  await fs.rm(file, { force: true });
  await run('truncate', ['-s', DISK_SIZE, file]);
  const args = ftype === 0 ? ['-q', '-m', 'crc=0', '-n', 'ftype=0', file] : ['-q', '-n', 'ftype=1', file];
  await run('mkfs.xfs', args);
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [p, content] of Object.entries(files)) {
    const dest = path.join(root, p);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    // Scripts (a #! line) are executable, like the binaries they stand for.
    await fs.writeFile(dest, content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
  }
}

export interface LabUpOptions {
  nodes: number;
  dir?: string;
  /** Skip the XFS loop disks (faster; the xfs-ftype checks then report 'unknown'). */
  disks?: boolean;
  /** Nodes get 127.0.<subnet>.11…; give concurrent labs different subnets. */
  subnet?: number;
  /** Per node name: a login user with real sudo, another /bin/sh, … (src/lab/users.ts). */
  variants?: Record<string, NodeVariant>;
  log?: (line: string) => void;
}

export async function labUp(opts: LabUpOptions): Promise<LabState> {
  const dir = path.resolve(opts.dir ?? DEFAULT_LAB_DIR);
  const log = opts.log ?? (() => {});
  const why = labUnavailableReason();
  if (why) throw new ExitError(EXIT.INPUT, `lab: ${why}`);
  const specs = labNodes(opts.nodes, opts.subnet ?? 0);
  for (const [name, v] of Object.entries(opts.variants ?? {})) {
    if (!specs.some((s) => s.name === name)) throw new ExitError(EXIT.INPUT, `lab: a variant names ${name}, which is not one of the lab's nodes`);
    checkVariant(v);
    const noSystemd = v.systemd ? sd.systemdUnavailableReason() : undefined;
    if (noSystemd) throw new ExitError(EXIT.INPUT, `lab: ${name} is a systemd node, but ${noSystemd}`);
  }
  if (await readLabState(dir)) {
    throw new ExitError(EXIT.INPUT, `lab: a lab is already up in ${dir}; run 'crane-fix lab down --dir ${dir}' first`);
  }
  const busy = (await Promise.all(specs.map(async (s) => ((await tcpOpen(s.ip, 22)) ? s.ip : '')))).filter(Boolean);
  if (busy.length) throw new ExitError(EXIT.INPUT, `lab: something already listens on ${busy.join(', ')} port 22`);

  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.join(dir, 'nodes'), { recursive: true, mode: 0o700 });
  await fs.mkdir(path.join(dir, 'standins'), { recursive: true });
  await fs.writeFile(path.join(dir, 'standins', 'systemctl'), SYSTEMCTL_STANDIN, { mode: 0o755 });
  await fs.writeFile(path.join(dir, 'standins', 'docker'), DOCKER_STANDIN, { mode: 0o755 });

  const privateKey = path.join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'crane-fix-lab', '-f', privateKey]);
  const publicKey = privateKey + '.pub';
  await fs.copyFile(publicKey, path.join(dir, 'authorized_keys'));

  const useDisks = opts.disks !== false;
  const templates: Record<0 | 1, string> = { 0: path.join(dir, 'disk-ftype0.img'), 1: path.join(dir, 'disk-ftype1.img') };
  if (useDisks) await Promise.all([mkfsTemplate(templates[0], 0), mkfsTemplate(templates[1], 1)]);

  // Per-node files and keys, in parallel (bounded).
  const prep = new PQueue({ concurrency: BOOT_CONCURRENCY });
  await Promise.all(
    specs.map((spec) => prep.add(async () => {
      const ndir = path.join(dir, 'nodes', spec.name);
      await fs.mkdir(path.join(ndir, 'rw'), { recursive: true });
      const byTop: Record<string, Record<string, string>> = Object.fromEntries(OVERLAY_DIRS.map((d) => [d, {}]));
      for (const [p, c] of Object.entries(seedFiles(spec))) {
        const top = p.split('/')[1]!;
        if (!byTop[top]) throw new Error(`lab: seed file ${p} is outside the node's overlays (${OVERLAY_DIRS.join(', ')})`);
        byTop[top]![p.slice(top.length + 1)] = c;
      }
      for (const d of OVERLAY_DIRS) {
        await fs.mkdir(path.join(ndir, 'seed', d), { recursive: true });
        await writeTree(path.join(ndir, 'seed', d), byTop[d]!);
      }
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', spec.name, '-f', path.join(ndir, 'ssh_host_ed25519_key')]);
      await fs.writeFile(path.join(ndir, 'sshd_config'), sshdConfig(spec, ndir, dir, opts.variants?.[spec.name]));
      if (useDisks) await run('cp', ['--sparse=always', templates[spec.diskFtype], path.join(ndir, 'disk.img')]);
    })),
  );

  // Loop devices one at a time: `losetup --find` races with itself.
  const loops = new Map<string, string>();
  if (useDisks) {
    for (const spec of specs) {
      const { stdout } = await run('losetup', ['--find', '--show', path.join(dir, 'nodes', spec.name, 'disk.img')]);
      loops.set(spec.name, stdout.trim());
    }
  }

  const state: LabState = {
    dir,
    createdAt: new Date().toISOString(),
    privateKey,
    publicKey,
    knownHosts: path.join(dir, 'known_hosts'),
    inventoryYaml: path.join(dir, 'inventory.yaml'),
    inventoryIni: path.join(dir, 'nodes.ini'),
    nodes: [],
  };
  // Record what exists so far, so `lab down` can clean up even if booting fails half-way.
  const partial: LabNode[] = specs.map((spec) => ({
    ...spec,
    dir: path.join(dir, 'nodes', spec.name),
    anchorPid: 0,
    sshdPid: 0,
    mntNs: '',
    loopDevice: loops.get(spec.name),
    hostKeyPub: '',
    ...(opts.variants?.[spec.name] ? { variant: opts.variants[spec.name] } : {}),
  }));
  state.nodes = partial;
  await writeLabState(state);

  // allSettled, not all: on a failure every other node must have finished booting (or
  // failed) before teardown, or a half-booted namespace would keep its loop mount alive.
  const boots = new PQueue({ concurrency: BOOT_CONCURRENCY });
  const booted = await Promise.allSettled(
      partial.map((node) => boots.add(async () => {
        const boot = path.join(node.dir, 'boot.sh');
        await fs.writeFile(boot, bootScript(node, node.dir, dir, node.loopDevice, node.variant, node.variant ? readFileSync(publicKey, 'utf8') : ''), { mode: 0o755 });
        const systemd = node.variant?.systemd === true;
        if (systemd) await sd.writeSystemdFiles(dir, node.dir);
        const [cmd, args] = systemd ? sd.systemdSpawn(node.dir, boot) : ['unshare', ['--mount', '--uts', '--propagation', 'private', '/bin/sh', boot]];
        node.anchorPid = spawnDetached(cmd, args, path.join(node.dir, 'boot.log'));
        await waitFor(`${node.name} to boot`, 15_000, async () => {
          if (existsSync(path.join(node.dir, 'ready'))) return true;
          // The anchor exiting means the boot script failed: say why instead of timing out.
          try {
            process.kill(node.anchorPid, 0);
          } catch {
            const bootLog = readFileSync(path.join(node.dir, 'boot.log'), 'utf8');
            throw new Error(`lab: ${node.name} failed to boot:\n${bootLog}`);
          }
          return false;
        });
        // The anchor exec'd `sleep infinity` after `ready`; its namespace is the node's. On a
        // systemd node the anchor is systemd, PID 1 of the namespace (unshare's child).
        if (systemd) node.anchorPid = sd.childPid(node.anchorPid);
        await waitFor(`${node.name} anchor`, 5_000, async () => {
          try {
            return (await fs.readlink(`/proc/${node.anchorPid}/exe`)).endsWith(systemd ? '/systemd' : '/sleep');
          } catch {
            return false;
          }
        });
        node.mntNs = await fs.readlink(`/proc/${node.anchorPid}/ns/mnt`);
        if (systemd) {
          // sshd listening: systemd (which opened its bus before starting units) is up. Then up
          // means booted: crane-lab.target reached, kubelet started too.
          await waitFor(`sshd of ${node.name} on ${node.ip}:22 (crane-lab-sshd.service)`, 15_000, () => tcpOpen(node.ip, 22));
          const r = await nodeExec(node, 'timeout 20 systemctl is-system-running --wait');
          if (r.stdout.trim() !== 'running') throw new Error(`lab: ${node.name}: systemd says ${JSON.stringify(r.stdout.trim())} ${r.stderr}`);
          node.sshdPid = sd.unitMainPid(node.dir, 'crane-lab-sshd.service');
        } else node.sshdPid = await startSshd(node);
        node.hostKeyPub = (await fs.readFile(path.join(node.dir, 'ssh_host_ed25519_key.pub'), 'utf8')).trim();
      })),
  );
  const failed = booted.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await writeLabState(state);
    log(`lab: boot failed, tearing down: ${(failed.reason as Error).message}`);
    await labDown({ dir });
    throw failed.reason;
  }

  await fs.writeFile(state.knownHosts, knownHostsText(partial), { mode: 0o644 });
  await fs.writeFile(state.inventoryYaml, labInventoryYaml(state));
  await fs.writeFile(state.inventoryIni, labInventoryIni(state));
  await writeLabState(state);
  log(`lab: ${partial.length} nodes up in ${dir}`);
  return state;
}

export function knownHostsText(nodes: LabNode[]): string {
  return nodes.map((n) => `${n.ip} ${n.hostKeyPub.split(' ').slice(0, 2).join(' ')}\n`).join('');
}

/** pid -> mount namespace, for every process we can see. One /proc scan serves all nodes. */
async function processesByMntNs(): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ns = await fs.readlink(`/proc/${entry}/ns/mnt`);
      const list = out.get(ns) ?? [];
      list.push(Number(entry));
      out.set(ns, list);
    } catch {
      // exited meanwhile, or a kernel thread
    }
  }
  return out;
}

export async function nodeProcesses(node: LabNode): Promise<number[]> {
  if (!node.mntNs) return node.anchorPid ? [node.anchorPid] : [];
  return (await processesByMntNs()).get(node.mntNs) ?? [];
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export interface LabDownResult {
  killed: number;
  loopsDetached: number;
  leftovers: string[];
}

export async function labDown(opts: { dir?: string } = {}): Promise<LabDownResult> {
  const dir = path.resolve(opts.dir ?? DEFAULT_LAB_DIR);
  const state = await readLabState(dir);
  const result: LabDownResult = { killed: 0, loopsDetached: 0, leftovers: [] };
  if (!state) return result;
  const byNs = await processesByMntNs();
  const pids = new Set<number>();
  for (const node of state.nodes) {
    if (node.mntNs) for (const p of byNs.get(node.mntNs) ?? []) pids.add(p);
    if (node.anchorPid) pids.add(node.anchorPid);
    if (node.sshdPid) pids.add(node.sshdPid);
    if (node.variant?.systemd) for (const p of sd.cgroupPids(sd.nodeCgroup(node.dir))) pids.add(p);
  }
  // Ours only: a recorded pid may have been reused by an unrelated process since.
  const mine = [...pids].filter((pid) => {
    try {
      const ns = readlinkSync(`/proc/${pid}/ns/mnt`);
      return state.nodes.some((n) => n.mntNs && n.mntNs === ns) || isLabCommand(pid, dir);
    } catch {
      return false;
    }
  });
  signal(mine, 'SIGCONT'); // hung (SIGSTOPped) nodes must wake to die
  signal(mine, 'SIGKILL');
  result.killed = mine.length;
  await waitFor('lab processes to exit', 10_000, () => mine.every((p) => !alive(p)));
  for (const node of state.nodes) {
    if (!node.loopDevice) continue;
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      try {
        const { stdout } = await run('losetup', ['--list', '--noheadings', '-O', 'BACK-FILE', node.loopDevice]);
        if (!stdout.includes(node.dir)) {
          ok = true; // not ours any more (or already detached)
          break;
        }
        await run('losetup', ['-d', node.loopDevice]);
        ok = true;
        result.loopsDetached++;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!ok) result.leftovers.push(`loop device ${node.loopDevice}`);
  }
  for (const node of state.nodes) {
    const left = node.variant?.systemd ? await sd.removeCgroup(sd.nodeCgroup(node.dir)) : undefined;
    if (left) result.leftovers.push(left);
  }
  await fs.rm(dir, { recursive: true, force: true });
  return result;
}


function isLabCommand(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); treat it as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

export interface NodeStatus {
  name: string;
  ip: string;
  hostname: string;
  anchor: boolean;
  sshd: boolean;
  listening: boolean;
  stopped: boolean;
}

export async function labStatus(opts: { dir?: string } = {}): Promise<{ state?: LabState; nodes: NodeStatus[] }> {
  const state = await readLabState(opts.dir);
  if (!state) return { nodes: [] };
  const nodes = await Promise.all(
    state.nodes.map(async (n) => {
      const stat = (() => {
        try {
          return readFileSync(`/proc/${n.sshdPid}/stat`, 'utf8');
        } catch {
          return '';
        }
      })();
      return {
        name: n.name,
        ip: n.ip,
        hostname: n.hostname,
        anchor: alive(n.anchorPid),
        sshd: alive(n.sshdPid),
        stopped: /\) T /.test(stat),
        listening: await tcpOpen(n.ip, 22),
      };
    }),
  );
  return { state, nodes };
}

/** Run a shell command *inside* a node (its mount + UTS namespace), bypassing SSH. For tests and faults. */
export async function nodeExec(
  node: LabNode,
  command: string,
  input?: string,
): Promise<{ rc: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // -p on a systemd node: the command runs under its systemd's PID namespace, as an SSH session does.
    const ns = node.variant?.systemd ? ['-m', '-u', '-p'] : ['-m', '-u'];
    const child = spawn('nsenter', ['-t', String(node.anchorPid), ...ns, '/bin/sh', '-c', command], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ rc: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {}); // the command may exit without reading its input (EPIPE)
    child.stdin.end(input ?? '');
  });
}

export async function saveLabState(state: LabState): Promise<void> {
  await writeLabState(state);
}
