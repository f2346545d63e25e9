/**
 * Wordings of kubelet-csimigration, apiserver-service-cidr, resolv-conf-trim, resolv-conf-nameserver, kube-proxy-nodeport-addresses (helper 18F), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import { fmt, journald, klog, klogS, type OtherFailure, type SourceCase } from './log-formats.js';

const K8S = 'https://github.com/kubernetes/kubernetes/blob';
// pkg/volume/csi/csi_plugin.go as stored: a 1.17 tree (CSINodeInfo gate) and a 1.18-1.20 tree (CSINode wording).
const CSI_117 = `${K8S}/992e0afb8da2f85cb2825ca9668928630ce44540/pkg/volume/csi/csi_plugin.go`;
const CSI_118 = `${K8S}/010b216075bbedaf1f03723bacaff3be59904a3a/pkg/volume/csi/csi_plugin.go`;
// nodeinfomanager.go InitializeCSINodeWithAnnotation: fmt.Errorf("error updating CSINode annotation: %v; caused by: %v", err, lastErr)
const CSINODE_ERR = 'error updating CSINode annotation: %v; caused by: %v';
const TIMEOUT = 'timed out waiting for the condition';
// pkg/kubelet/network/dns/dns.go in a 1.2x tree (ExpandedDNSConfig gate): fmt.Errorf(NS_LIMITS, ...), klog.ErrorS(err, "Nameserver limits exceeded")
const DNS_12X = `${K8S}/04791b4906602ffda5ccf9bc4c84d3329f1d7080/pkg/kubelet/network/dns/dns.go`;
const NS_LIMITS = 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: %s';

export const K8S3_CASES: SourceCase[] = [
  // kubelet-csimigration
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: CSI_118, // kvh.SetKubeletError(fmt.Errorf("Failed to initialize CSINode: %v", err)): the Ready condition in `kubectl get node -o json`, one object a line
    line: JSON.stringify({
      type: 'Ready',
      status: 'False',
      lastTransitionTime: '2020-06-23T09:40:01Z',
      reason: 'KubeletNotReady',
      message: fmt('Failed to initialize CSINode: %v', fmt(CSINODE_ERR, TIMEOUT, 'the server could not find the requested resource')),
    }),
  },
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: CSI_117, // klog.Errorf("Failed to initialize CSINodeInfo: %v", err) from a k3s agent (kubelet in the k3s process), client-go's NotFound naming the resource
    line: journald('k3s', klog('E', 'csi_plugin.go:271', fmt('Failed to initialize CSINodeInfo: %v', fmt(CSINODE_ERR, TIMEOUT, 'the server could not find the requested resource (get csinodes.storage.k8s.io k3s-agent)')))),
  },
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: CSI_118, // the Ready condition aggregated with the runtime's own errors (utilerrors.NewAggregate prints "[a, b]") in kubectl describe node
    line: fmt('  Ready            False   Tue, 23 Jun 2020 17:42:24 +0800   Tue, 23 Jun 2020 17:40:01 +0800   KubeletNotReady              [%s, %s]', 'container runtime status check may not have completed yet', fmt('Failed to initialize CSINode: %v', fmt(CSINODE_ERR, TIMEOUT, 'the server could not find the requested resource'))),
  },
  // apiserver-service-cidr
  {
    entry: 'apiserver-service-cidr',
    symptom: 'service-ip-not-in-range-any',
    from: `${K8S}/085770c3975cd4d42ccdf88ca49a3ed6779516e4/pkg/registry/service/ipallocator/allocator.go`, // 1.0/1.1 ErrNotInRange = errors.New("provided IP is not in the valid range"), NewFieldInvalid("spec.clusterIP", ...) in fielderrors' "%s: %s '%v', Details: %s"
    line: fmt("Error from server: Service \"%s\" is invalid: spec.clusterIP: invalid value '%v', Details: %s", 'kube-dns', '10.9.0.10', 'provided IP is not in the valid range'),
  },
  // resolv-conf-trim
  {
    entry: 'resolv-conf-trim',
    symptom: 'kubelet-nameserver-limits',
    from: DNS_12X, // klog.ErrorS(err, "Nameserver limits exceeded") in klog's JSON output (--logging-format=json): msg and err apart
    line: JSON.stringify({ ts: 1608808411677.889, caller: 'dns/dns.go:153', msg: 'Nameserver limits exceeded', err: fmt(NS_LIMITS, '10.22.16.2 10.22.16.254 10.245.0.10') }),
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'kubelet-nameserver-limits',
    from: DNS_12X, // c.recorder.Event(pod, Warning, "DNSConfigForming", err.Error()) as kubectl describe pod's Events table
    line: `  Warning  DNSConfigForming  3m (x52 over 68m)  kubelet  ${fmt(NS_LIMITS, '71.10.216.2 71.10.216.1 2607:f428:ffff:ffff::2')}`,
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'kubelet-nameserver-limits',
    from: DNS_12X, // the same ErrorS from the kubelet inside k3s (one k3s process, its journald unit)
    line: journald('k3s', klogS('E', 'dns.go:153', 'Nameserver limits exceeded', { err: fmt(NS_LIMITS, '8.8.8.8 8.8.4.4 4.2.2.1') })),
  },
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const K8S3_OTHER_FAILURES: OtherFailure[] = [
  // csi_plugin.go (1.18+): waitForAPIServerForever failed, the apiserver never answered; not the CSINode version skew
  { why: 'CSINode waiting for apiserver', line: klog('F', 'csi_plugin.go:254', fmt('Failed to initialize CSINode while waiting for API server to report ok: %v', TIMEOUT)) },
  // csi_plugin.go: the kubelet error set before the first try, on every start until the CSINode exists
  { why: 'CSINode not yet initialized', line: '  Ready            False   Tue, 23 Jun 2020 17:40:01 +0800   Tue, 23 Jun 2020 17:40:01 +0800   KubeletNotReady              [container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized, CSINode is not yet initialized]' },
  // alloc.go: the range has no free address left (too many Services), not an IP outside the range
  { why: 'Service range is full', line: 'error: failed to create ClusterIP service: Internal error occurred: failed to allocate a serviceIP: range is full' },
  // the requested clusterIP is inside the range but taken by another Service
  { why: 'clusterIP already allocated', line: 'The Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated' },
  // dns.go: too many search domains, not too many nameservers (another limit, another fix)
  { why: 'kubelet search line limits', line: klogS('E', 'dns.go:125', 'Search Line limits exceeded', { err: 'Search Line limits were exceeded, some search paths have been omitted, the applied search line is: default.svc.cluster.local svc.cluster.local cluster.local corp.example.com a.example.com b.example.com' }) },
  { why: 'resolv.conf search line too long', line: `Warning  CheckLimitsForResolvConf  node/node-1  Resolv.conf file '/etc/resolv.conf' contains search line consisting of more than 3 domains!` },
  // parseResolvConf: a "nameserver" keyword with no address; adding another nameserver line does not clear it
  { why: 'bare nameserver line', line: klog('E', 'kuberuntime_manager.go:815', fmt('CreatePodSandbox for pod %q failed: %v', 'web-0_default(8d6a2f1e-1a2b-4c3d-9e8f-0a1b2c3d4e5f)', 'nameserver list is empty ')) },
];
