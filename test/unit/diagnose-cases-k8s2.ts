/**
 * Wordings printed by Kubernetes programs, second source round (issue 18, helper 18u): apiserver, kubelet CSI, kernel checks, kube-proxy, one case per format string and release; run by diagnose-sources.test.ts.
 */
import { fmt, journald, klog, klogS, type OtherFailure, type SourceCase } from './log-formats.js';

const K8S = 'https://github.com/kubernetes/kubernetes/blob';
const GO = 'https://github.com/golang/go/blob';

/** klog's JSON format (--logging-format=json, k8s >= 1.19): one object per line, the text in "msg". */
function klogJson(msg: string, kv: Record<string, unknown> = {}): string {
  return JSON.stringify({ ts: 1608808411677.889, caller: 'proxier.go:1470', msg, v: 0, ...kv });
}

// net/http server.go: c.server.logf("http: TLS handshake error from %s: %v", c.rwc.RemoteAddr(), err); the apiserver's
// ErrorLog goes through klog's log bridge (log.go), the kubelet's 10250 server prints the same.
const TLS = 'http: TLS handshake error from %s: %v';

export const K8S2_CASES: SourceCase[] = [
  // apiserver-service-cidr
  {
    entry: 'apiserver-service-cidr',
    symptom: 'service-ip-not-in-range',
    from: `${K8S}/v1.20.0/pkg/registry/core/service/storage/rest.go`, // field.Invalid(spec.clusterIPs, ..., fmt.Sprintf("failed to allocate IP %v: %v", ip, err)) as kubectl prints it
    line: fmt('The Service "%s" is invalid: spec.clusterIPs: Invalid value: []string{%q}: failed to allocate IP %v: %v', 'invalid-svc', '0.0.0.0', '0.0.0.0', fmt('provided IP is not in the valid range. The range of valid IPs is %s', '10.19.0.0/18')),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'service-ip-not-in-range',
    from: `${K8S}/v1.22.0/pkg/registry/core/service/ipallocator/allocator.go`, // ErrNotInRange{IP, ValidRange}.Error() on spec.clusterIPs[0] (dual-stack field path), kubectl create
    line: fmt('Error from server (Invalid): error when creating "svc.yaml": Service "%s" is invalid: spec.clusterIPs[0]: Invalid value: %q: failed to allocate IP %v: the provided IP (%v) is not in the valid range. The range of valid IPs is %s', 'web', '10.0.0.10', '10.0.0.10', '10.0.0.10', '10.96.0.0/12'),
  },
  // apiserver-tls-noise
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-eof',
    from: `${GO}/go1.13/src/net/http/server.go`, // a TCP health check closing before the ClientHello: io.EOF
    line: klog('I', 'log.go:172', fmt(TLS, '10.200.1.127:47718', 'EOF')),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-eof',
    from: `${GO}/go1.20/src/net/http/server.go`, // the same through journald (kubelet or a static-pod apiserver's container log)
    line: journald('kubelet', klog('I', 'log.go:194', fmt(TLS, '[fd00::12]:47718', 'EOF'))),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-eof',
    from: `${GO}/go1.20/src/net/http/server.go`, // klog JSON output (--logging-format=json), the bridge's text in "msg"
    line: klogJson(fmt(TLS, '10.200.1.127:47718', 'EOF')),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-reset',
    from: `${GO}/go1.13/src/net/net.go`, // OpError.Error(): "read tcp local->remote: read: connection reset by peer"
    line: klog('I', 'log.go:172', fmt(TLS, '10.200.1.127:47606', 'read tcp 10.200.1.127:6443->10.200.1.127:47606: read: connection reset by peer')),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-reset',
    from: `${GO}/go1.4/src/net/net.go`, // before go1.5 OpError had no Source: "read tcp remote: connection reset by peer"
    line: klog('I', 'logs.go:41', fmt(TLS, '10.200.1.127:47606', 'read tcp 10.200.1.127:47606: connection reset by peer')),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-reset',
    from: `${GO}/go1.20/src/net/http/server.go`, // klog JSON output
    line: klogJson(fmt(TLS, '10.200.1.127:47606', 'read tcp 10.200.1.127:6443->10.200.1.127:47606: read: connection reset by peer')),
  },
  // kubelet-csimigration
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: `${K8S}/v1.17.0/pkg/volume/csi/csi_plugin.go`, // Init: errors.New(log("failed to initialize CSINodeInfo: %v", err)) behind plugins.go
    line: klog('E', 'plugins.go:634', fmt('Failed to load volume plugin %s, error: %s', 'kubernetes.io/csi', fmt('kubernetes.io/csi: failed to initialize CSINodeInfo: %v', 'error updating CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested resource'))),
  },
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: `${K8S}/v1.18.0/pkg/volume/csi/nodeinfomanager/nodeinfomanager.go`, // fmt.Errorf("error updating CSINode annotation: %v; caused by: %v"), as the NotReady condition in kubectl describe node
    line: '  Ready            False   Tue, 23 Jun 2020 17:42:24 +0800   Tue, 23 Jun 2020 17:40:01 +0800   KubeletNotReady              Failed to initialize CSINode: error updating CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested resource',
  },
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: `${K8S}/v1.19.0/pkg/volume/csi/csi_plugin.go`, // klog.Errorf(log("Failed to initialize CSINode: %v", err)) in klog JSON output
    line: klogJson(fmt('kubernetes.io/csi: Failed to initialize CSINode: %v', 'error updating CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested resource')),
  },
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-fatal',
    from: `${K8S}/v1.18.0/pkg/volume/csi/csi_plugin.go`, // klog.Fatalf(log("Failed to initialize CSINode after retrying: %v", err)) through journald
    line: journald('kubelet', klog('F', 'csi_plugin.go:289', fmt('kubernetes.io/csi: Failed to initialize CSINode after retrying: %v', 'timed out waiting for the condition'))),
  },
  // kernel-min-version
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: 'https://github.com/kubernetes/system-validators/blob/v1.8.0/validators/kernel_validator.go', // errors.Errorf("unsupported kernel release: %s"), kubeadm 1.27 preflight
    line: `error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR SystemVerification]: ${fmt('unsupported kernel release: %s', '3.10.0-1160.el7.x86_64')}`,
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: 'https://github.com/kubernetes/system-validators/blob/v1.2.0/validators/report.go', // StreamReporter: "%s: %s\n", colorize(key, white), colorize(value, red)
    line: `\x1b[0;37mKERNEL_VERSION\x1b[0m: \x1b[0;31m${'4.9.0-8-amd64'}\x1b[0m`,
  },
  // kube-proxy-nodeport-addresses
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.12.0/pkg/proxy/iptables/proxier.go`, // klog.Errorf("Failed to get node ip address matching nodeport cidr: %v", err)
    line: klog('E', 'proxier.go:1056', fmt('Failed to get node ip address matching nodeport cidr: %v', fmt('no addresses found for cidrs %v', '[10.100.21.0/24]'))),
  },
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.23.0/pkg/proxy/iptables/proxier.go`, // klog.ErrorS(err, "...cidrs, services with nodeport may not work as intended", "CIDRs", ...): a slice prints unquoted
    line: klog('E', 'proxier.go:1325', '"Failed to get node ip address matching nodeport cidrs, services with nodeport may not work as intended" err="no addresses found for cidrs [10.100.21.0/24]" CIDRs=[10.100.21.0/24]'),
  },
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.20.0/pkg/proxy/winkernel/proxier.go`, // klog.Infof("Failed to get node ip address matching nodeport cidrs %v, services ...: %v")
    line: klog('I', 'proxier.go:1022', fmt('Failed to get node ip address matching nodeport cidrs %v, services with nodeport may not work as intended: %v', '[10.100.21.0/24]', 'no addresses found for cidrs [10.100.21.0/24]')),
  },
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.29.0/pkg/proxy/nftables/proxier.go`, // proxier.logger.Error(err, ...) in klog JSON output
    line: klogJson('Failed to get node ip address matching nodeport cidrs, services with nodeport may not work as intended', { err: 'no addresses found for cidrs [10.100.21.0/24]', CIDRs: ['10.100.21.0/24'] }),
  },
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.22.0/pkg/proxy/ipvs/proxier.go`, // the same ErrorS through journald (kube-proxy run as a systemd unit)
    line: journald('kube-proxy', klogS('E', 'proxier.go:1145', 'Failed to get node ip address matching nodeport cidrs, services with nodeport may not work as intended', { err: 'no addresses found for cidrs [10.100.21.0/24]' })),
  },
];

/**
 * The same programs' lines for other failures or healthy states, for the lead to add to OTHER_FAILURES in
 * diagnose-sources.test.ts: the signatures must leave them alone.
 */
export const K8S2_OTHER_FAILURES: OtherFailure[] = [
  // Cilium's agent IPAM (a copy of the allocator) on its pod CIDR, not the apiserver's Service range
  { why: 'Cilium ingress IP re-allocate', line: 'level=warn msg="unable to re-allocate ingress IPv4." error="provided IP is not in the valid range. The range of valid IPs is 10.233.64.0/24" module=agent.controlplane.agent-infra-endpoints' },
  // the NodePort range, another apiserver flag and another entry's problem
  { why: 'NodePort out of range', line: 'The Service "api-service" is invalid: spec.ports[0].nodePort: Invalid value: 8102: provided port is not in the valid range. The range of valid ports is 30000-32767' },
  // system-validators report.go colouring a supported kernel green
  { why: 'KERNEL_VERSION 5.x coloured', line: '\x1b[0;37mKERNEL_VERSION\x1b[0m: \x1b[0;32m5.15.0-91-generic\x1b[0m' },
  // Go net/http: a client speaking plain HTTP to the TLS port (go1.12+ answers 400) is a misconfigured client, not noise
  { why: 'TLS plain HTTP client', line: klog('I', 'log.go:194', fmt(TLS, '10.0.0.5:51234', 'tls: first record does not look like a TLS handshake')) },
  // a handshake that timed out (slow or stuck client), not a health check
  { why: 'TLS handshake timeout', line: klog('I', 'log.go:194', fmt(TLS, '10.0.0.5:51234', 'read tcp 10.0.0.1:6443->10.0.0.5:51234: i/o timeout')) },
  // kube-proxy's warning that nodePortAddresses is unset (1.29+): a hint, not the no-address failure
  { why: 'nodePortAddresses unset', line: klogS('I', 'server.go:234', 'Kube-proxy configuration may be incomplete or incorrect', { err: 'nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. Consider using `--nodeport-addresses primary`' }) },
];
