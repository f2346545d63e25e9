import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { affected, clean, fileRec, makeDetector, stringVar, unknown, VarError, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

export const KUBELET_DROPIN = '/etc/systemd/system/kubelet.service.d/10-kubelet.conf';
export const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';

/** Every address given to --cluster-dns in a systemd drop-in (comma-separated lists allowed). */
export function dropInClusterDns(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*[#;]/.test(line)) continue;
    for (const m of line.matchAll(/--cluster-dns[= ]([^\s"']+)/g)) out.push(...m[1]!.split(',').filter(Boolean));
  }
  return out;
}

/** clusterDNS from a KubeletConfiguration; undefined when the YAML cannot be read. */
export function configClusterDns(text: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const v = (doc as Record<string, unknown>).clusterDNS;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => String(x));
}

function wanted(vars: Record<string, unknown>): string | undefined {
  const want = stringVar(vars, ['dns_cluster_ip']);
  if (want !== undefined && isIP(want) === 0) throw new VarError(`dns_cluster_ip is not an IP address: ${JSON.stringify(want)}`);
  const old = stringVar(vars, ['dns_cluster_ip_old']);
  if (old !== undefined && isIP(old) === 0) throw new VarError(`dns_cluster_ip_old is not an IP address: ${JSON.stringify(old)}`);
  return want;
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const want = wanted(vars);
  if (want === undefined) return unknown('dns_cluster_ip is not set: nothing to compare the kubelet files with');
  const old = stringVar(vars, ['dns_cluster_ip_old']) ?? '10.96.0.10';
  const seen: { file: string; ips: string[] }[] = [];
  const notes: string[] = [];
  const dropIn = fileRec(recs, 'dropin');
  if (dropIn.kind === 'file') seen.push({ file: '10-kubelet.conf', ips: dropInClusterDns(dropIn.text) });
  else notes.push(`${KUBELET_DROPIN} ${dropIn.kind === 'missing' ? 'missing' : 'not a file'}`);
  const config = fileRec(recs, 'config');
  if (config.kind === 'file') {
    const ips = configClusterDns(config.text);
    if (ips === undefined) notes.push(`${KUBELET_CONFIG} is not a valid KubeletConfiguration`);
    else seen.push({ file: 'config.yaml', ips });
  } else notes.push(`${KUBELET_CONFIG} ${config.kind === 'missing' ? 'missing' : 'not a file'}`);

  const wrong = seen.filter((s) => s.ips.some((ip) => ip !== want));
  if (wrong.length > 0) {
    const other = wrong.flatMap((s) => s.ips).filter((ip) => ip !== want && ip !== old);
    const hint = other.length > 0 ? ` (${[...new Set(other)].join(', ')} is not dns_cluster_ip_old ${old}: replacing ${old} will not change it)` : '';
    return affected(`${wrong.map((s) => `${s.file}: ${s.ips.join(',')}`).join('; ')}; want ${want}${hint}`);
  }
  const found = seen.filter((s) => s.ips.length > 0);
  if (found.length === 0) return unknown([...notes, 'no cluster DNS address found in the kubelet files'].join('; '));
  if (notes.some((n) => n.includes('not a valid'))) return unknown([`${found.map((s) => s.file).join(' and ')} use ${want}`, ...notes].join('; '));
  return clean([`${found.map((s) => s.file).join(' and ')} use ${want}`, ...notes].join('; '));
}

export const entry: CatalogEntry = {
  id: 'clusterip-dns',
  level: 'host',
  title: {
    en: 'kubelet still hands out the old cluster DNS address after a ClusterIP change',
    zh: 'ClusterIP 变更后 kubelet 仍使用旧的 DNS 地址',
  },
  explanation: {
    en:
      'After the ClusterIP range changes, the DNS Service gets a new ClusterIP (dns_cluster_ip). Every kubelet has to ' +
      'follow: it writes its configured address (--cluster-dns in 10-kubelet.conf, clusterDNS in ' +
      '/var/lib/kubelet/config.yaml) into the resolv.conf of each new Pod. While it still carries the old address, ' +
      'name resolution fails in Pods started on that node.',
    zh:
      'ClusterIP 变更后需要对 DNS 进行地址变更：DNS Service 的 ClusterIP 改为新地址（dns_cluster_ip）后，还需要变更所有 kubelet 配置。' +
      'kubelet 会把配置中的地址（10-kubelet.conf 中的 --cluster-dns、/var/lib/kubelet/config.yaml 中的 clusterDNS）' +
      '写入新建 Pod 的 resolv.conf；仍为旧地址时，该节点上新启动的 Pod 无法解析域名。',
  },
  action: {
    en:
      'First give the DNS Service its new ClusterIP (clusterIP cannot be edited in place; re-create the Service):\n' +
      '  kubectl -n kube-system get svc kube-dns -o yaml > kube-dns.yaml   # set spec.clusterIP (and spec.clusterIPs) to <dns_cluster_ip>\n' +
      '  kubectl replace --force -f kube-dns.yaml\n' +
      'Then on every node (example: 10.96.0.10 -> 10.9.0.10):\n' +
      "  sed -i 's/10.96.0.10/10.9.0.10/g' /etc/systemd/system/kubelet.service.d/10-kubelet.conf\n" +
      "  sed -i 's/10.96.0.10/10.9.0.10/g' /var/lib/kubelet/config.yaml\n" +
      '  systemctl daemon-reload\n' +
      '  systemctl restart kubelet\n' +
      'Pods that are already running keep the old address until they are re-created.',
    zh:
      '先修改 DNS Service 的 ClusterIP（clusterIP 不能直接修改，需要重建 Service）：\n' +
      '  kubectl -n kube-system get svc kube-dns -o yaml > kube-dns.yaml   # 把 spec.clusterIP（及 spec.clusterIPs）改为 <dns_cluster_ip>\n' +
      '  kubectl replace --force -f kube-dns.yaml\n' +
      '然后在所有节点上执行（示例：10.96.0.10 改为 10.9.0.10）：\n' +
      "  sed -i 's/10.96.0.10/10.9.0.10/g' /etc/systemd/system/kubelet.service.d/10-kubelet.conf\n" +
      "  sed -i 's/10.96.0.10/10.9.0.10/g' /var/lib/kubelet/config.yaml\n" +
      '  systemctl daemon-reload\n' +
      '  systemctl restart kubelet\n' +
      '已在运行的 Pod 需重建后才会使用新地址。',
  },
  symptoms: [],
  detector: makeDetector({
    helpers: ['file'],
    script(vars) {
      wanted(vars);
      return [`crane_file dropin ${KUBELET_DROPIN}`, `crane_file config ${KUBELET_CONFIG}`].join('\n');
    },
    judge,
  }),
  playbook: 'clusterip-dns.yaml',
  reversible: true,
  vars: [
    {
      name: 'dns_cluster_ip',
      description: { en: 'The new ClusterIP of the DNS Service (Crane: dns_cluster_ip).', zh: 'DNS Service 的新 ClusterIP（Crane 的 dns_cluster_ip）。' },
      required: true,
    },
    {
      name: 'dns_cluster_ip_old',
      description: { en: 'The DNS address being replaced.', zh: '需要被替换的旧 DNS 地址。' },
      default: '10.96.0.10',
    },
  ],
};
