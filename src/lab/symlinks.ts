/**
 * Symlinked node files (issue 19 part 3), made inside the node's own namespaces: its /run is
 * a private tmpfs and /etc, /opt are its own overlays (lab.ts), so nothing of this machine
 * changes.
 *  - /etc/resolv.conf as systemd-resolved leaves it: a link to /run/systemd/resolve/resolv.conf
 *    (absolute, "uplink" mode) or ../run/systemd/resolve/stub-resolv.conf (relative, the
 *    default of Debian/Ubuntu's systemd-resolved package);
 *  - kubelet's drop-in kept in a config repository (/opt/config-repo) and linked into
 *    /etc/systemd/system/kubelet.service.d.
 * The target gets the file's current bytes, so the fixes find what they found before.
 */
import { nodeExec, type LabNode } from './lab.js';

export type ResolvLink = 'absolute' | 'relative';

export const RESOLVED_UPLINK = '/run/systemd/resolve/resolv.conf';
export const RESOLVED_STUB = '/run/systemd/resolve/stub-resolv.conf';
export const KUBELET_DROPIN = '/etc/systemd/system/kubelet.service.d/10-kubelet.conf';
export const KUBELET_DROPIN_REPO = '/opt/config-repo/kubelet/10-kubelet.conf';

/** What a link points at, as written (readlink): the absolute or relative form. */
export function resolvLinkText(kind: ResolvLink): string {
  return kind === 'absolute' ? RESOLVED_UPLINK : `..${RESOLVED_STUB}`;
}

async function exec(node: LabNode, what: string, script: string): Promise<void> {
  const r = await nodeExec(node, `set -eu\n${script}`);
  if (r.rc !== 0) throw new Error(`lab: could not ${what} on ${node.name}: ${r.stderr.trim()}`);
}

/**
 * Move the node's /etc/resolv.conf to systemd-resolved's file and link it back. `mode`/`owner`
 * are the target's (default 0644 root:root, as systemd-resolved writes them).
 */
export async function linkResolvConf(node: LabNode, kind: ResolvLink, opts: { mode?: string; owner?: string } = {}): Promise<void> {
  // A bind-mounted resolv.conf (node.resolvBindMounted) cannot be replaced by a link.
  if (node.resolvBindMounted) throw new Error(`lab: ${node.name} has a bind-mounted /etc/resolv.conf; use another node`);
  const target = kind === 'absolute' ? RESOLVED_UPLINK : RESOLVED_STUB;
  await exec(node, 'link /etc/resolv.conf', [
    'mkdir -p /run/systemd/resolve',
    `if [ -L /etc/resolv.conf ]; then cat /etc/resolv.conf > /run/crane-lab-resolv; else cp /etc/resolv.conf /run/crane-lab-resolv; fi`,
    `cp /run/crane-lab-resolv ${target} && rm -f /run/crane-lab-resolv`,
    `chmod ${opts.mode ?? '0644'} ${target} && chown ${opts.owner ?? 'root:root'} ${target}`,
    `ln -sfn ${resolvLinkText(kind)} /etc/resolv.conf`,
  ].join('\n'));
}

/** Keep kubelet's drop-in in /opt/config-repo and link it into kubelet.service.d (absolute link). */
export async function linkKubeletDropIn(node: LabNode, opts: { mode?: string; owner?: string } = {}): Promise<void> {
  await exec(node, 'link the kubelet drop-in', [
    `mkdir -p ${KUBELET_DROPIN_REPO.replace(/\/[^/]*$/, '')}`,
    `[ -L ${KUBELET_DROPIN} ] || mv ${KUBELET_DROPIN} ${KUBELET_DROPIN_REPO}`,
    `chmod ${opts.mode ?? '0644'} ${KUBELET_DROPIN_REPO} && chown ${opts.owner ?? 'root:root'} ${KUBELET_DROPIN_REPO}`,
    `ln -sfn ${KUBELET_DROPIN_REPO} ${KUBELET_DROPIN}`,
  ].join('\n'));
}
