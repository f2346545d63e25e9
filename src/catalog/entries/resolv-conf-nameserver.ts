import { affected, clean, fileRec, makeDetector, pathVar, unknown, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';
import { RESOLVED_HINT, resolvConfVar, resolvNameservers, resolvScript } from './resolv-conf-trim.js';

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const path = pathVar(vars, ['resolv_conf'], '/etc/resolv.conf')!;
  const f = fileRec(recs, 'resolv');
  if (f.kind === 'missing') return affected(`${path} is missing: no nameserver`);
  if (f.kind !== 'file') return unknown(`${path} is not a regular file`);
  const ns = resolvNameservers(f.text);
  if (ns.length === 0) return affected(`no nameserver line in ${path}`);
  return clean(`${ns.length} nameserver${ns.length === 1 ? '' : 's'} in ${path}: ${ns.join(' ')}`);
}

export const entry: CatalogEntry = {
  id: 'resolv-conf-nameserver',
  level: 'host',
  title: {
    en: 'No nameserver in /etc/resolv.conf (CoreDNS: "no nameservers found")',
    zh: '/etc/resolv.conf 中没有 nameserver（CoreDNS 报 “no nameservers found”）',
  },
  explanation: {
    en:
      'CoreDNS forwards names outside the cluster to the nameservers of the node\'s /etc/resolv.conf ' +
      '(forward . /etc/resolv.conf). When that file has none, CoreDNS fails with "plugin/forward: no nameservers found".',
    zh:
      'CoreDNS 通过 forward 插件把集群外的域名转发给宿主机 /etc/resolv.conf 中的 nameserver（forward . /etc/resolv.conf）。' +
      '该文件中没有 nameserver 时，部署 CoreDNS 会报错 “plugin/forward: no nameservers found”。',
  },
  action: {
    en:
      'Add a nameserver line to /etc/resolv.conf on the node, then restart CoreDNS:\n' +
      "  echo 'nameserver <resolv_nameserver>' >> /etc/resolv.conf\n" +
      '  kubectl -n kube-system delete pod -l k8s-app=kube-dns\n' +
      RESOLVED_HINT.en,
    zh:
      '在本机 /etc/resolv.conf 中添加一条 nameserver，然后重启 CoreDNS：\n' +
      "  echo 'nameserver <resolv_nameserver>' >> /etc/resolv.conf\n" +
      '  kubectl -n kube-system delete pod -l k8s-app=kube-dns\n' +
      RESOLVED_HINT.zh,
  },
  symptoms: [
    {
      id: 'coredns-no-nameservers',
      // node-local-dns users quote it as "plugins/forward" (kubeasz#1010); the message is the same. It is
      // parse.ErrNoNameservers (plugin/pkg/parse/host.go, CoreDNS >= 1.6), wrapped by plugin.Error(<plugin>, err) in
      // every plugin that reads a resolv.conf through parse.HostPortOrFile: forward and grpc.
      // Left out on purpose: "not an IP address or file: %q" (tryFile failed) names a resolv.conf path that does not
      // exist, e.g. /run/systemd/resolve/resolv.conf without systemd-resolved (openshift/microshift#1912): another fix.
      pattern: /plugins?\/(?:forward|grpc): no nameservers found/,
      example: 'plugin/forward: no nameservers found',
      source: 'notes',
      reason: { en: 'CoreDNS forwards to the node\'s /etc/resolv.conf and found no nameserver line in it.', zh: 'CoreDNS 转发到节点的 /etc/resolv.conf，但其中没有 nameserver 行。' },
    },
    {
      id: 'dnsmasq-no-servers',
      // kube-dns's dnsmasq (and a node's own dnsmasq) reading a resolv.conf with no nameserver line: poll_resolv() in
      // src/dnsmasq.c logs "no servers found in %s, will retry" once when reload_servers() parsed none.
      pattern: /\bno servers found in \S*resolv\.conf, will retry/,
      example: 'dnsmasq[13]: no servers found in /etc/resolv.conf, will retry',
      source: 'dnsmasq (src/dnsmasq.c poll_resolv)',
      reason: { en: 'dnsmasq read the resolv.conf and found no nameserver line to forward to.', zh: 'dnsmasq 读取了 resolv.conf，但其中没有可转发的 nameserver 行。' },
    },
  ],
  detector: makeDetector({ helpers: ['file'], script: resolvScript, judge }),
  playbook: 'resolv-conf-nameserver.yaml',
  reversible: true,
  vars: [
    resolvConfVar,
    {
      name: 'resolv_nameserver',
      description: {
        en: 'The nameserver the fix adds, e.g. the site DNS server.',
        zh: '修复时添加的 nameserver 地址，如机房内的 DNS 服务器。',
      },
      required: true,
    },
  ],
};
