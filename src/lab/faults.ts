/**
 * Fault controls for tests and the soak: each one does to a lab node what goes wrong in a
 * real fleet, through the node's own namespace, never touching this machine's files.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nodeExec, nodeProcesses, startSshd, type LabNode, type LabState, saveLabState, knownHostsText } from './lab.js';

const run = promisify(execFile);

/**
 * These faults act on the stand-ins and on a node whose anchor is `sleep`: on a systemd node
 * (src/lab/systemdNode.ts) they would do nothing (no stand-in reads the fault files) or kill
 * the whole node (its unshare takes systemd down with it). Break a unit there for real instead.
 */
function standinOnly(node: LabNode, what: string): void {
  if (node.variant?.systemd) throw new Error(`lab: ${what} does not work on ${node.name}, a systemd node (break its unit with a drop-in instead)`);
}

/** Kill the node's sshd and every session (the node "goes down"); its files survive. */
export async function stopNode(node: LabNode): Promise<void> {
  standinOnly(node, 'stopNode');
  // Until none is left: a shell of the node can fork (e.g. its next command) between the
  // listing and the kill, and a survivor would keep running — and holding the host lock.
  for (let pass = 0; pass < 20; pass++) {
    const pids = (await nodeProcesses(node)).filter((p) => p !== node.anchorPid);
    if (!pids.length) return;
    for (const p of pids) {
      try {
        process.kill(p, 'SIGCONT');
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  throw new Error(`stopNode ${node.name}: processes kept appearing after 20 kill passes`);
}

export async function startNode(state: LabState, node: LabNode): Promise<void> {
  node.sshdPid = await startSshd(node);
  await saveLabState(state);
}

/** SIGSTOP the node's sshd and sessions: TCP still accepts (kernel backlog) but nothing answers. */
export async function hangNode(node: LabNode): Promise<void> {
  standinOnly(node, 'hangNode');
  // Until a listing shows no process not yet stopped (one may fork between listing and kill).
  const stopped = new Set<number>();
  for (let pass = 0; pass < 20; pass++) {
    const fresh = (await nodeProcesses(node)).filter((p) => p !== node.anchorPid && !stopped.has(p));
    if (!fresh.length) return;
    for (const p of fresh) {
      stopped.add(p);
      try {
        process.kill(p, 'SIGSTOP');
      } catch {
        /* gone */
      }
    }
  }
}

export async function resumeNode(node: LabNode): Promise<void> {
  for (const p of await nodeProcesses(node)) {
    try {
      process.kill(p, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
}

/**
 * Give the node a new host key (what a MITM looks like to the client). The lab's
 * known_hosts keeps the old key unless `updateKnownHosts` is set.
 */
export async function rotateHostKey(state: LabState, node: LabNode, updateKnownHosts = false): Promise<void> {
  const key = path.join(node.dir, 'ssh_host_ed25519_key');
  await fs.rm(key, { force: true });
  await fs.rm(key + '.pub', { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${node.name}-rotated`, '-f', key]);
  node.hostKeyPub = (await fs.readFile(key + '.pub', 'utf8')).trim();
  // sshd re-reads its host keys when it re-execs on SIGHUP.
  process.kill(node.sshdPid, 'SIGHUP');
  await new Promise((r) => setTimeout(r, 300));
  if (updateKnownHosts) await fs.writeFile(state.knownHosts, knownHostsText(state.nodes));
  await saveLabState(state);
}

/**
 * Make a file on the node unwritable even for root: bind-mount it read-only over itself.
 * Rename onto it then fails (EBUSY) and in-place writes fail (EROFS).
 */
export async function makeUnwritable(node: LabNode, file: string): Promise<void> {
  const q = `'${file.replace(/'/g, `'\\''`)}'`;
  const r = await nodeExec(node, `mount --bind ${q} ${q} && mount -o remount,bind,ro ${q} ${q}`);
  if (r.rc !== 0) throw new Error(`lab: could not make ${file} unwritable on ${node.name}: ${r.stderr}`);
}

/** Fill the node's writable layer (the tmpfs under its /etc, /var, /root) to ENOSPC. */
export async function fillDisk(node: LabNode): Promise<void> {
  const rw = path.join(node.dir, 'rw');
  // Inside the node's namespace the tmpfs is mounted at `rw`; dd stops at ENOSPC (rc 1).
  await nodeExec(node, `dd if=/dev/zero of='${rw}/filler' bs=1M 2>/dev/null; sync`);
}

export async function clearDisk(node: LabNode): Promise<void> {
  await nodeExec(node, `rm -f '${path.join(node.dir, 'rw')}/filler'`);
}

/** Make `systemctl start/restart <unit>` fail on the node (a broken kubelet). */
export async function failUnitStart(node: LabNode, unit: string, fail = true, when?: { pattern: string; file: string }): Promise<void> {
  standinOnly(node, 'failUnitStart');
  const f = `/var/lib/crane-lab/fail-start/${unit.includes('.') ? unit : unit + '.service'}`;
  // The stand-in reads "PATTERN FILE" with `read -r pat file`: a blank in the pattern would
  // silently move into the file name, and the unit would never fail.
  if (when && /\s/.test(when.pattern)) throw new Error(`lab: failUnitStart pattern must have no blanks: ${JSON.stringify(when.pattern)}`);
  const content = when ? `${when.pattern} ${when.file}\n` : '';
  await nodeExec(node, fail ? `mkdir -p /var/lib/crane-lab/fail-start && cat > '${f}'` : `rm -f '${f}'`, content);
}

/**
 * The arguments of every call a recording stand-in (systemctl, flock) logged in the node,
 * oldest first: its log, /var/log/crane-lab/<tool>.log, has one "<pid> <tool> <args>" line each.
 */
async function recordedCalls(node: LabNode, tool: 'systemctl' | 'flock'): Promise<string[]> {
  const r = await nodeExec(node, `cat /var/log/crane-lab/${tool}.log 2>/dev/null`);
  const prefix = new RegExp(`^\\S+ ${tool} `);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(prefix, ''));
}

/** Every systemctl call the node has seen, oldest first (the stand-in's log). */
export async function systemctlCalls(node: LabNode): Promise<string[]> {
  standinOnly(node, 'systemctlCalls');
  // `systemctl restart -- kubelet` and `systemctl restart kubelet` are the same call.
  return (await recordedCalls(node, 'systemctl')).map((l) => l.replace(/ -- /g, ' '));
}

/**
 * Record every `flock` the node runs (the host lock's only process): a wrapper that logs its
 * arguments and execs the real flock (same process, same fd 9) is bind-mounted over
 * /usr/bin/flock inside the node's mount namespace only, as the systemctl stand-in is.
 * Refuses unless the command really runs in the node's namespace: this machine's flock is
 * never touched.
 */
export async function recordFlock(node: LabNode): Promise<void> {
  const r = await nodeExec(
    node,
    [
      `[ "$(readlink /proc/self/ns/mnt)" = '${node.mntNs}' ] || { echo 'not in the node namespace' >&2; exit 9; }`,
      "grep -q ' /usr/bin/flock ' /proc/self/mountinfo && exit 0",
      'mkdir -p /var/lib/crane-lab /var/log/crane-lab && cp /usr/bin/flock /var/lib/crane-lab/flock.real',
      `printf '%s\\n' '#!/bin/sh' 'printf "%s flock %s\\n" "$$" "$*" >> /var/log/crane-lab/flock.log' 'exec /var/lib/crane-lab/flock.real "$@"' > /var/lib/crane-lab/flock`,
      'chmod 755 /var/lib/crane-lab/flock && mount --bind /var/lib/crane-lab/flock /usr/bin/flock',
    ].join('\n'),
  );
  if (r.rc !== 0) throw new Error(`lab: could not record flock on ${node.name}: ${r.stderr}`);
}

/** Every flock call the node ran since `recordFlock`, oldest first (its arguments). */
export function flockCalls(node: LabNode): Promise<string[]> {
  return recordedCalls(node, 'flock');
}
