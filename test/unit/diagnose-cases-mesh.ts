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

// kube-proxy's nftables mode: Service ports without endpoints as commented elements of the no-endpoint-* maps.
const KUBE_PROXY_NFT = 'https://github.com/kubernetes/kubernetes/blob/b0f823e6ccd8a10b3893fc75011b9981af39285c/pkg/proxy/nftables/proxier.go';

const ISTIO = 'https://github.com/istio/istio/blob';
// The access-log formats below: istio/istio pilot/pkg/networking/core/v1alpha3/accesslog.go EnvoyTextLogFormat /
// EnvoyJSONLogFormatIstio (Istio 1.9+), read at 0c1ce1383ff121a6ff5649b4b1306043fbf08407.

// tools/istio-iptables/pkg/dependencies/implementation.go (1.8-1.10 form: RunOrFail fmt.Printf, stderr via fmt.Fprintln),
// implementation_linux.go (1.2x: log.Errorf("Command error output: %v")) and capture/run.go (1.2x), read at these commits.
const ISTIO_IMPL_OLD = `${ISTIO}/020e7236ae230fece50ec079e05669a8a08666d1/tools/istio-iptables/pkg/dependencies/implementation.go`;
const ISTIO_IMPL_LINUX = `${ISTIO}/0ea736d3206934d6b76114b78c43a344050399aa/tools/istio-iptables/pkg/dependencies/implementation_linux.go`;
const ISTIO_RUN = `${ISTIO}/0098d99f8e43fe516aaac5a84a131b4ce3c8b9d1/tools/istio-iptables/pkg/capture/run.go`;
// tools/packaging/common/istio-iptables.sh (Istio 1.0-1.4): `set -x`, then `iptables -t nat -N ISTIO_REDIRECT`.
const ISTIO_SH = `${ISTIO}/0368884fb4033101386370a335469ccfa2285b77/tools/packaging/common/istio-iptables.sh`;

const JENKINS = 'https://github.com/jenkinsci/jenkins/blob';
// core/src/main/java/hudson/security/csrf/CrumbFilter.java, an older form (d703b10: "for {0}. Returning {1}.", "Will check
// remaining parameters") and a newer one (00c7c07: "for {0} by {1}. Returning {2}.", "If you are calling this URL with a script").
const CRUMB_OLD = `${JENKINS}/d703b10fd6f9b6412d5e3450d5d637dae98d9550/core/src/main/java/hudson/security/csrf/CrumbFilter.java`;
const CRUMB_NEW = `${JENKINS}/00c7c075a606a95f7458b6921d0b3ac83b8785c1/core/src/main/java/hudson/security/csrf/CrumbFilter.java`;
/** Jenkins 2.x's log format, as in the entry's example paste: time, [id=N], level, logger#method (formatter not read). */
const jenkinsLog = (level: string, logger: string, msg: string) => `2021-03-01 11:13:10.571+0000 [id=11]\t${level}\t${logger}: ${msg}`;
/** java.util.logging.SimpleFormatter's default two-line format (Jenkins 1.x, and `java -jar jenkins.war` on a console). */
const julLog = (cls: string, method: string, level: string, msg: string) => `Mar 1, 2021 11:13:10 AM ${cls} ${method}\n${level}: ${msg}`;

