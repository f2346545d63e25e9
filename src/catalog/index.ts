/**
 * The catalogue: every known problem. Its order breaks ties when diagnose ranks entries.
 */
import { InputError } from '../errors.js';
import type { CatalogEntry } from './types.js';
import { entry as xfsFtype } from './entries/xfs-ftype.js';
import { entry as clusteripDns } from './entries/clusterip-dns.js';
import { entry as apiserverServiceCidr } from './entries/apiserver-service-cidr.js';
import { entry as resolvConfTrim } from './entries/resolv-conf-trim.js';
import { entry as resolvConfNameserver } from './entries/resolv-conf-nameserver.js';
import { entry as dropCaches } from './entries/drop-caches.js';
import { entry as calicoTunl0 } from './entries/calico-tunl0.js';
import { entry as kubeProxyNodePortAddresses } from './entries/kube-proxy-nodeport-addresses.js';
import { entry as kubeletCsiMigration } from './entries/kubelet-csimigration.js';
import { entry as hostnameLowercase } from './entries/hostname-lowercase.js';
import { entry as kernelMinVersion } from './entries/kernel-min-version.js';
import { entry as dockerStorageDriver } from './entries/docker-storage-driver.js';
import { entry as istioInitPrune } from './entries/istio-init-prune.js';
import { entry as ctlPath } from './entries/ctl-path.js';
import { entry as pauseUpgradeGuard } from './entries/pause-upgrade-guard.js';
import { entry as ingressgatewayNoDestination } from './entries/ingressgateway-no-destination.js';
import { entry as istio166Skip } from './entries/istio-1-6-6-skip.js';
import { entry as istioctlOverwrite } from './entries/istioctl-overwrite.js';
import { entry as istioOperatorIngressgateway } from './entries/istio-operator-ingressgateway.js';
import { entry as kialiAuth } from './entries/kiali-auth.js';
import { entry as istioNginxHostHeader } from './entries/istio-nginx-host-header.js';
import { entry as jenkins403CalicoBgp } from './entries/jenkins-403-calico-bgp.js';
import { entry as dockerLoadImport } from './entries/docker-load-import.js';
import { entry as ansibleInDockerOffline } from './entries/ansible-in-docker-offline.js';
import { entry as calicoCidrChange } from './entries/calico-cidr-change.js';
import { entry as apiserverTlsNoise } from './entries/apiserver-tls-noise.js';

export type * from './types.js';
export { changesPauseImage } from './entries/pause-upgrade-guard.js';
export { shellQuote, shellArgs } from './shellQuote.js';

export const catalog: CatalogEntry[] = [
  // Host-level, roughly by how badly they break a node.
  xfsFtype,
  kernelMinVersion,
  dockerStorageDriver,
  kubeletCsiMigration,
  hostnameLowercase,
  ctlPath,
  dropCaches,
  clusteripDns,
  apiserverServiceCidr,
  resolvConfNameserver,
  resolvConfTrim,
  calicoTunl0,
  kubeProxyNodePortAddresses,
  istioInitPrune,
  // Cluster-level knowledge.
  pauseUpgradeGuard,
  ingressgatewayNoDestination,
  istio166Skip,
  istioctlOverwrite,
  istioOperatorIngressgateway,
  kialiAuth,
  istioNginxHostHeader,
  jenkins403CalicoBgp,
  dockerLoadImport,
  ansibleInDockerOffline,
  calicoCidrChange,
  // Harmless noise last: it must never outrank a real problem on a tie.
  apiserverTlsNoise,
];

const byId = new Map(catalog.map((e) => [e.id, e]));

/** The entry with this id; an InputError naming the known ids otherwise. */
export function getEntry(id: string): CatalogEntry {
  const e = byId.get(id);
  if (!e) throw new InputError(`unknown problem id ${JSON.stringify(id)}; known ids: ${catalog.map((x) => x.id).join(', ')}`);
  return e;
}
