/**
 * Wordings printed by Kubernetes programs, second source round (issue 18, helper 18u): apiserver, kubelet CSI, kernel checks, kube-proxy, one case per format string and release; run by diagnose-sources.test.ts.
 */
import { fmt, journald, klog, klogS, type SourceCase } from './log-formats.js';

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
