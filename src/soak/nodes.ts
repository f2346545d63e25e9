/**
 * What the soak does to and reads from lab nodes, always from inside the node's namespace
 * (nsenter, never SSH — so none of it shows up as a crane-fix session):
 *
 *  - the soak playbook (several files per host, a created file and directory, a mode change,
 *    an in-place write on the node whose resolv.conf is a bind mount);
 *  - reset to the seed state; per-file state (existence, type, mode, owner, sha256);
 *  - temp files a killed apply script left behind; session processes still alive after a run.
 */
import { readFileSync } from 'node:fs';
import { nodeExec, nodeProcesses, type LabNode } from '../lab/lab.js';
import { seedFiles } from '../lab/seed.js';
import { STANDIN_UNITS } from '../lab/standins.js';
import { shellQuote } from '../modules/shellQuote.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
const shq = (v: string | number): string => shellQuote(String(v));

export const NEW_DNS = '10.9.0.10';
export const SOAK_DIR_ON_NODE = '/etc/crane-fix-soak';
export const SOAK_MARKER = `${SOAK_DIR_ON_NODE}/marker.conf`;

/** The soak's own play: more files per host, of more kinds of change. */
export const SOAK_PLAYBOOK = `# crane-fix soak: a third play touching more files per host
- name: soak extra files
  hosts: all
  tasks:
    - name: kube-proxy listens on the node network only
      yaml_edit:
        path: /var/lib/kube-proxy/config.conf
        key: nodePortAddresses
        value: ["10.200.0.0/16"]
    - name: resolv.conf rotates nameservers (written in place where it is a bind mount)
      lineinfile:
        path: /etc/resolv.conf
        line: options rotate
    - name: a directory the run creates
      file:
        path: ${SOAK_DIR_ON_NODE}
        state: directory
        mode: "0750"
    - name: a file the run creates, in that directory
      copy:
        dest: ${SOAK_MARKER}
        content: "soaked by crane-fix on {{ inventory_hostname }}\\n"
        mode: "0640"
    - name: docker daemon.json is not world-readable
      file:
        path: /etc/docker/daemon.json
        mode: "0600"
`;

/** The plays of a soak run, in order, and the files each one touches. */
export const PLAYS: { target: (playbookFile: string) => string; files: string[] }[] = [
  { target: () => 'clusterip-dns', files: ['/etc/systemd/system/kubelet.service.d/10-kubelet.conf', '/var/lib/kubelet/config.yaml'] },
  { target: () => 'resolv-conf-trim', files: ['/etc/resolv.conf'] },
  { target: (f) => f, files: ['/var/lib/kube-proxy/config.conf', '/etc/resolv.conf', SOAK_DIR_ON_NODE, SOAK_MARKER, '/etc/docker/daemon.json'] },
];

export const TOUCHED: string[] = [...new Set(PLAYS.flatMap((p) => p.files))];
/** Files that exist in the seed state and can be made unwritable. */
export const UNWRITABLE_CANDIDATES = TOUCHED.filter((f) => f !== SOAK_DIR_ON_NODE && f !== SOAK_MARKER);
const TOUCHED_DIRS = [...new Set(TOUCHED.map((f) => f.replace(/\/[^/]*$/, '') || '/'))];

const CLEAN_BASHRC = "# crane-fix soak: a clean node (the lab inherits this machine's /root otherwise)\n";

