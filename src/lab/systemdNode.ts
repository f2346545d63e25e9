/**
 * The `systemd` node variant (issue 19 part 5): the node's namespace boots the real systemd
 * (252 here) as its PID 1, with the node's sshd and a kubelet stand-in as units under it, so
 * `systemctl daemon-reload`, `restart` and their failures in an SSH session are systemd's own.
 *
 * How (and why) a systemd node differs from a plain one (src/lab/lab.ts):
 *  - it gets its own PID and cgroup namespaces as well as mount + UTS: systemd must be PID 1,
 *    and the kernel kills the whole PID namespace with it, so `lab down` leaves nothing;
 *  - it runs in its own cgroup (CGROUP_ROOT/<node>), entered before `unshare --cgroup`, and
 *    mounts cgroup2 on its own /sys/fs/cgroup: systemd's init.scope and system.slice/*.service
 *    are then made under that cgroup, not at this machine's cgroup root, where two nodes'
 *    system.slice/kubelet.service would be one cgroup (and a stop on one node would kill the
 *    other's kubelet). `lab down` removes that cgroup tree;
 *  - only the lab's units are visible: a units directory is bind-mounted over
 *    /usr/lib/systemd/system and an empty one over the generators, and this machine's entries
 *    in /etc/systemd/system are deleted in the node's /etc overlay (whiteouts; the kubelet
 *    drop-in stays). The node boots `crane-lab.target`, which wants only sshd and kubelet, so
 *    no service of this machine starts;
 *  - there is no systemctl stand-in: /usr/bin/systemctl is the real one, and /usr/local/bin
 *    holds the docker and kubelet stand-ins only.
 */
import * as fs from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DOCKER_STANDIN } from './standins.js';

/** Where this machine has cgroup2: /sys/fs/cgroup/unified in a hybrid layout (this one), else /sys/fs/cgroup itself. */
export const CGROUP2_MOUNT = existsSync('/sys/fs/cgroup/cgroup.procs') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
/** Every systemd node's cgroup is a child of this one (removed again when empty). */
export const CGROUP_ROOT = path.join(CGROUP2_MOUNT, 'crane-lab');
export const SYSTEMD_BIN = '/lib/systemd/systemd';
/** kubeadm's kubelet.service waits 10 s; 1 s here so a crash loop shows within a test. */
export const KUBELET_RESTART_SEC = 1;
export const KUBELET_LOG = '/var/log/crane-lab/kubelet.log';

/** Why a systemd node cannot boot here, or undefined. */
export function systemdUnavailableReason(): string | undefined {
  if (!existsSync(SYSTEMD_BIN)) return `no ${SYSTEMD_BIN} (apt-get install systemd)`;
  try {
    if (!readFileSync('/proc/filesystems', 'utf8').includes('cgroup2')) return 'the kernel has no cgroup2';
  } catch {
    return 'cannot read /proc/filesystems';
  }
  if (!existsSync(path.join(CGROUP2_MOUNT, 'cgroup.procs'))) return `cgroup2 is not mounted at ${CGROUP2_MOUNT}`;
  return undefined;
}

