/**
 * normalizeLine against the envelopes the programs and collectors of the catalogue's sources print:
 * each case is one message in one format, and must come out as the bare message.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/catalog/diagnose.js';
import { normalizeLine } from '../../src/catalog/normalize.js';
import { dmesg, dockerJson, journald, klog, klogS, logrus } from './log-formats.js';

const MSG = 'iptables-restore: line 2 failed';

describe('normalizeLine takes off the envelope', () => {
  it.each([
    // k8s.io/klog text header, then the same under journald
    ['klog header', klog('E', 'proxier.go:1056', MSG)],
    ['journald + klog', journald('kubelet', klog('W', 'server.go:42', MSG))],
    // journalctl -o short-iso and short-iso-precise
    ['journalctl short-iso', `2020-12-24T11:13:31+0800 node-1 kubelet[3680]: ${MSG}`],
    ['journalctl short-iso-precise', `2020-12-24T11:13:31.677889+08:00 node-1 kubelet[3680]: ${MSG}`],
    // journalctl -o short-precise cut at the time
    ['journalctl short-precise, time only', `15:16:15.123456 node3 kubelet[14756]: ${MSG}`],
    // dmesg, dmesg -T, dmesg -x
    ['dmesg', dmesg(MSG)],
    ['dmesg -T', dmesg(MSG, true)],
    ['dmesg -x', `kern  :warn  : [ 2926.286380] ${MSG}`],
    // docker json-file and journald -o json
    ['docker json-file', dockerJson(MSG)],
    ['journald -o json', JSON.stringify({ __REALTIME_TIMESTAMP: '1608779611677889', _SYSTEMD_UNIT: 'kubelet.service', MESSAGE: MSG })],
    // klog's JSON format (--logging-format=json, k8s >= 1.19: https://github.com/kubernetes/component-base/blob/v0.20.0/logs/json/json.go,
    // zap with "ts"/"caller"/"msg"/"v") and Istio's zap JSON (--log_as_json: https://github.com/istio/pkg/blob/1.8.0/log/config.go)
    ['klog JSON', JSON.stringify({ ts: 1608779611677.889, caller: 'proxier/proxier.go:1056', msg: MSG, v: 0 })],
    ['istio zap JSON', JSON.stringify({ level: 'error', time: '2020-12-24T11:13:31.677889Z', scope: 'default', msg: MSG })],
    // journalctl -o json prints MESSAGE as an array of bytes when it is not printable UTF-8 (systemd src/shared/logs-show.c)
    ['journald -o json, MESSAGE as bytes', JSON.stringify({ _SYSTEMD_UNIT: 'kubelet.service', MESSAGE: [...Buffer.from(`${MSG}\x07`)] })],
    // docker json-file around klog JSON (a container started with --logging-format=json)
    ['docker json-file around klog JSON', dockerJson(JSON.stringify({ ts: 1608779611677.889, caller: 'proxier.go:1056', msg: MSG, v: 0 }))],
    // journalctl -o short-monotonic, -o short-full and -o cat (journalctl(1), OUTPUT OPTIONS)
    ['journalctl short-monotonic', `[  123.456789] node-1 kubelet[3680]: ${MSG}`],
    ['journalctl short-monotonic, kernel', `[    5.123456] node-1 kernel: ${MSG}`],
    ['journalctl short-full', `Thu 2020-12-24 11:13:31 CST node-1 kubelet[3680]: ${MSG}`],
    ['journalctl cat', MSG],
    // RFC 5424 6.5 examples (without and with STRUCTURED-DATA, the BOM before MSG) and RFC 3164 (PRI, then the BSD header)
    ['RFC 5424', `<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff${MSG}`],
    ['RFC 5424 with structured data', `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] ${MSG}`],
    ['RFC 3164', `<34>Oct 11 22:14:15 mymachine kubelet[3680]: ${MSG}`],
    // docker logs -t (RFC3339Nano), and Loki exports: logcli query's time and stream labels, Grafana's tab after the time
    ['docker logs -t', `2021-09-10T14:24:11.123456789Z ${MSG}`],
    ['logcli query', `2018-06-25T12:52:09Z {instance="kube-proxy-pl75w", job="kube-system/kube-proxy"} ${MSG}`],
    ['Grafana export, tab-separated', `2021-09-10T14:24:11.123Z\t${MSG}`],
    // stern's default template colours pod and container ("{{color .PodColor .PodName}} {{color .ContainerColor .ContainerName}} {{.Message}}")
    ['stern', `\x1b[32mistio-init-x7k2p\x1b[0m \x1b[36mistio-init\x1b[0m ${MSG}`],
    // kubectl get events -o json / -o yaml (plain, single- and double-quoted) and kubectl describe's Message:
    ['events -o json', `    "message": ${JSON.stringify(MSG)},`],
    ['events -o yaml', `  message: ${MSG}`],
    ['events -o yaml, list item', `- message: '${MSG}'`],
    ['events -o yaml, double-quoted', `  message: ${JSON.stringify(MSG)}`],
    ['kubectl describe Message:', `      Message:      ${MSG}`],
    // kubectl describe's Events table (Type Reason Age From Message) and kubectl get events (-A adds NAMESPACE)
    ['describe Events row', `  Warning  FailedCreatePodSandBox  2m (x3 over 5m)  kubelet, node-1  ${MSG}`],
    ['describe Events row, new From', `  Warning  BackOff  38s  kubelet  ${MSG}`],
    ['get events row', `2m          Warning   FailedMount   pod/web-0   ${MSG}`],
    ['get events -A row', `kube-system   5m2s   Warning   Unhealthy   pod/coredns-5d78c9869d-4xzbq   ${MSG}`],
    // GitHub paste artefacts: line numbers, a quoted paste with line numbers, a wrapped shell line; CRLF and tabs
    ['line numbers', `12 | ${MSG}`],
    ['quoted, numbered', `> 7 | ${MSG}`],
    ['trailing backslash', `${MSG} \\`],
    ['CRLF and tabs', `\t${MSG.replace(/ /g, '\t')}\r`],
    // the CRI log format containerd and CRI-O write for container logs (/var/log/pods/...), full and partial lines
    ['CRI log, full line', `2021-09-10T14:24:11.123456789Z stderr F ${MSG}`],
    ['CRI log, partial line', `2021-09-10T14:24:11.123456789+08:00 stdout P ${MSG}`],
    // kubectl logs --timestamps / stern and kubectl logs --prefix
    ['kubectl logs --timestamps', `2021-09-10T14:24:11.123456789Z ${MSG}`],
    ['kubectl logs --prefix', `[pod/istio-init-x/istio-init] ${MSG}`],
    // markdown quoting of a pasted log
    ['markdown quote', `> > ${MSG}`],
  ])('%s', (_name, line) => {
    expect(normalizeLine(line)).toBe(MSG);
  });
});

describe('normalizeLine undoes the quoting of structured loggers', () => {
  it('klog structured (InfoS/ErrorS): the message and quoted values, escapes undone', () => {
    const line = klogS('E', 'kubelet_node_status.go:93', 'Unable to register node with API server', { err: 'Node "Master01" is invalid', node: 'Master01' });
    expect(line).toContain('err="Node \\"Master01\\" is invalid"');
    expect(normalizeLine(line)).toBe('"Unable to register node with API server" err="Node "Master01" is invalid" node="Master01"');
  });

  it('klog JSON (--logging-format=json): msg and the key/value fields, as klog text prints them', () => {
    // k8s.io/component-base/logs/json: ts, caller, v are the envelope; ErrorS adds "err"; KObj(pod) is {name, namespace}
    const line = JSON.stringify({ ts: 1608779611677.889, caller: 'dns/dns.go:153', msg: 'Nameserver limits exceeded', v: 0, err: 'Nameserver limits were exceeded, some nameservers have been omitted' });
    expect(normalizeLine(line)).toBe('"Nameserver limits exceeded" err="Nameserver limits were exceeded, some nameservers have been omitted"');
    const pod = JSON.stringify({ ts: 1, caller: 'kubelet.go:1', msg: 'Error syncing pod, skipping', pod: { name: 'web-0', namespace: 'default' }, podUID: 'abc', err: 'failed to "StartContainer"' });
    expect(normalizeLine(pod)).toBe('"Error syncing pod, skipping" pod="default/web-0" podUID="abc" err="failed to "StartContainer""');
  });

  it('klog JSON and klog text of one ErrorS call normalise alike', () => {
    const kv = { err: 'Node "Master01" is invalid', node: 'Master01' };
    const text = klogS('E', 'kubelet_node_status.go:93', 'Unable to register node with API server', kv);
    const json = JSON.stringify({ ts: 1608779611677.889, caller: 'kubelet_node_status.go:93', msg: 'Unable to register node with API server', v: 0, ...kv });
    expect(normalizeLine(json)).toBe(normalizeLine(text));
  });

  it('a JSON object with neither a message nor an error is data and stays as it is', () => {
    expect(normalizeLine('{"apiVersion": "v1", "kind": "Pod"}')).toBe('{"apiVersion": "v1", "kind": "Pod"}');
  });

  it('logrus nested escaping: containerd quoting dockerd quoting runc (\\" then \\\\\\")', () => {
    const line = String.raw`time="2021-09-10T14:24:11Z" level=error msg="exec failed: \"caused \\\"exec: \\\\\\\"/pause\\\\\\\": permission denied\\\"\""`;
    expect(normalizeLine(line)).toBe('time="2021-09-10T14:24:11Z" level=error msg="exec failed: "caused "exec: "/pause": permission denied"""');
  });

  it("containerd/dockerd logrus: time=\"...\" level=... msg=\"...\" error=\"...\" with the message's own quotes", () => {
    const line = logrus('error', 'RunPodSandbox for "coredns" failed', { error: 'failed to create containerd task: OCI runtime create failed: "exit status 40"' });
    expect(normalizeLine(line)).toBe(
      'time="2020-12-24T11:13:31.677889000+08:00" level=error msg="RunPodSandbox for "coredns" failed" error="failed to create containerd task: OCI runtime create failed: "exit status 40""',
    );
  });

  it('a runc error nested in dockerd nested in kubelet keeps one level of quotes', () => {
    const inner = 'process_linux.go:301: running exec setns process for init caused \\"exit status 40\\"';
    const line = klog('E', 'remote_runtime.go:105', `RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to start sandbox container for pod "coredns": Error response from daemon: OCI runtime create failed: container_linux.go:348: starting container process caused "${inner}": unknown`);
    expect(normalizeLine(line)).toContain('running exec setns process for init caused "exit status 40"');
  });
});

describe('normalizeLine undoes what a paste changed', () => {
  it.each([
    // GitHub issue pages copied as text, chat and word processors
    ['HTML entities', 'caused &quot;exit status 40&quot;: &lt;nil&gt; &amp; more', 'caused "exit status 40": <nil> & more'],
    ['a double-encoded entity decodes once', '&amp;lt;', '&lt;'],
    ['smart quotes', '\u201cexit status 40\u201d and \u2018x\u2019', '"exit status 40" and \'x\''],
    ['non-breaking spaces', 'no\u00a0space\u202fleft', 'no space left'],
    ['zero-width characters', 'no\u200b space\u200d left\ufeff on\u2060 device', 'no space left on device'],
  ])('%s', (_name, line, want) => {
    expect(normalizeLine(line)).toBe(want);
  });

  it("keeps a Go panic's lines: the panic, the signal line, the goroutine header and the stack frames", () => {
    // as runtime/panic.go and runtime/traceback.go print them; a frame's file:line starts with a tab
    for (const line of [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1a2b3c]',
      'goroutine 1 [running]:',
      'k8s.io/kubernetes/pkg/kubelet.(*Kubelet).Run(0xc000a1e000)',
    ]) expect(normalizeLine(line)).toBe(line);
    expect(normalizeLine('\t/workspace/src/k8s.io/kubernetes/pkg/kubelet/kubelet.go:1440 +0x4e')).toBe('/workspace/src/k8s.io/kubernetes/pkg/kubelet/kubelet.go:1440 +0x4e');
  });

  it('a folded YAML message (message: >-) leaves the text to the lines that follow', () => {
    expect(normalizeLine('  message: >-')).toBe('');
    expect(normalizeLine(`    ${MSG}`)).toBe(MSG);
  });

  it.each([
    ['"a" x 1e6', 'a'.repeat(1_000_000)],
    ['\'"\' x 1e6', '"'.repeat(1_000_000)],
    ['" " x 1e6, then a backslash', `${' '.repeat(1_000_000)}x \\`],
    ['\'{"x":"\' x 1e5', '{"x":"'.repeat(100_000)],
    ['"<34>1 " and a 1 MB word', `<34>1 ${'a'.repeat(1_000_000)}`],
    ['"- message: \'" x 1e5', "- message: '".repeat(100_000)],
    ['"2m Warning " x 1e5', '2m Warning '.repeat(100_000)],
  ])('a 1 MB line of %s takes under 100 ms', (_name, line) => {
    const t = performance.now();
    normalizeLine(line);
    expect(performance.now() - t).toBeLessThan(100);
  });
});

describe('diagnose sees a known line through each envelope', () => {
  const line = 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.0.0.1 10.0.0.2 10.0.0.3';
  it.each([
    ['klog', klog('E', 'dns.go:135', line)],
    ['klog structured', klogS('E', 'dns.go:153', 'Nameserver limits exceeded', { err: line })],
    ['journald', journald('kubelet', klog('E', 'dns.go:135', line))],
    ['docker json-file', dockerJson(klog('E', 'dns.go:135', line))],
    ['CRI log', `2021-09-10T14:24:11.123456789Z stderr F ${klog('E', 'dns.go:135', line)}`],
    ['logrus', logrus('warning', line)],
    ["docker's Error response from daemon", `docker: Error response from daemon: ${line}.`],
  ])('%s', (_name, text) => {
    expect(diagnose(text).matches[0]?.entryId).toBe('resolv-conf-trim');
  });

  it('anchored signatures work behind the CRI and dmesg -T headers too', () => {
    const run = '2021-09-10T14:24:11.123456789Z stderr F iptables-restore --noflush /tmp/iptables-rules-1631283851123456789.txt123';
    expect(diagnose(`${run}\n2021-09-10T14:24:11.123456789Z stderr F ${MSG}`).matches[0]?.entryId).toBe('istio-init-prune');
    expect(diagnose(dmesg('Linux version 3.10.0-327.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.3)', true)).matches[0]?.entryId).toBe('kernel-min-version');
  });
});
