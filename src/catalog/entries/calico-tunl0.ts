import { affected, clean, DetectorOutputError, makeDetector, notInstalled, runRec, stringVar, unknown, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

/** Crane's calico_type is Calico's IPIP mode: 'Off' (v2 name) / 'Never' mean plain BGP. */
export function isBgpMode(calicoType: string): boolean {
  return /^(off|never)$/i.test(calicoType.trim());
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const type = stringVar(vars, ['calico_type']);
  if (type === undefined) return unknown('calico_type is not set: cannot tell whether tunl0 should exist');
  const sys = recs.find((r) => r.tag === 'sys');
  if (!sys || (sys.args[0] !== 'yes' && sys.args[0] !== 'no')) throw new DetectorOutputError('no /sys/class/net/tunl0 record');
  const exists = sys.args[0] === 'yes';
  if (!isBgpMode(type)) return clean(`calico_type=${type} (IPIP): tunl0 ${exists ? 'is expected' : 'not present'}`);
  if (!exists) return clean(`calico_type=${type} and no tunl0 device`);
  const addr = runRec(recs, 'addr');
  const inet = notInstalled(addr) ? [] : addr.lines.flatMap((l) => [...l.matchAll(/\binet (\S+)/g)].map((m) => m[1]!));
  const link = runRec(recs, 'link');
  const up = !notInstalled(link) && /<[^>]*\bUP\b[^>]*>/.test(link.text);
  return affected(
    `calico_type=${type} but tunl0 exists${up ? ', UP' : ''}${inet.length > 0 ? `, address ${inet.join(' ')}` : ''}`,
  );
}

export const entry: CatalogEntry = {
  id: 'calico-tunl0',
  level: 'host',
  title: {
    en: 'tunl0 still present after switching Calico from IPIP to BGP',
    zh: 'Calico 由 IPIP 切换为 BGP 后 tunl0 网卡仍然存在',
  },
  explanation: {
    en:
      "Calico uses IPIP by default; setting Crane's calico_type to Off switches it to plain BGP. On a cluster that is " +
      'already in use the switch only takes effect after the tunl0 device is removed: the old tunnel address and ' +
      'routes on tunl0 conflict with the BGP routes.',
    zh:
      '使用 Calico 时默认是 IPIP 协议，如果需要修改为 BGP，只需要把 Crane 的 calico_type 改为 Off 即可生效。' +
      '但如果是正在使用的集群，启动后需要删除 tunl0 网卡才会生效，旧的隧道地址与 tunl0 上的路由会和 BGP 路由产生网络冲突。',
  },
  action: {
    en:
      'Switch the IP pool to ipipMode Never once for the cluster (Crane: calico_type: Off):\n' +
      "  calicoctl patch ippool default-ipv4-ippool -p '{\"spec\": {\"ipipMode\": \"Never\"}}'\n" +
      '  calicoctl get ippool -o wide      # IPIPMODE must be Never\n' +
      'Then on each node:\n' +
      '  ip link set tunl0 down\n' +
      '  modprobe -r ipip                  # removes tunl0; `ip link delete tunl0` does not remove this built-in device\n' +
      '  kubectl -n kube-system delete pod -l k8s-app=calico-node --field-selector spec.nodeName=<node>\n' +
      'If modprobe -r says the module is in use, flush the address (ip addr flush dev tunl0) and reboot the node later.',
    zh:
      '先把集群的 IP 池切换为 ipipMode: Never（Crane 中为 calico_type: Off，每个集群执行一次）：\n' +
      "  calicoctl patch ippool default-ipv4-ippool -p '{\"spec\": {\"ipipMode\": \"Never\"}}'\n" +
      '  calicoctl get ippool -o wide      # IPIPMODE 应为 Never\n' +
      '然后在每个节点上执行：\n' +
      '  ip link set tunl0 down\n' +
      '  modprobe -r ipip                  # 卸载 ipip 模块以删除 tunl0；该内置网卡无法用 ip link delete tunl0 删除\n' +
      '  kubectl -n kube-system delete pod -l k8s-app=calico-node --field-selector spec.nodeName=<node>\n' +
      '如果 modprobe -r 提示模块正在使用，先清除其地址（ip addr flush dev tunl0），之后再择机重启节点。',
  },
  symptoms: [],
  detector: makeDetector({
    helpers: ['run'],
    script: () =>
      [
        'if [ -e /sys/class/net/tunl0 ]; then echo "@@crane sys yes"; else echo "@@crane sys no"; fi',
        'crane_run link ip -o link show dev tunl0',
        'crane_run addr ip -o -4 addr show dev tunl0',
      ].join('\n'),
    judge,
  }),
  playbook: 'calico-tunl0.yaml',
  reversible: false,
  vars: [
    {
      name: 'calico_type',
      description: {
        en: "Crane's calico_type (Calico IPIP mode): Always / CrossSubnet keep IPIP, Off (or Never) means BGP.",
        zh: 'Crane 的 calico_type（Calico 的 IPIP 模式）：Always / CrossSubnet 为 IPIP，Off（或 Never）为 BGP。',
      },
      required: true,
    },
  ],
  references: ['https://docs.tigera.io/calico/latest/networking/configuring/vxlan-ipip'],
};
