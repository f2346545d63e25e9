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

  it('klog JSON (--logging-format=json): msg and err are kept', () => {
    const line = JSON.stringify({ ts: 1608779611677.889, caller: 'dns/dns.go:153', msg: 'Nameserver limits exceeded', v: 0, err: 'Nameserver limits were exceeded, some nameservers have been omitted' });
    expect(normalizeLine(line)).toBe('Nameserver limits exceeded Nameserver limits were exceeded, some nameservers have been omitted');
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
