import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'ingressgateway-no-destination',
  level: 'cluster',
  title: {
    en: 'IPVS "no destination available" on an Istio ingressgateway NodePort',
    zh: '访问 Istio ingressgateway 的 NodePort 时出现 IPVS “no destination available”',
  },
  explanation: {
    en:
      'The kernel logs "IPVS: rr: TCP <node-ip>:<nodePort> - no destination available" when the NodePort\'s IPVS ' +
      'service has no backend on that node: the ingressgateway Pods are not ready, their endpoints were not synced, ' +
      'or — with externalTrafficPolicy: Local, as in the IstioOperator example — no gateway Pod runs on that node. ' +
      'Seen with a custom gateway (aws-ingressgateway, nodePort 44693).',
    zh:
      '内核日志 “IPVS: rr: TCP <节点IP>:<nodePort> - no destination available” 表示该 NodePort 的 IPVS 服务在本节点上没有可用后端：' +
      'ingressgateway 的 Pod 未就绪、endpoints 未同步，或者在 externalTrafficPolicy: Local（如 IstioOperator 示例配置）下本节点上没有' +
      ' ingressgateway Pod。常见于自定义的 ingressgateway（如 nodePort 44693 的 aws-ingressgateway）。',
  },
  action: {
    en:
      'Restart the gateway, or run more replicas so that more nodes have one:\n' +
      '  kubectl rollout restart deployment/<ingressgateway> -n istio-system\n' +
      '  # or\n' +
      '  kubectl scale deployment/<ingressgateway> -n istio-system --replicas=3\n' +
      'Check:\n' +
      '  kubectl -n istio-system get endpoints <ingressgateway>\n' +
      '  ipvsadm -Ln | grep -A3 <nodePort>',
    zh:
      '尝试执行如下命令重启 ingressgateway，或增加副本使更多节点上有 ingressgateway Pod：\n' +
      '  kubectl rollout restart deployment/<ingressgateway> -n istio-system\n' +
      '  # 或\n' +
      '  kubectl scale deployment/<ingressgateway> -n istio-system --replicas=3\n' +
      '检查：\n' +
      '  kubectl -n istio-system get endpoints <ingressgateway>\n' +
      '  ipvsadm -Ln | grep -A3 <nodePort>',
  },
  symptoms: [
    {
      id: 'ipvs-no-destination',
      // net/netfilter/ipvs/ip_vs_sched.c ip_vs_scheduler_err (3.x+): "%s: %s %pI4:%d - %s", IPv6 "[%pI6c]:%d",
      // firewall-mark services "%s: FWM %u 0x%08X - %s"; before it each scheduler printed "RR: no destination available"
      // (2.6.x ip_vs_rr.c, "WRR: ..." ip_vs_wrr.c). pr_fmt adds "IPVS: " to all of them.
      // ip_vs_proto_name() gives TCP/UDP/SCTP/ICMP/ICMPv6, or "IP_%u" for another protocol.
      pattern: /IPVS: (?:\w+: (?:\w+ \S+? ?|FWM \d+ 0x[0-9A-Fa-f]+ )- |[A-Z]+: )no destination available/,
      example: 'IPVS: rr: TCP 10.200.1.206:44693 - no destination available',
      source: 'notes',
      reason: { en: 'The NodePort\'s IPVS service has no ready backend on this node (the ingressgateway Pods).', zh: '该 NodePort 的 IPVS 服务在本节点上没有就绪的后端（ingressgateway Pod）。' },
    },
    {
      id: 'kube-proxy-ingressgateway-no-endpoints',
      // The same condition under kube-proxy's iptables mode, seen in iptables-save: pkg/proxy/iptables/proxier.go comments
      // its DROP/REJECT rules `"%s has no local endpoints"` (externalTrafficPolicy: Local) and `"%s has no endpoints"`,
      // %s being namespace/name:port. Only ingressgateway Services count here.
      pattern: /--comment "?[\w.-]+\/[\w.-]*ingressgateway[\w.-]*(?::[\w.-]*)? has no (?:local )?endpoints/,
      example:
        '-A KUBE-XLB-UQMCRMJZLI3FTLDP -m comment --comment "istio-system/istio-ingressgateway:http2 has no local endpoints" -j KUBE-MARK-DROP',
      source: 'kube-proxy iptables mode (pkg/proxy/iptables/proxier.go)',
      reason: {
        en: 'kube-proxy (iptables mode) has no ready ingressgateway Pod to send this port to, on this node or at all.',
        zh: 'kube-proxy（iptables 模式）没有可转发该端口的就绪 ingressgateway Pod（本节点上或整个集群中）。',
      },
    },
    {
      id: 'kube-proxy-nft-ingressgateway-no-endpoints',
      // kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go, 1.29+) has no rule comments: a Service port without
      // (local) endpoints becomes an element of the no-endpoint-nodeports / no-endpoint-services maps, commented with
      // namespace/name:port and mapped to drop (externalTrafficPolicy: Local) or goto reject-chain, as `nft list` shows it.
      pattern: /comment "[\w.-]+\/[\w.-]*ingressgateway[\w.-]*(?::[\w.-]*)?" : (?:drop|goto reject-chain)\b/,
      example: 'elements = { tcp . 31380 comment "istio-system/istio-ingressgateway:http2" : drop }',
      source: 'kube-proxy nftables mode (pkg/proxy/nftables/proxier.go)',
      reason: {
        en: 'kube-proxy (nftables mode) drops or rejects this ingressgateway port: no ready gateway Pod, on this node or at all.',
        zh: 'kube-proxy（nftables 模式）丢弃或拒绝该 ingressgateway 端口的流量：本节点上或整个集群中没有就绪的 ingressgateway Pod。',
      },
    },
  ],
  reversible: true,
  vars: [
    {
      name: 'ingressgateway',
      description: { en: 'Name of the ingressgateway Deployment, e.g. aws-ingressgateway.', zh: 'ingressgateway 的 Deployment 名称，如 aws-ingressgateway。' },
      default: 'istio-ingressgateway',
    },
  ],
  references: ['https://istio.io/latest/zh/docs/reference/config/istio.operator.v1alpha1/'],
};
