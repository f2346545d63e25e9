import { affected, clean, DetectorOutputError, fileRec, makeDetector, unknown, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

/** apimachinery's DNS-1123 subdomain refusal, in the wordings of 1.0-1.3, 1.4-1.5, 1.6-1.18 and 1.19+. */
// The last form is the 2015 (pre-1.0) wording, whose field error read "invalid value 'X': name must be lowercase" (kubernetes#4044).
const DNS1123_REFUSAL = '(?:a (?:lowercase RFC 1123|DNS-1123) subdomain must consist of lower case|must match the regex \\[a-z0-9\\]|must be a DNS subdomain|name must be lowercase letters and numbers)';

function judge(recs: Rec[]): DetectorResult {
  const u = recs.find((r) => r.tag === 'uname');
  if (!u) throw new DetectorOutputError('no uname record');
  const running = (u.body[0] ?? '').trim();
  const f = fileRec(recs, 'hostfile');
  const configured = f.kind === 'file' ? (f.lines.map((l) => l.replace(/#.*$/, '').trim()).find(Boolean) ?? '') : '';
  const names = [...new Set([running, configured].filter(Boolean))];
  if (names.length === 0) return unknown('no hostname: uname -n printed nothing and /etc/hostname is empty or missing');
  const bad = names.filter((n) => /[A-Z]/.test(n));
  const where = (n: string) => (n === running && n === configured ? 'hostname' : n === running ? 'running hostname' : '/etc/hostname');
  if (bad.length > 0) {
    return affected(bad.map((n) => `${where(n)} ${n} has capital letters (node name would be ${n.toLowerCase()})`).join('; '));
  }
  return clean(`hostname ${names.join(' / ')} is lower case`);
}

export const entry: CatalogEntry = {
  id: 'hostname-lowercase',
  level: 'host',
  title: {
    en: 'Hostname has capital letters (the node cannot register)',
    zh: '主机名包含大写字母（节点无法注册）',
  },
  explanation: {
    en:
      'Kubernetes node names must be lower case. kubelet registers the node under the lower-cased hostname, while the ' +
      'kubelet.conf generated from the hostname keeps the capitals in its identity (system:node:<Hostname>), so the ' +
      "node cannot register or update itself. Don't give nodes, masters especially, hostnames with capital letters.",
    zh:
      'Kubernetes 的节点名必须为小写。kubelet 会用转为小写的主机名注册节点，而按主机名生成的 kubelet.conf 中的身份' +
      '（system:node:<主机名>）仍带大写，生成 kubelet.conf 时就会产生无法注册的问题。主机名（尤其是 Master 节点）不要设为大写。',
  },
  action: {
    en:
      "Changing the hostname changes the node's identity: do it before the node is deployed, or re-deploy the node afterwards.\n" +
      "  hostnamectl set-hostname \"$(hostname | tr 'A-Z' 'a-z')\"\n" +
      '  grep -n "$(hostname)" /etc/hosts        # update entries that still use the old name\n' +
      'Then regenerate kubelet.conf for the new name (re-run Crane for this node).',
    zh:
      '修改主机名会改变节点身份：请在部署该节点之前修改，或修改后重新部署该节点。\n' +
      "  hostnamectl set-hostname \"$(hostname | tr 'A-Z' 'a-z')\"\n" +
      '  grep -n "$(hostname)" /etc/hosts        # 同步修改仍使用旧主机名的条目\n' +
      '然后按新主机名重新生成 kubelet.conf（对该节点重新执行 Crane 部署）。',
  },
  symptoms: [
    {
      id: 'node-name-not-lowercase',
      // The apiserver's DNS-1123 subdomain message, by release (apimachinery validation): "a lowercase RFC 1123
      // subdomain must consist of lower case" (1.19+), "a DNS-1123 subdomain must consist of lower case" (1.6-1.18),
      // "must match the regex [a-z0-9]..." (1.4-1.5, kubernetes PR #40339), "must be a DNS subdomain (at most 253
      // characters, ...)" (1.0-1.3), whose field errors read "invalid value 'X', Details: ..." before 1.2.
      // The Node's Lease and CSINode carry the same name and get the same refusal; kubeadm 1.6's HostnameCheck printed
      // "hostname \"%s\" %s" with the same message.
      pattern: new RegExp(
        `(?:[Nn]ode|[Ll]ease|minion).*(?:Invalid value: "[^"]*[A-Z][^"]*": |invalid value '[^']*[A-Z][^']*'(?:, Details:|:) )${DNS1123_REFUSAL}|hostname "[^"]*[A-Z][^"]*" ${DNS1123_REFUSAL}`,
      ),
      example:
        'E1221 13:01:03.731043  353352 kubelet_node_status.go:92] Unable to register node "BJ-M8-HADOOP-105-145" with API server: Node "BJ-M8-HADOOP-105-145" is invalid: metadata.name: Invalid value: "BJ-M8-HADOOP-105-145": a DNS-1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      source: 'kubelet / apiserver name validation',
      reason: { en: 'The node name (the hostname) has capitals, which a Kubernetes object name may not have.', zh: '节点名（主机名）包含大写字母，而 Kubernetes 对象名不允许大写。' },
    },
    {
      id: 'node-identity-case-mismatch',
      // plugin/pkg/admission/noderestriction/admission.go: "node %q cannot modify node %q" (1.7-1.1x), "node %q is not allowed to
      // modify node %q" (later); the kubelet's mirror pods carry the lowercase Node name, so with a capital identity it also
      // gets "node %q can only create|delete pods with spec.nodeName set to itself" / "can only update pod status for pods ...".
      pattern: /node "[^"]*[A-Z][^"]*" (?:(?:is not allowed to|cannot) modify node "[^"]*"|can only (?:create|delete|update pod status for) pods with spec\.nodeName set to itself)/,
      example:
        'E1221 13:01:04.105330  353352 kubelet_node_status.go:92] Unable to register node "bj-m8-hadoop-105-145" with API server: nodes "bj-m8-hadoop-105-145" is forbidden: node "BJ-M8-HADOOP-105-145" is not allowed to modify node "bj-m8-hadoop-105-145"',
      source: 'kube-apiserver NodeRestriction admission',
      reason: { en: 'The kubelet\'s credentials name the node with capitals, the Node object is lowercase, so NodeRestriction refuses.', zh: 'kubelet 凭据中的节点名含大写字母，而 Node 对象名为小写，NodeRestriction 拒绝了请求。' },
    },
    {
      id: 'node-user-uppercase',
      // RBAC/Node authorizer refusals name the user; the Node authorizer adds "no relationship found between node '%s' and this
      // object", and with AuthorizeNodeWithSelectors "node '%s' cannot read '%s', only its own Node object" (or "cannot read all
      // nodes"). kube-apiserver logs each denial at -v=2 as "NODE DENY: '%s' %#v". The name is the one in the kubelet's
      // credentials (system:node:<name>); no Node can have a capital, so a capital there is the hostname's.
      pattern: /User "system:node:[^"\s]*[A-Z][^"\s]*" cannot|no relationship found between node '[^']*[A-Z][^']*'|\bnode '[^']*[A-Z][^']*' cannot read |NODE DENY: '[^']*[A-Z][^']*'/,
      example: 'leases.coordination.k8s.io "mattpolzin-scrappy" is forbidden: User "system:node:MattPolzin-Scrappy" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
      source: 'NixOS/nixpkgs#315144',
      reason: { en: 'The kubelet credentials carry the hostname with capitals, the Node object is lowercase.', zh: 'kubelet 证书中的主机名含大写字母，而 Node 对象名为小写。' },
      weight: 2,
    },
    {
      id: 'kubelet-get-node-uppercase',
      // kubelet_node_status.go tryUpdateNodeStatus: fmt.Errorf("error getting node %q: %v", kl.nodeName, err) (1.2+);
      // no Node object can have a capital in its name, so a capital here is the kubelet's own name.
      pattern: /error getting node "[^"]*[A-Z][^"]*"/,
      example:
        'E1221 13:01:13.905229  353352 kubelet_node_status.go:402] Error updating node status, will retry: error getting node "BJ-M8-HADOOP-105-145": nodes "BJ-M8-HADOOP-105-145" not found',
      source: 'kubelet (pkg/kubelet/kubelet_node_status.go)',
      reason: {
        en: 'kubelet looks for a Node named with capitals, which can never exist: its node name (the hostname) has capitals.',
        zh: 'kubelet 在查找一个带大写字母的 Node，而这样的 Node 不可能存在：它的节点名（主机名）含大写字母。',
      },
      weight: 2,
    },
    {
      id: 'node-uppercase-not-found',
      // apimachinery errors.NewNotFound: "%s %q not found" - "nodes \"X\" not found" from the API, "node \"X\" not found"
      // from a lister (kubelet 1.2x "Error getting node"); kubeadm's "Error writing Crisocket information for the control-plane
      // node: nodes \"X\" not found" is the same lookup. A Node named with capitals cannot exist, so the name came from a
      // hostname with capitals. Rancher prints the name twice: 'Failed to get kubernetes node [X]: "X" not found'.
      pattern: /\bnodes? (?:\[[^\]\s]*\]: )?"[^"]*[A-Z][^"]*" not found/,
      example: 'error execution phase upload-config/kubelet: Error writing Crisocket information for the control-plane node: nodes "K8s-Master" not found',
      source: 'apimachinery NotFound (kubelet, kubeadm)',
      reason: {
        en: 'Something looked up a Node by a name with capitals, which no Node can have: the hostname has capitals.',
        zh: '有组件按带大写字母的名字查找 Node，而 Node 名不可能含大写：主机名含大写字母。',
      },
    },
    {
      id: 'kubelet-register-uppercase',
      // kubelet_node_status.go registerWithAPIServer: klog.Infof("Attempting to register node %s", node.Name) (to 1.19),
      // klog.InfoS("Attempting to register node", "node", klog.KObj(node)) (1.20+). Info level, but a capital here never registers.
      // The plain name ends the line: anchored, so a paste joined to the next line cannot lend it a capital.
      pattern: /Attempting to register node [^\s"]*[A-Z][^\s"]*$|"Attempting to register node" node="[^"]*[A-Z][^"]*"/,
      example: 'I1221 13:01:03.731043  353352 kubelet_node_status.go:70] Attempting to register node BJ-M8-HADOOP-105-145',
      source: 'kubelet (pkg/kubelet/kubelet_node_status.go)',
      reason: { en: 'kubelet tries to register a node name with capitals, which the apiserver refuses.', zh: 'kubelet 尝试注册带大写字母的节点名，apiserver 会拒绝。' },
      weight: 2,
    },
  ],
  detector: makeDetector({
    helpers: ['file'],
    script: () => [`echo "@@crane uname"; printf '|%s\\n' "$(uname -n)"`, 'crane_file hostfile /etc/hostname'].join('\n'),
    judge,
  }),
  playbook: 'hostname-lowercase.yaml',
  reversible: false,
  destructive: true,
};
