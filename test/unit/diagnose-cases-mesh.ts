/**
 * Wordings of ingressgateway-no-destination, istio-init-prune, jenkins-403-calico-bgp (helper 18B), third source round
 * (issue 18), one case per format string and release, each built from the printing program's format string; run by
 * diagnose-sources.test.ts.
 */
import { dmesg, fmt, journald, type OtherFailure, type SourceCase } from './log-formats.js';

const LINUX = 'https://github.com/torvalds/linux/blob';
// net/netfilter/ipvs/ip_vs_sched.c ip_vs_scheduler_err, pr_fmt "IPVS: " (read at this commit).
const IPVS_SCHED = `${LINUX}/0d6ef0688d8744454646298b85336407be05e309/net/netfilter/ipvs/ip_vs_sched.c`;
const NO_DEST = 'no destination available';

const ISTIO = 'https://github.com/istio/istio/blob';
// pilot/pkg/networking/core/v1alpha3/accesslog.go EnvoyTextLogFormat / EnvoyJSONLogFormatIstio (Istio 1.9+, read at this commit).
const ISTIO_ACCESSLOG = `${ISTIO}/0c1ce1383ff121a6ff5649b4b1306043fbf08407/pilot/pkg/networking/core/v1alpha3/accesslog.go`;

/** An access-log line in Istio's default text format: the request reached the gateway's Envoy, which answered it. */
function envoyText(code: number, flags: string, details: string, cluster: string): string {
  return `[2020-12-24T03:13:31.677Z] "GET /productpage HTTP/1.1" ${code} ${flags} ${details} - "-" 0 ${code === 503 ? 19 : 0} 0 - ` +
    `"10.200.1.127" "curl/7.68.0" "5f2a1e7c-6d0b-9b5e-a1b1-3c8d2f0e4a77" "bookinfo.example.com" "-" ${cluster} - ` +
    '10.244.1.5:8080 10.200.1.127:39302 - -';
}

/** The same in Istio's JSON encoding (accessLogEncoding: JSON), keys as EnvoyJSONLogFormatIstio names them. */
function envoyJson(code: number, flags: string, details: string, cluster: string): string {
  return JSON.stringify({
    authority: 'bookinfo.example.com', bytes_received: 0, bytes_sent: 19, connection_termination_details: null,
    downstream_local_address: '10.244.1.5:8080', downstream_remote_address: '10.200.1.127:39302', duration: 0,
    method: 'GET', path: '/productpage', protocol: 'HTTP/1.1', request_id: '5f2a1e7c-6d0b-9b5e-a1b1-3c8d2f0e4a77',
    requested_server_name: null, response_code: code, response_code_details: details, response_flags: flags,
    route_name: null, start_time: '2020-12-24T03:13:31.677Z', upstream_cluster: cluster, upstream_host: null,
    upstream_local_address: null, upstream_service_time: null, upstream_transport_failure_reason: null,
    user_agent: 'curl/7.68.0', x_forwarded_for: '10.200.1.127',
  });
}

export const MESH_CASES: SourceCase[] = [
  // ingressgateway-no-destination
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: IPVS_SCHED, // IPv4 service: "%s: %s %pI4:%d - %s", as dmesg -T prints it
    line: dmesg(`IPVS: ${fmt('%s: %s %s:%d - %s', 'rr', 'TCP', '10.200.1.206', 44693, NO_DEST)}`, true),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: IPVS_SCHED, // IPv6 service: "%s: %s [%pI6c]:%d - %s", through journald's kernel transport
    line: journald('kernel', `IPVS: ${fmt('%s: %s [%s]:%d - %s', 'rr', 'TCP', 'fd00:10:96::a', 31380, NO_DEST)}`),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: IPVS_SCHED, // firewall-mark service: "%s: FWM %u 0x%08X - %s" (fmt has no %X: the mark written out)
    line: dmesg(`IPVS: ${fmt('%s: FWM %u 0x00001000 - %s', 'wrr', 4096, NO_DEST)}`),
  },
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const MESH_OTHER_FAILURES: OtherFailure[] = [
  // ingressgateway-no-destination is about the NodePort reaching no gateway Pod. An access-log line (ISTIO_ACCESSLOG)
  // proves the gateway's Envoy got the request: no route (NR), no healthy backend behind it (UH) or no cluster (NC)
  // is a VirtualService / backend problem, another failure.
  { why: 'Envoy NR route_not_found (text)', line: envoyText(404, 'NR', 'route_not_found', '-') },
  { why: 'Envoy UH no_healthy_upstream (text)', line: envoyText(503, 'UH', 'no_healthy_upstream', 'outbound|9080||productpage.default.svc.cluster.local') },
  { why: 'Envoy NC cluster_not_found (text)', line: envoyText(503, 'NC', 'cluster_not_found', '-') },
  { why: 'Envoy NR route_not_found (JSON)', line: envoyJson(404, 'NR', 'route_not_found', '-') },
  { why: 'Envoy UH no_healthy_upstream (JSON)', line: envoyJson(503, 'UH', 'no_healthy_upstream', 'outbound|9080||productpage.default.svc.cluster.local') },
  // the body Envoy sends with UH, as curl prints it
  { why: 'Envoy no healthy upstream body', line: 'no healthy upstream' },
  // istioctl analyze (pkg/config/analysis/msg/messages.yaml templates; the "Level [Code] (Kind ns/name)" prefix is
  // written as istioctl prints it, from pastes): a Gateway selector matching no Pod or a VirtualService host that does
  // not exist is configuration, not a NodePort without a ready gateway.
  { why: 'IST0101 gateway selector', line: `Error [IST0101] (Gateway istio-system/bookinfo-gateway) ${fmt('Referenced %s not found: %q', 'selector', 'istio=aws-ingressgateway')}` },
  { why: 'IST0101 virtualservice host', line: `Error [IST0101] (VirtualService default/bookinfo) ${fmt('Referenced %s not found: %q', 'host', 'productpage')}` },
  { why: 'IST0132 host not in gateway', line: `Warning [IST0132] (VirtualService default/bookinfo) ${fmt('one or more host %v defined in VirtualService %s not found in Gateway %s.', '[bookinfo.example.com]', 'default/bookinfo', 'istio-system/bookinfo-gateway')}` },
];