/** istio's log package as the entry's examples show it: time, level, message separated by tabs. */
const istioLog = (level: string, msg: string) => `2021-03-01T11:13:10.571590Z\t${level}\t${msg}`;

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
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'kube-proxy-nft-ingressgateway-no-endpoints',
    from: KUBE_PROXY_NFT, // externalTrafficPolicy: Local, no gateway Pod on this node: noEndpointNodePortsMap element, verdict drop
    line: '\t\telements = { tcp . 31380 comment "istio-system/istio-ingressgateway:http2" : drop,',
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'kube-proxy-nft-ingressgateway-no-endpoints',
    from: KUBE_PROXY_NFT, // no gateway endpoints at all: noEndpointServicesMap element for the ClusterIP, "goto reject-chain"
    line: '\t\t\t     10.96.12.7 . tcp . 80 comment "istio-system/aws-ingressgateway:http2" : goto reject-chain,',
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'kube-proxy-nft-ingressgateway-no-endpoints',
    from: KUBE_PROXY_NFT, // the transaction kube-proxy writes (`nft -f`; the element syntax as in nftables/proxier_test.go)
    line: 'add element ip kube-proxy no-endpoint-nodeports { tcp . 44693 comment "istio-system/aws-ingressgateway:" : drop }',
  },
  // istio-init-prune
  {
    entry: 'istio-init-prune',
    symptom: 'istio-command-error-output',
    from: ISTIO_IMPL_OLD, // transformToXTablesErrorMessage("%v: %v") of "iptables-restore: line 2 failed", printed bare to stderr
    line: fmt('%v: %v', 'xtables other problem', 'line 2 failed'),
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-iptables-failed-to-execute',
    from: ISTIO_IMPL_OLD, // RunOrFail: fmt.Printf("Failed to execute: %s %s, %v\n") with no log header, in the CRI log
    line: `2021-03-01T11:13:10.571590423Z stdout F ${fmt('Failed to execute: %s %s, %v', 'iptables-restore', '--noflush /tmp/iptables-rules-1614597190571590423.txt1583024907', 'exit status 1')}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-command-error-output',
    from: ISTIO_IMPL_LINUX, // executeXTables: log.Errorf("Command error output: %v", transformed stderr), restore fed on stdin
    line: istioLog('error', fmt('Command error output: %v', fmt('%v: %v', 'xtables other problem', 'line 2 failed'))),
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-nft-chain-exists',
    from: ISTIO_IMPL_LINUX, // the same with iptables-nft's stderr: the part after the first ":" is kept
    line: istioLog('error', fmt('Command error output: %v', fmt('%v: %v', 'xtables other problem', 'line 2: CHAIN_USER_ADD failed (File exists): chain ISTIO_INBOUND'))),
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-iptables-no-reconcile',
    from: ISTIO_RUN, // executeCommands: residue and delta found, --reconcile=false
    line: istioLog('info', 'reconcile is recommended but no-reconcile flag is set. Unexpected behavior may occur due to preexisting iptables rules'),
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-chain-exists',
    from: ISTIO_SH, // set -x echoes the command, iptables answers on the next line (diagnose joins the two)
    line: '+ iptables -t nat -N ISTIO_REDIRECT\niptables: Chain already exists.',
  },
  // jenkins-403-calico-bgp
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-no-valid-crumb',
    from: CRUMB_NEW, // LOGGER.log(level, ...) with the logger name abbreviated as newer Jenkins prints it
    line: jenkinsLog('WARNING', 'h.s.csrf.CrumbFilter#doFilter', fmt('No valid crumb was included in request for {0} by {1}. Returning {2}.', '/job/demo/build', 'admin', 403)),
  },
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-no-valid-crumb',
    from: CRUMB_OLD, // the older message without the user, in java.util.logging's two-line format
    line: julLog('hudson.security.csrf.CrumbFilter', 'doFilter', 'WARNING', fmt('No valid crumb was included in request for {0}. Returning {1}.', '/job/demo/build', 403)),
  },
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-no-valid-crumb',
    from: CRUMB_NEW, // httpResponse.sendError(SC_FORBIDDEN, "No valid crumb was included in the request") as Jetty's error page
    // prints it (the "HTTP ERROR 403" frame is Jetty's ErrorHandler, written from pastes, not read)
    line: 'HTTP ERROR 403 No valid crumb was included in the request',
  },
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-invalid-crumb',
    from: CRUMB_NEW, // a crumb was sent but does not validate (another client address or session), abbreviated logger
    line: jenkinsLog('WARNING', 'h.s.csrf.CrumbFilter#doFilter', fmt('Found invalid crumb {0}. If you are calling this URL with a script, please use the API Token instead. More information: https://jenkins.io/redirect/crumb-cannot-be-used-for-script', '5d3b4f3e0c8a1b2c7e9f')),
  },
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-invalid-crumb',
    from: CRUMB_OLD, // the older message (two spaces after the crumb) in the two-line format
    line: julLog('hudson.security.csrf.CrumbFilter', 'doFilter', 'WARNING', fmt('Found invalid crumb {0}.  Will check remaining parameters for a valid one...', '5d3b4f3e0c8a1b2c7e9f')),
  },
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const MESH_OTHER_FAILURES: OtherFailure[] = [
  // ingressgateway-no-destination is about the NodePort reaching no gateway Pod. An access-log line (envoyText, envoyJson)
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
  // kube-proxy nftables (KUBE_PROXY_NFT): another Service without endpoints
  { why: 'nft other service no endpoints', line: 'elements = { tcp . 30080 comment "default/web:http" : drop }' },
  // istio-iptables failing for reasons other than a re-run over its own chains (ISTIO_IMPL_OLD / ISTIO_IMPL_LINUX):
  // no nat table in the kernel (version problem, exit 3), the xtables lock held by another program (resource, exit 4)
  { why: 'istio nat table missing', line: istioLog('error', fmt('Command error output: %v', fmt('%v: %v', 'xtables version problem', "can't initialize iptables table `nat': Table does not exist (do you need to insmod?)"))) },
  { why: 'istio xtables lock', line: fmt('Failed to execute: %s %s, %v', 'iptables-restore', '--noflush /tmp/iptables-rules-1614597190571590423.txt1583024907', 'exit status 4') },
  // 1.2x with --reconcile (ISTIO_RUN): it cleans its earlier rules up and the re-run succeeds
  { why: 'istio reconcile cleanup', line: istioLog('info', 'Performing cleanup of existing iptables') },
  // calico-node's readiness probe (projectcalico/calico node/pkg/health/health.go checkBIRDReady, read at 00b9aad) and BIRD's protocol status (projectcalico/bird
  // proto/bgp/bgp.c bgp_get_status "%-14s%s%s", read at 00a09f3): BGP peering down is a cluster already routing by BGP
  // and failing to, not Jenkins' crumb check behind IPIP.
  { why: 'calico BIRD not ready', line: `Readiness probe failed: 2022-11-21 01:46:49.282 [INFO][1063] confd/health.go 180: Number of node(s) with BGP peering established = 0\n${fmt('calico/node is not ready: BIRD is not ready: %v', fmt('BGP not established with %v', '10.0.3.142,10.0.3.78'))}` },
  { why: 'calico BIRD6 not ready', line: fmt('calico/node is not ready: BIRD6 is not ready: %v', fmt('BGP not established with %v', 'fd00::3:142')) },
  { why: 'bird socket refused', line: `Mesh_10_0_3_142 BGP      master   start  01:46:49    ${'Active'.padEnd(14)}Socket: Connection refused` },
  { why: 'bird last error', line: '    Last error:       Socket: Connection refused' },
  // Jenkins refusing a build for a missing permission is a 403 that is not the crumb (message as Jenkins prints it, from pastes)
  { why: 'Jenkins missing permission', line: 'hudson.security.AccessDeniedException3: admin is missing the Job/Build permission' },
];
