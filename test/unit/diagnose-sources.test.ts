/**
 * Each signature against the wordings its program can print, built from the program's own format
 * string (test/unit/log-formats.ts fills the verbs with realistic values and adds the logger's
 * header). `from` names the source file and release the format string was read in; other releases
 * of the same program are separate cases when they word it differently.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/catalog/diagnose.js';
import { HOST_CASES } from './diagnose-cases-host.js';
import { K8S_CASES } from './diagnose-cases-k8s.js';
import { K8S2_CASES, K8S2_OTHER_FAILURES } from './diagnose-cases-k8s2.js';
import { K8S3_CASES, K8S3_OTHER_FAILURES } from './diagnose-cases-k8s3.js';
import { DSD_CASES, DSD_OTHER_FAILURES } from './diagnose-cases-dsd.js';
import { EDGE3_CASES, EDGE3_OTHER_FAILURES } from './diagnose-cases-edge3.js';
import { MESH_CASES, MESH_OTHER_FAILURES } from './diagnose-cases-mesh.js';
import { RUNTIME2_CASES } from './diagnose-cases-runtime2.js';
import { RUNTIME3_CASES, RUNTIME3_OTHER_FAILURES } from './diagnose-cases-runtime3.js';
import { dmesg, fmt, klog, klogS, type OtherFailure, type SourceCase } from './log-formats.js';

const CASES: SourceCase[] = [...K8S_CASES, ...HOST_CASES, ...K8S2_CASES, ...RUNTIME2_CASES, ...EDGE3_CASES, ...MESH_CASES, ...RUNTIME3_CASES, ...DSD_CASES, ...K8S3_CASES];

describe('signatures match what their programs print (format strings from the sources, several releases)', () => {
  it.each(CASES.map((c) => [`${c.entry} / ${c.symptom} <- ${c.from}`, c] as const))('%s', (_name, c) => {
    const r = diagnose(c.line);
    expect(r.matches[0]?.entryId, c.line).toBe(c.entry);
    expect(r.matches[0]!.evidence[0]!.symptomId, c.line).toBe(c.symptom);
  });
});

/** Lines the same programs print for other failures: the signatures must leave them alone. */
const OTHER_FAILURES: OtherFailure[] = [
  // kubelet's search-line limit (dns.go formDNSSearchFitsLimits) is a different problem from the nameserver limit
  { why: 'search line limit', line: klogS('E', 'dns.go:153', 'Search Line limits exceeded', { err: 'Search Line limits were exceeded, some search paths have been omitted, the applied search line is: a.svc b.svc c' }) },
  // order-0 failures of atomic allocations are routine noise (network drivers), not a fragmentation sign
  { why: 'order-0 atomic allocation', line: dmesg('kswapd0: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0') },
  // runc nsexec failing for a reason other than memory
  { why: 'unshare EPERM', line: 'nsenter: failed to unshare namespaces: Operation not permitted' },
  // a lowercase node the kubelet cannot get is not a capitalisation problem
  { why: 'lowercase node not found', line: klog('E', 'kubelet_node_status.go:402', 'Error updating node status, will retry: error getting node "worker-2": nodes "worker-2" not found') },
  // CSINode initialisation failing because the kubelet's own Node is not registered (k3s agents): another problem
  { why: 'CSINode without a Node', line: 'Failed to initialize CSINode: error updating CSINode annotation: timed out waiting for the condition; caused by: nodes "gcp-agent-1337-1" not found' },
  // the repair loop's other complaint (an IP given to two Services)
  { why: 'ClusterIP assigned twice', line: 'the cluster IP 10.96.0.10 for service kube-system/kube-dns was assigned to multiple services; please recreate' },
  // a binary that is not one of the ctl binaries
  { why: 'zsh other command', line: 'zsh: command not found: foo' },
  // kubeadm preflight InPathCheck (cmd/kubeadm/app/preflight/checks.go): mostly crictl not installed at all
  // (kubernetes/kubeadm#613), so it names no entry
  { why: 'kubeadm InPathCheck', line: `\t[WARNING FileExisting-crictl]: ${fmt('%s not found in system path', 'crictl')}` },
  // kubeadm's kernel check on a supported kernel
  { why: 'KERNEL_VERSION on 5.x', line: 'KERNEL_VERSION: 5.4.0-42-generic' },
  // docker on overlay2 and overlay2 on ext4 without the filetype feature are not these entries
  { why: 'docker info overlay2', line: ' Storage Driver: overlay2' },
  { why: 'extfs without d_type', line: 'overlay2: the backing extfs filesystem is formatted without d_type support, which leads to incorrect behavior. Reformat the filesystem (or use tune2fs) with -O filetype flag to enable d_type support.' },
  // a TLS handshake the client refused (a certificate problem) is not the harmless noise
  { why: 'TLS bad certificate', line: 'I0722 20:27:25.279953       1 log.go:172] http: TLS handshake error from 10.200.1.127:47606: remote error: tls: bad certificate' },
  // docker load of a real docker save archive whose layer is missing is another problem
  { why: 'missing layer tar', line: 'open /var/lib/docker/tmp/docker-import-3645772770/0f3a2a7f0d6c7e9fa6c3b3b8e1a2d4c5f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1/layer.tar: no such file or directory' },
  // kube-proxy quoting iptables-restore's stderr is kube-proxy's own failure, not istio-init's
  { why: 'kube-proxy iptables-restore', line: 'E1224 10:30:08.150179       1 proxier.go:1436] Failed to execute iptables-restore: exit status 1 (iptables-restore: line 7 failed )' },
  // Istio on a node without the nat table module: another istio-init failure
  { why: 'istio missing nat module', line: "2024-08-25T10:50:29.240073Z\terror\tCommand error output: xtables parameter problem: iptables-restore: unable to initialize table 'nat'" },
  // a Service other than an ingressgateway without endpoints
  { why: 'other service no endpoints', line: '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT' },
  // a lowercase name registering, pasted joined to the next line (diagnose also tries the two without a space)
  { why: 'lowercase register joined', line: 'Attempting to register node ip-172-28-68-60.eu-west-1.compute.internal\nUnable to register node "ip-172-28-68-60.eu-west-1.compute.internal" with API server: nodes "ip-172-28-68-60.eu-west-1.compute.internal" is forbidden' },
  // a lowercase Node that is not there yet
  { why: 'lowercase node not found', line: 'Error from server (NotFound): nodes "worker-3" not found' },
  // a program failing to exec a binary that is not one of the ctl binaries (Jenkins without git, a script without jq)
  { why: 'Java other program', line: 'java.io.IOException: Cannot run program "git": error=2, No such file or directory' },
  { why: 'nohup other program', line: "nohup: failed to run command 'jq': No such file or directory" },
  // kubectl found but refused (EACCES), not a PATH problem
  { why: 'Java EACCES', line: 'Cannot run program "kubectl": error=13, Permission denied' },
  // CoreDNS given a forward address that is neither an IP nor a resolv.conf (a Corefile typo), and dnsmasq's other file
  { why: 'CoreDNS forward typo', line: 'plugin/forward: not an IP address or file: "8.8.8.8.8"' },
  // coredns v1.8.0 plugin/pkg/parse/host.go tryFile failing: a resolv.conf path that is not there, not an empty one
  { why: 'CoreDNS resolv.conf missing', line: 'plugin/forward: not an IP address or file: "/etc/resolv.conf"' },
  { why: 'dnsmasq reading resolv.conf', line: 'dnsmasq[13]: reading /etc/resolv.conf' },
  // istio-iptables failing on a command that is not iptables
  { why: 'istio other command', line: '2021-01-12T08:01:02.123456Z\terror\tFailed to execute: ip -6 addr show, exit status 1' },
];

describe('signatures leave the same programs\' other failures alone', () => {
  it.each([...OTHER_FAILURES, ...K8S2_OTHER_FAILURES, ...EDGE3_OTHER_FAILURES, ...MESH_OTHER_FAILURES, ...RUNTIME3_OTHER_FAILURES, ...DSD_OTHER_FAILURES, ...K8S3_OTHER_FAILURES].map((o) => [o.why, o.line] as const))('%s', (_why, line) => {
    expect(diagnose(line).matches).toEqual([]);
  });
});