function resetScript(node: LabNode): string {
  const lines = ['set -e', `printf %s ${shq(CLEAN_BASHRC)} > /root/.bashrc`];
  for (const [p, content] of Object.entries(seedFiles(node))) {
    // In place (`>`), not rename: /etc/resolv.conf is a bind mount on every 6th node.
    lines.push(`mkdir -p ${shq(p.replace(/\/[^/]*$/, '') || '/')}`);
    lines.push(`printf %s ${shq(Buffer.from(content).toString('base64'))} | base64 -d > ${shq(p)}`);
    lines.push(`chmod ${content.startsWith('#!') ? '0755' : '0644'} ${shq(p)}`, `chown 0:0 ${shq(p)}`);
  }
  lines.push(`rm -rf ${shq(SOAK_DIR_ON_NODE)}`);
  // Temp files of a killed apply were counted by the check after the run; clear them.
  for (const d of TOUCHED_DIRS) lines.push(`rm -f ${shq(d)}/.crane-fix.* 2>/dev/null || true`);
  lines.push('mkdir -p /var/log/crane-lab /var/lib/crane-lab/units /var/lib/crane-lab/fail-start');
  lines.push(': > /var/log/crane-lab/systemctl.log', 'rm -f /var/lib/crane-lab/fail-start/*');
  for (const u of STANDIN_UNITS) lines.push(`echo active > /var/lib/crane-lab/units/${u}.active`, `echo enabled > /var/lib/crane-lab/units/${u}.enabled`);
  lines.push('echo reset-ok');
  return lines.join('\n') + '\n';
}

export async function resetNode(node: LabNode): Promise<void> {
  const r = await nodeExec(node, 'exec /bin/sh -s', resetScript(node));
  if (r.rc !== 0 || !r.stdout.includes('reset-ok')) throw new Error(`soak: could not reset ${node.name} (rc ${r.rc}): ${r.stderr.trim()}`);
}

/** One file as the soak compares it: existence, type, permission bits, owner, content hash. */
export interface FileSnap {
  exists: boolean;
  type?: string;
  mode?: string;
  uid?: number;
  gid?: number;
  sha256?: string;
}

export type NodeSnap = Record<string, FileSnap>;

export function fileKey(f: FileSnap | undefined): string {
  if (!f || !f.exists) return 'absent';
  return `${f.type}|${f.mode}|${f.uid}:${f.gid}|${f.sha256 ?? '-'}`;
}

export function snapEqual(a: FileSnap | undefined, b: FileSnap | undefined): boolean {
  return fileKey(a) === fileKey(b);
}

/** The state of `paths` on a node, read in one nsenter. */
export async function snapNode(node: LabNode, paths: string[] = TOUCHED): Promise<NodeSnap> {
  const script = paths
    .map(
      (p, i) =>
        `p=${shq(p)}; if [ -e "$p" ] || [ -L "$p" ]; then s=$(stat -c '%F|%a|%u|%g' -- "$p"); h=-; [ -f "$p" ] && h=$(sha256sum < "$p" | cut -c1-64); echo "S ${i} $s|$h"; else echo "S ${i} absent"; fi`,
    )
    .join('\n');
  const r = await nodeExec(node, 'exec /bin/sh -s', script + '\n');
  const out: NodeSnap = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^S (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const p = paths[Number(m[1])]!;
    if (m[2] === 'absent') {
      out[p] = { exists: false };
      continue;
    }
    const [type, mode, uid, gid, sha] = m[2]!.split('|');
    out[p] = { exists: true, type, mode, uid: Number(uid), gid: Number(gid), ...(sha && sha !== '-' ? { sha256: sha } : {}) };
  }
  for (const p of paths) if (!out[p]) throw new Error(`soak: no state for ${p} on ${node.name}: ${r.stderr.trim()}`);
  return out;
}

/** Temp files (`.crane-fix.XXXXXX`) left in the directories of touched files. */
export async function leftoverTemps(node: LabNode): Promise<string[]> {
  const r = await nodeExec(node, `for d in ${TOUCHED_DIRS.map(shq).join(' ')}; do for f in "$d"/.crane-fix.*; do [ -e "$f" ] && echo "$f"; done; done; true`);
  return r.stdout.split('\n').filter(Boolean);
}

/** SSH session processes on the node (not the anchor, not the listening sshd). */
export async function sessionProcesses(node: LabNode): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of await nodeProcesses(node)) {
    if (pid === node.anchorPid || pid === node.sshdPid) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (!cmd || /^nsenter\b|crane-fix-soak-probe/.test(cmd)) continue;
    out.push({ pid, cmd });
  }
  return out;
}
