import { parse as parseYaml } from 'yaml';
import { affected, clean, fileRec, makeDetector, pathVar, unknown, VarError, type Rec } from '../detect.js';
import { shellQuote } from '../shellQuote.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+)\/\d{1,3}$/;

/**
 * kube_proxy_node_port_addresses as a sorted list; [] means "all addresses" (Crane's default "").
 * undefined when the var is absent. Crane writes one CIDR as a string; lists and comma-separated strings work too.
 */
export function wantedNodePortAddresses(vars: Record<string, unknown>): string[] | undefined {
  const name = 'kube_proxy_node_port_addresses';
  if (!(name in vars) || vars[name] === undefined) return undefined;
  const v = vars[name];
  let list: string[];
  if (v === null || v === '') list = [];
  else if (typeof v === 'string') list = v.split(/[\s,]+/);
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) list = v as string[];
  else throw new VarError(`${name} must be a CIDR string or a list of CIDRs`);
  const out = list.map((x) => x.trim().toLowerCase()).filter(Boolean);
  for (const c of out) if (!CIDR.test(c)) throw new VarError(`${name}: not a CIDR: ${JSON.stringify(c)}`);
  return [...new Set(out)].sort();
}

/** nodePortAddresses of a KubeProxyConfiguration; [] for null/absent, undefined if unreadable. */
export function configNodePortAddresses(text: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const v = (doc as Record<string, unknown>).nodePortAddresses;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return undefined;
  return [...new Set(v.map((x) => String(x).trim().toLowerCase()))].sort();
}

const show = (l: string[]) => (l.length === 0 ? 'null (all addresses)' : `[${l.join(', ')}]`);

function configPath(vars: Record<string, unknown>): string {
  return pathVar(vars, ['kube_proxy_config'], '/var/lib/kube-proxy/config.conf')!;
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const want = wantedNodePortAddresses(vars);
  if (want === undefined) return unknown('kube_proxy_node_port_addresses is not set: nothing to compare with');
  const path = configPath(vars);
  const f = fileRec(recs, 'config');
  if (f.kind !== 'file') return unknown(`${path} ${f.kind === 'missing' ? 'not found' : 'is not a regular file'}`);
  const have = configNodePortAddresses(f.text);
  if (have === undefined) return unknown(`${path} is not a valid KubeProxyConfiguration`);
  if (have.join(',') !== want.join(',')) return affected(`nodePortAddresses is ${show(have)}, want ${show(want)}`);
  return clean(`nodePortAddresses is ${show(have)}`);
}

export const entry: CatalogEntry = {
  id: 'kube-proxy-nodeport-addresses',
  level: 'host',
  title: {
    en: "Services unreachable through NodePort: kube-proxy's nodePortAddresses is wrong",
    zh: '无法通过 NodePort 访问服务：kube-proxy 的 nodePortAddresses 配置不正确',
  },
  explanation: {
    en:
      'kube-proxy only serves NodePorts on node addresses inside nodePortAddresses (null means all addresses). When ' +
      "it doesn't cover the address clients use, the NodePort is unreachable there. With Keepalived, for example, " +
      "the physical network (e.g. 10.100.21.0/24) must be listed — Crane's kube_proxy_node_port_addresses.",
    zh:
      'kube-proxy 只在 nodePortAddresses 所列网段内的节点地址上提供 NodePort（null 表示全部地址）。' +
      '当它不包含客户端访问的地址时，就无法通过该地址访问 NodePort。例如使用 Keepalived 时，需要把物理网段（如 10.100.21.0/24）' +
      '写入该配置，即 Crane 的 kube_proxy_node_port_addresses。修改 Kube-Proxy 中 nodePortAddresses 地址即可。',
  },
  action: {
    en:
      'Set nodePortAddresses to <kube_proxy_node_port_addresses> and restart kube-proxy. When kube-proxy reads the ' +
      'kube-proxy ConfigMap (Crane, kubeadm):\n' +
      '  kubectl -n kube-system edit configmap kube-proxy     # config.conf: nodePortAddresses: ["10.100.21.0/24"]\n' +
      '  kubectl -n kube-system delete pod -l k8s-app=kube-proxy\n' +
      'When it reads <kube_proxy_config> on the host, edit that file the same way and restart kube-proxy. ' +
      "For later Crane runs, set Crane's kube_proxy_node_port_addresses too.",
    zh:
      '把 nodePortAddresses 改为 <kube_proxy_node_port_addresses> 并重启 kube-proxy。kube-proxy 使用 ConfigMap 配置时（Crane、kubeadm）：\n' +
      '  kubectl -n kube-system edit configmap kube-proxy     # config.conf 中 nodePortAddresses: ["10.100.21.0/24"]\n' +
      '  kubectl -n kube-system delete pod -l k8s-app=kube-proxy\n' +
      '如果 kube-proxy 读取的是宿主机上的 <kube_proxy_config>，同样修改该文件后重启 kube-proxy。' +
      '同时修改 Crane 的 kube_proxy_node_port_addresses，避免以后重新部署时被改回。',
  },
  symptoms: [
    {
      id: 'kube-proxy-nodeport-cidr',
      // proxier.go: klog.Errorf("Failed to get node ip address matching nodeport cidr: %v", err) (1.10-1.20), klog.ErrorS(err,
      // "Failed to get node ip address matching nodeport cidr") (1.21+, "node IP" in later releases); the error itself is
      // GetNodeAddresses' "no addresses found for cidrs %v" (pkg/proxy/util/utils.go, nodeport_addresses.go in 1.26+).
      pattern: /Failed to get node ip address matching nodeport cidr|no addresses found for cidrs \[/i,
      example:
        'E1224 10:30:08.150179       1 proxier.go:1056] Failed to get node ip address matching nodeport cidr: no addresses found for cidrs [10.100.21.0/24]',
      source: 'kube-proxy (pkg/proxy/ipvs/proxier.go)',
      reason: { en: 'No address of this node lies in kube-proxy\'s --nodeport-addresses CIDRs.', zh: '本节点没有任何地址落在 kube-proxy 的 --nodeport-addresses 网段内。' },
    },
  ],
  detector: makeDetector({
    helpers: ['file'],
    script(vars) {
      wantedNodePortAddresses(vars);
      return `crane_file config ${shellQuote(configPath(vars))}`;
    },
    judge,
  }),
  playbook: 'kube-proxy-nodeport-addresses.yaml',
  reversible: true,
  vars: [
    {
      name: 'kube_proxy_config',
      description: { en: "kube-proxy's configuration file on the host.", zh: '宿主机上 kube-proxy 的配置文件。' },
      default: '/var/lib/kube-proxy/config.conf',
    },
    {
      name: 'kube_proxy_node_port_addresses',
      description: {
        en: 'CIDR(s) kube-proxy should serve NodePorts on, e.g. 10.100.21.0/24 ("" = all addresses) — Crane\'s variable of the same name.',
        zh: 'kube-proxy 提供 NodePort 的网段，如 10.100.21.0/24（"" 表示全部地址），与 Crane 的同名变量一致。',
      },
      required: true,
    },
  ],
};
