/**
 * Node files for the catalogue tests, built by the lab's own code (src/lab/seed.ts), so the
 * detectors are tested on exactly what `crane-fix lab up` writes on a node — there is no
 * hand-written copy here to drift from it.
 *
 *  - `labFile(path, match)`: the file as the lab seeds it on a node of a 12-node lab (the first
 *    node that has the file and matches), e.g. the resolv.conf of a node seeded with five
 *    nameservers;
 *  - the seed builders themselves (re-exported) for states the lab does not seed but a fix
 *    produces, e.g. `kubeletDropIn('10.9.0.10')`, the drop-in after clusterip-dns ran.
 *
 * States neither of these produces (edge cases, real tools' output) stay in the tests, named as
 * what they are.
 */
import { labNodes, type NodeSpec } from '../../src/lab/layout.js';
import { seedFiles } from '../../src/lab/seed.js';

export { LAB_OLD_DNS } from '../../src/lab/layout.js';
export { kubeletConfig, kubeletDropIn, kubeProxyConfig } from '../../src/lab/seed.js';

/** Enough nodes that every seeded variant is on at least one of them (see nodeSpec in layout.ts). */
export const LAB = labNodes(12);

/** The first node of LAB that matches; throws when none does, so a test cannot silently lose its case. */
export function labNode(match: (n: NodeSpec) => boolean): NodeSpec {
  const node = LAB.find(match);
  if (!node) throw new Error(`no node of a ${LAB.length}-node lab matches ${String(match)}`);
  return node;
}

/** What the lab seeds at `path` on the first node of LAB that has that file and matches. */
export function labFile(path: string, match: (n: NodeSpec) => boolean = () => true): string {
  return seedFiles(labNode((n) => path in seedFiles(n) && match(n)))[path]!;
}

export const PATHS = {
  resolv: '/etc/resolv.conf',
  hostname: '/etc/hostname',
  kubeletDropIn: '/etc/systemd/system/kubelet.service.d/10-kubelet.conf',
  kubeletConfig: '/var/lib/kubelet/config.yaml',
  kubeProxyConfig: '/var/lib/kube-proxy/config.conf',
  dockerDaemon: '/etc/docker/daemon.json',
  apiserverManifest: '/etc/kubernetes/manifests/kube-apiserver.yaml',
  dockerPruneCron: '/etc/cron.d/docker-prune',
  ctr: '/opt/crane/bin/ctr',
} as const;