/** The node's cgroup on this machine: one per lab dir and node, so labs never share one. */
export function nodeCgroup(nodeDir: string): string {
  return path.join(CGROUP_ROOT, nodeDir.replace(/^\//, '').replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/**
 * A kubelet stand-in that reads its configuration as kubelet does at start: the --config file's
 * clusterDNS and the --cluster-dns flag must be IPv4 addresses, else it exits 1 (as a kubelet
 * with a broken config does, which a Restart=always unit then restarts). `--check` only checks
 * (for an ExecStartPre). Otherwise it logs one line (its pid, clusterDNS and argv: the process
 * itself is then `sleep infinity`) and stays up.
 */
export const KUBELET_STANDIN = `#!/bin/sh
# crane-fix lab stand-in for kubelet (under the node's real systemd).
config= dns= check=
for a in "$@"; do
  case "$a" in
    --config=*) config=\${a#--config=} ;;
    --cluster-dns=*) dns=\${a#--cluster-dns=} ;;
    --check) check=1 ;;
  esac
done
ips=$(printf '%s\\n' "$dns" | tr , ' ')
if [ -n "$config" ]; then
  [ -r "$config" ] || { echo "E kubelet: failed to load kubelet config file $config: no such file" >&2; exit 1; }
  ips="$ips $(awk '/^clusterDNS:/ { f = 1; next } f && /^- / { sub(/^- */, ""); sub(/[ \\t]*#.*/, ""); print; next } { f = 0 }' "$config")"
fi
for ip in $ips; do
  if ! printf '%s\\n' "$ip" | awk -F. 'NF != 4 { exit 1 } { for (i = 1; i <= 4; i++) if ($i !~ /^[0-9]+$/ || $i > 255) exit 1 }'; then
    echo "E kubelet: invalid configuration: clusterDNS: invalid IP address \\"$ip\\"" >&2
    exit 1
  fi
done
[ -n "$check" ] && exit 0
echo "kubelet pid $$ started: clusterDNS$(printf ' %s' $ips); args: $*"
exec sleep infinity
`;

/** Unit files of a systemd node (its /usr/lib/systemd/system). */
export function systemdUnits(node: { dir: string }): Record<string, string> {
  const units: Record<string, string> = {};
  // Without these, every start fails with "Unit sysinit.target not found." (scripts/systemd-probe.sh).
  for (const t of ['sysinit', 'basic', 'shutdown', 'sockets', 'timers', 'paths', 'slices', 'network-online']) {
    units[`${t}.target`] = `[Unit]\nDescription=${t} (crane-fix lab)\n`;
  }
  units['crane-lab.target'] = '[Unit]\nDescription=crane-fix lab node\nWants=crane-lab-sshd.service kubelet.service dbus.socket\n';
  // Debian's D-Bus system bus, started on the first connection: root's systemctl uses
  // /run/systemd/private, every other user's goes through the bus ("Failed to connect to bus"
  // without it).
  units['dbus.socket'] = '[Unit]\nDescription=D-Bus System Message Bus Socket\n[Socket]\nListenStream=/run/dbus/system_bus_socket\n';
  units['dbus.service'] =
    '[Unit]\nDescription=D-Bus System Message Bus\nRequires=dbus.socket\n[Service]\nType=notify\nNotifyAccess=main\n' +
    'ExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only\n';
  // KillMode=process: restarting sshd must not end the sessions (as Debian's ssh.service).
  units['crane-lab-sshd.service'] =
    '[Unit]\nDescription=OpenSSH server of the crane-fix lab node\n[Service]\n' +
    `ExecStart=/usr/sbin/sshd -D -f ${path.join(node.dir, 'sshd_config')} -E ${path.join(node.dir, 'sshd.log')}\n` +
    'KillMode=process\nRestart=on-failure\n';
  // Debian's kubelet package unit (kubeadm's drop-in 10-kubelet.conf sets ExecStart).
  units['kubelet.service'] =
    '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\nWants=network-online.target\nAfter=network-online.target\n' +
    '[Service]\nExecStart=/usr/local/bin/kubelet\nRestart=always\nStartLimitInterval=0\n' +
    `RestartSec=${KUBELET_RESTART_SEC}\nStandardOutput=append:${KUBELET_LOG}\nStandardError=append:${KUBELET_LOG}\n` +
    '[Install]\nWantedBy=multi-user.target\n';
  return units;
}

/** Files the lab writes for a systemd node before it boots. */
export async function writeSystemdFiles(labDir: string, nodeDir: string): Promise<void> {
  const bin = path.join(labDir, 'standins-systemd');
  await fs.mkdir(bin, { recursive: true });
  await fs.writeFile(path.join(bin, 'docker'), DOCKER_STANDIN, { mode: 0o755 });
  await fs.writeFile(path.join(bin, 'kubelet'), KUBELET_STANDIN, { mode: 0o755 });
  const units = path.join(nodeDir, 'units');
  await fs.mkdir(path.join(nodeDir, 'generators'), { recursive: true });
  await fs.mkdir(units, { recursive: true });
  for (const [name, text] of Object.entries(systemdUnits({ dir: nodeDir }))) await fs.writeFile(path.join(units, name), text);
  await fs.mkdir(nodeCgroup(nodeDir), { recursive: true });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The /usr/local/bin overlay's lower dir on a systemd node (no systemctl stand-in). */
export const systemdStandinsDir = (labDir: string) => path.join(labDir, 'standins-systemd');

/** The end of a systemd node's boot script (after overlays, /run and the node variant). */
export function systemdBootTail(nodeDir: string, readyFile: string): string {
  return `# systemd node (src/lab/systemdNode.ts): this script is PID 1 of the node's PID namespace.
mount -t cgroup2 crane-lab-cgroup /sys/fs/cgroup
mount --bind ${q(path.join(nodeDir, 'units'))} /usr/lib/systemd/system
mount --bind ${q(path.join(nodeDir, 'generators'))} /usr/lib/systemd/system-generators
for f in /etc/systemd/system/* /etc/systemd/system/.[!.]*; do
  case "$f" in */kubelet.service.d|*'*') ;; *) rm -rf "$f" ;; esac
done
# Kernel-wide settings are this machine's: systemd raises fs.file-max at boot (as on any host;
# it did so here once, docs/nodes.md). Read-only /proc/sys makes that fail, as in a container;
# the drop_caches recorder mounted under it stays writable.
mount --rbind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
# So are the console and the VTs: systemd writes its messages to /dev/console and asks /dev/tty0
# for keyboard requests (KDSIGACCEPT). Both are /dev/null in the node (a regular file as the
# console would stay empty: systemd cannot make it its terminal and falls back to /dev/null).
mount --bind /dev/null /dev/console && mount --bind /dev/null /dev/tty0
mkdir -p /var/log/crane-lab
echo ready > ${q(readyFile)}
export container=crane-lab
exec ${SYSTEMD_BIN} --log-target=console --log-level=warning --unit=crane-lab.target
`;
}

/** The command that starts a systemd node: enter its cgroup, then the new namespaces. */
export function systemdSpawn(nodeDir: string, bootScript: string): [string, string[]] {
  const cg = nodeCgroup(nodeDir);
  // --kill-child: if unshare dies, so does systemd (and with it the whole PID namespace).
  const unshare = `exec unshare --mount --uts --pid --cgroup --fork --mount-proc --kill-child --propagation private /bin/sh ${q(bootScript)}`;
  return ['/bin/sh', ['-c', `echo $$ > ${q(path.join(cg, 'cgroup.procs'))} && ${unshare}`]];
}

/** The only child of `pid` (unshare --fork's): PID 1 of the node, as this machine sees it. */
export function childPid(pid: number): number {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  if (!/^\d+$/.test(kids)) throw new Error(`lab: expected one child of unshare ${pid}, found ${JSON.stringify(kids)}`);
  return Number(kids);
}

/** A unit's main process on a systemd node (this machine's pid): the one whose parent is not in the unit. */
export function unitMainPid(nodeDir: string, unit: string): number {
  const pids = cgroupPids(path.join(nodeCgroup(nodeDir), 'system.slice', unit));
  const ppid = (p: number) => {
    try {
      return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    } catch {
      return 0;
    }
  };
  const main = pids.filter((p) => !pids.includes(ppid(p)));
  if (main.length !== 1) throw new Error(`lab: ${unit} of ${nodeDir} has ${main.length} main processes (${pids.join(' ')})`);
  return main[0]!;
}

/** Every pid in a cgroup tree (this machine's view). */
export function cgroupPids(cg: string): number[] {
  const out: number[] = [];
  const walk = (d: string) => {
    try {
      for (const l of readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) out.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    } catch {
      // gone meanwhile
    }
  };
  walk(cg);
  return out;
}

/** Removes a node's (empty) cgroup tree, children first; then CGROUP_ROOT if no lab uses it. */
export async function removeCgroup(cg: string): Promise<string | undefined> {
  const rm = async (d: string): Promise<void> => {
    let entries: string[] = [];
    try {
      entries = (await fs.readdir(d, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) await rm(path.join(d, e));
    await fs.rmdir(d);
  };
  for (let i = 0; i < 50; i++) {
    try {
      await rm(cg);
      break;
    } catch (e) {
      // EBUSY while the killed processes are still being reaped.
      if (i === 49) return `cgroup ${cg}: ${(e as Error).message}`;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await fs.rmdir(CGROUP_ROOT).catch(() => {}); // another lab's node may still be in it
  return undefined;
}
