/**
 * Pure description of a lab: which node gets which address, hostname, groups and seeded
 * problems. Kept free of I/O so tests (and the inventory generator) can reason about it.
 *
 * Seeding is deterministic by node index, so every problem exists on some nodes and not
 * on others — detectors are exercised on both affected and healthy nodes.
 */
export const LAB_FIRST_OCTET_OFFSET = 10; // node 1 -> 127.0.0.11 (as the issue and README say)
/** Nodes per /24: addresses .11 … .250 of 127.0.<subnet>.0. */
export const LAB_NODES_PER_SUBNET = 240;
/** A lab larger than one /24 continues on the next subnets (the benchmark's 1,000 nodes span 5). */
export const LAB_MAX_NODES = 2400;
export const LAB_OLD_DNS = '10.96.0.10';

export type ResolvShape = 'one' | 'three' | 'five' | 'none';

export interface NodeSpec {
  index: number; // 1-based
  name: string; // inventory name, e.g. node01
  ip: string;
  hostname: string;
  groups: ('kube-master' | 'kube-node' | 'etcd')[];
  resolv: ResolvShape;
  /** XFS disk for the runtime data dir: ftype=1 is mounted at /var/lib/docker; ftype=0 cannot
   * be mounted by this kernel (XFS V4 support is compiled out), so it stays attached, unmounted. */
  diskFtype: 0 | 1;
  storageDriver: 'overlay2' | 'devicemapper';
  /** /etc/resolv.conf is a bind mount (as in containers): rename over it gives EBUSY. */
  resolvBindMounted: boolean;
  /** kubelet config already has featureGates.CSIMigration: false. */
  csiMigrationOff: boolean;
  /** kube-proxy config already lists nodePortAddresses. */
  nodePortAddresses: string[] | null;
  /** Crane binaries live in /opt/crane/bin (kubernetes_ctl_path), which is not on PATH. */
  ctlPathOffPath: boolean;
  /** A cron job prunes docker: 'unfiltered' also deletes istio-init containers. */
  dockerPruneCron: 'none' | 'unfiltered' | 'keeps-istio-init';
}

/**
 * Node i of a lab lives on 127.0.<subnet>.(10+i). Several labs can run at once (parallel
 * test suites, a benchmark beside a demo) when each has its own subnet. Node 241 and on
 * continue on subnet+1 (.11 again), and so on: a lab of n nodes uses
 * labSubnets(n) consecutive subnets from its first.
 */
export function nodeIp(index: number, subnet = 0): string {
  if (!Number.isInteger(index) || index < 1 || index > LAB_MAX_NODES) throw new RangeError(`lab node index ${index} out of range 1..${LAB_MAX_NODES}`);
  const s = subnet + Math.floor((index - 1) / LAB_NODES_PER_SUBNET);
  if (!Number.isInteger(subnet) || subnet < 0 || s > 255) throw new RangeError(`lab subnet ${s} out of range 0..255`);
  return `127.0.${s}.${((index - 1) % LAB_NODES_PER_SUBNET) + 1 + LAB_FIRST_OCTET_OFFSET}`;
}

/** How many consecutive subnets a lab of `total` nodes spans. */
export function labSubnets(total: number): number {
  return Math.ceil(total / LAB_NODES_PER_SUBNET);
}

export function nodeSpec(index: number, total: number, subnet = 0): NodeSpec {
  const masters = total <= 2 ? 1 : Math.min(3, Math.ceil(total / 3));
  const isMaster = index <= masters;
  const name = `node${String(index).padStart(2, '0')}`;
  // Capital letters on one master and every 7th node: Crane's note says a master's hostname
  // must be lower case, so the hostname check needs both cases to look at.
  const upper = index === 2 || index % 7 === 0;
  const base = isMaster ? `crane-master-${index}` : `crane-worker-${index}`;
  const hostname = upper ? base.replace(/^crane-(\w)/, (_m, c: string) => `Crane-${c.toUpperCase()}`) : base;
  const shapes: ResolvShape[] = ['one', 'three', 'five', 'none'];
  return {
    index,
    name,
    ip: nodeIp(index, subnet),
    hostname,
    groups: isMaster ? ['kube-master', 'etcd'] : ['kube-node'],
    resolv: shapes[(index - 1) % 4]!,
    diskFtype: index % 3 === 0 ? 0 : 1,
    storageDriver: index % 5 === 0 ? 'devicemapper' : 'overlay2',
    resolvBindMounted: index % 6 === 0,
    csiMigrationOff: index % 4 === 2,
    nodePortAddresses: index % 5 === 1 ? ['10.200.0.0/16'] : null,
    ctlPathOffPath: index % 4 === 3,
    dockerPruneCron: (['none', 'unfiltered', 'keeps-istio-init'] as const)[index % 3]!,
  };
}

export function labNodes(total: number, subnet = 0): NodeSpec[] {
  if (!Number.isInteger(total) || total < 1 || total > LAB_MAX_NODES) {
    throw new RangeError(`--nodes must be an integer from 1 to ${LAB_MAX_NODES}`);
  }
  return Array.from({ length: total }, (_, i) => nodeSpec(i + 1, total, subnet));
}
