import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'calico-cidr-change',
  level: 'cluster',
  title: {
    en: 'Changing the Pod network (Calico CALICO_IPV4POOL_CIDR)',
    zh: 'CNI 网段变更（Calico 的 CALICO_IPV4POOL_CIDR）',
  },
  explanation: {
    en:
      'After the Pod CIDR is changed in Calico (CALICO_IPV4POOL_CIDR), restart all Pods for it to take effect — or ' +
      "don't: the iptables and other rules already in place keep working, and Pods move over when they are next " +
      're-created. CALICO_IPV4POOL_CIDR is only read when the default IP pool is first created, so on a running ' +
      'cluster the new pool has to be created and the old one disabled with calicoctl.',
    zh:
      'CNI 变更修改 Calico 中的 CALICO_IPV4POOL_CIDR 后重启所有 Pod 生效，或者不重启，因 iptables 等规则已经生效，等待下一次更新即可。' +
      '注意 CALICO_IPV4POOL_CIDR 只在首次创建默认 IP 池时读取，运行中的集群需要用 calicoctl 新建 IP 池并禁用旧池。',
  },
  action: {
    en:
      '  calicoctl get ippool -o wide\n' +
      '  calicoctl apply -f new-pool.yaml    # kind: IPPool, spec.cidr: <new CIDR>, same ipipMode and natOutgoing as the old pool\n' +
      "  calicoctl patch ippool default-ipv4-ippool -p '{\"spec\": {\"disabled\": true}}'\n" +
      'Then restart the Pods (or let them be re-created over time). Keep --cluster-cidr of kube-controller-manager ' +
      "and clusterCIDR of kube-proxy in line (Crane: k8s_cluster_ipv4_pool_cidr).",
    zh:
      '  calicoctl get ippool -o wide\n' +
      '  calicoctl apply -f new-pool.yaml    # kind: IPPool，spec.cidr 为新网段，ipipMode、natOutgoing 与旧池保持一致\n' +
      "  calicoctl patch ippool default-ipv4-ippool -p '{\"spec\": {\"disabled\": true}}'\n" +
      '然后重启所有 Pod（或等待其自然重建）。kube-controller-manager 的 --cluster-cidr 与 kube-proxy 的 clusterCIDR 也需同步修改' +
      '（Crane 的 k8s_cluster_ipv4_pool_cidr）。',
  },
  symptoms: [],
  reversible: true,
  references: ['https://docs.tigera.io/calico/latest/networking/ipam/migrate-pools'],
};
