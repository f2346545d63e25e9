import { affected, clean, fileRec, makeDetector, stringVar, unknown, VarError, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+)\/\d{1,3}$/;

function normalise(list: string): string {
  return list
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean)
    .join(',');
}

/** Values of --service-cluster-ip-range in a static Pod manifest (quotes stripped). */
export function serviceRanges(manifest: string): string[] {
  const out: string[] = [];
  for (const line of manifest.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const m = /--service-cluster-ip-range[= ]["']?([^\s"']+)/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

function wanted(vars: Record<string, unknown>): string | undefined {
  const want = stringVar(vars, ['service_cluster_ip_range', 'k8s_cluster_ip_range']);
  if (want === undefined) return undefined;
  const n = normalise(want);
  if (n === '' || !n.split(',').every((c) => CIDR.test(c))) throw new VarError(`service_cluster_ip_range is not a CIDR (or a comma-separated pair): ${JSON.stringify(want)}`);
  return n;
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const want = wanted(vars);
  if (want === undefined) return unknown('service_cluster_ip_range is not set: nothing to compare with');
  const f = fileRec(recs, 'manifest');
  if (f.kind !== 'file') return unknown(`${APISERVER_MANIFEST} ${f.kind === 'missing' ? 'not found (not a control-plane node?)' : 'is not a regular file'}`);
  const ranges = serviceRanges(f.text);
  if (ranges.length === 0) return unknown(`--service-cluster-ip-range is not set in ${APISERVER_MANIFEST}`);
  const wrong = ranges.filter((r) => normalise(r) !== want);
  if (wrong.length > 0) return affected(`kube-apiserver --service-cluster-ip-range=${wrong.join(' / ')}, want ${want}`);
  return clean(`kube-apiserver --service-cluster-ip-range=${want}`);
}

export const entry: CatalogEntry = {
  id: 'apiserver-service-cidr',
  level: 'host',
  title: {
    en: "kube-apiserver's --service-cluster-ip-range is not the planned ClusterIP range",
    zh: 'kube-apiserver 的 service-cluster-ip-range 与规划的 ClusterIP 网段不一致',
  },
  explanation: {
    en:
      'Changing the ClusterIP range means changing --service-cluster-ip-range on every kube-apiserver and then ' +
      'restarting the apiservers. Until all of them carry the new range, Services keep getting addresses from the old ' +
      'one and a Service asking for an address in the new range is refused ("provided IP is not in the valid range").',
    zh:
      'ClusterIP 地址变更需要对所有的 kube-apiserver 的 service-cluster-ip-range 参数进行变更，然后重启 apiServer 才能生效。' +
      '在所有 apiServer 都改为新网段之前，Service 仍会从旧网段分配地址，指定新网段地址的 Service 会被拒绝' +
      '（“provided IP is not in the valid range”）。',
  },
  action: {
    en:
      'On every control-plane node:\n' +
      "  sed -i 's#--service-cluster-ip-range=.*#--service-cluster-ip-range=<service_cluster_ip_range>#' /etc/kubernetes/manifests/kube-apiserver.yaml\n" +
      'kubelet restarts the static Pod when the manifest changes; check that it is back:\n' +
      '  kubectl -n kube-system get pods -o wide | grep kube-apiserver\n' +
      'If kube-controller-manager also sets --service-cluster-ip-range, change it the same way. Then move the DNS ' +
      'Service and the kubelets to the new DNS address (see clusterip-dns).',
    zh:
      '在所有 Master（控制面）节点上执行：\n' +
      "  sed -i 's#--service-cluster-ip-range=.*#--service-cluster-ip-range=<service_cluster_ip_range>#' /etc/kubernetes/manifests/kube-apiserver.yaml\n" +
      'manifest 变更后 kubelet 会自动重启该静态 Pod，确认已恢复运行：\n' +
      '  kubectl -n kube-system get pods -o wide | grep kube-apiserver\n' +
      '如果 kube-controller-manager 也设置了 --service-cluster-ip-range，请同样修改。之后再变更 DNS Service 与各 kubelet 的 DNS 地址（见 clusterip-dns）。',
  },
  symptoms: [
    {
      id: 'service-ip-not-in-range',
      // ipallocator ErrNotInRange: "provided IP is not in the valid range. The range of valid IPs is %s" (1.0-1.19 and
      // the 1.25+ netip allocator), "the provided IP (%v) is not in the valid range. ..." (1.20-1.24, dual-stack).
      // Cilium's agent copies the allocator for its own pod-CIDR IPAM ("unable to re-allocate ingress IPv4." ...
      // error="provided IP ..."): that is a pod CIDR, not the Service range.
      pattern: /(?<!re-allocate \S+ IPv[46]\b.*)provided IP(?: \(\S+\))? is not in the valid range\. The range of valid IPs is/,
      example:
        'The Service "kube-dns" is invalid: spec.clusterIP: Invalid value: "10.9.0.10": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12',
      source: 'kube-apiserver Service validation (kubectl apply)',
      reason: { en: 'The apiserver refused a Service whose clusterIP is outside its --service-cluster-ip-range.', zh: 'apiserver 拒绝了 clusterIP 不在 --service-cluster-ip-range 范围内的 Service。' },
    },
    {
      id: 'service-ip-not-in-range-any',
      // ipallocator's ErrNotInRange as a field error; a Status message can quote it without the field path
      // (kubernetes PR #52693: 'Message: "Invalid value: \"127.1.2.3\": provided IP is not in the valid range"').
      // 1.0/1.1 printed field errors as "spec.clusterIP: invalid value '%v', Details: %s" (fielderrors).
      pattern: /(?:Invalid value: .*|spec\.clusterIP: invalid value '[^']*', Details: )provided IP(?: \(\S+\))? is not in the valid range/,
      example: 'The Service "kube-dns" is invalid: spec.clusterIP: Invalid value: "192.168.100.13": provided IP is not in the valid range',
      source: 'kubernetes/kubernetes#37829',
      reason: { en: 'The Service clusterIP is outside --service-cluster-ip-range.', zh: 'Service 的 clusterIP 不在 --service-cluster-ip-range 范围内。' },
      weight: 2,
    },
    {
      id: 'repair-clusterip-out-of-range',
      // The apiserver's ClusterIP repair loop on a Service created under the old range: "the cluster IP %s for service
      // %s/%s is not within the service CIDR %s; please recreate" (1.0+, repair.go), event "Cluster IP %s is not within
      // the service CIDR %s; please recreate service" (1.10+), "Cluster IP [%v]:%s ..." (1.20+ dual-stack), "Cluster IP
      // [%v]: %s is not within any configured Service CIDR" (1.27+ repairip.go, ServiceCIDR objects).
      pattern: /\b[Cc]luster ?IP (?:\[IPv[46]\]: ?)?\S+ (?:for [Ss]ervice \S+ )?is not within (?:the service CIDR|any (?:configured )?[Ss]ervice CIDR)/,
      example:
        'E0612 10:11:12.345678       1 repair.go:145] the cluster IP 10.0.0.1 for service kubernetes/default is not within the service CIDR 10.96.0.0/12; please recreate',
      source: 'kube-apiserver (pkg/registry/core/service/ipallocator/controller/repair.go)',
      reason: {
        en: 'A Service keeps a ClusterIP from another range than the apiserver\'s --service-cluster-ip-range: the range was changed after it was created.',
        zh: 'Service 的 ClusterIP 不在 apiserver 的 --service-cluster-ip-range 内：该范围在 Service 创建后被修改过。',
      },
      weight: 2,
    },
  ],
  detector: makeDetector({
    helpers: ['file'],
    script(vars) {
      wanted(vars);
      return `crane_file manifest ${APISERVER_MANIFEST}`;
    },
    judge,
  }),
  playbook: 'apiserver-service-cidr.yaml',
  reversible: true,
  vars: [
    {
      name: 'service_cluster_ip_range',
      description: {
        en: "The ClusterIP range every kube-apiserver should use, e.g. 10.9.0.0/16 (Crane's k8s_cluster_ip_range is accepted too).",
        zh: '所有 kube-apiserver 应使用的 ClusterIP 网段，如 10.9.0.0/16（也接受 Crane 的 k8s_cluster_ip_range）。',
      },
      required: true,
    },
  ],
};
