/**
 * Wordings of apiserver-tls-noise, kernel-min-version, drop-caches (helper 18C), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 * A `from` naming a commit was opened at that commit with read_file; a comment says so where only a source excerpt was seen.
 */
import { fmt, journald, klog, type OtherFailure, type SourceCase } from './log-formats.js';

const ETCD = 'https://github.com/etcd-io/etcd/blob';
const CAPNS = 'rejected connection from %q (error %q, ServerName %q)';

/** etcd's zap JSON encoder (logutil.DefaultZapLoggerConfig): level, ts, caller, msg, then the fields in call order. */
function etcdZap(msg: string, fields: Record<string, string>): string {
  return JSON.stringify({ level: 'warn', ts: '2021-09-10T14:24:11.123Z', caller: 'embed/config_logging.go:169', msg, ...fields });
}

export const RUNTIME3_CASES: SourceCase[] = [
  // apiserver-tls-noise
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-eof',
    from: 'https://github.com/kubernetes/kubernetes/blob/0072a2a3c378142e8ee4095d76e35a9b8c1352fe/staging/src/k8s.io/apiserver/pkg/server/secure_serving.go', // tlsHandshakeErrorWriter: klog.V(5).Info(string(p)) of net/http's line
    line: klog('I', 'secure_serving.go:253', fmt('http: TLS handshake error from %s: %v', '10.200.1.127:47718', 'EOF')),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'etcd-rejected-noise',
    from: `${ETCD}/00c1f16f0a35f38c80956d680709b94e6b01aad3/embed/config.go`, // logTLSHandshakeFailure: plog.Infof(CAPNS), capnslog "<time> I | embed: "
    line: `2019-01-14 10:17:49.123456 I | embed: ${fmt(CAPNS, '10.200.1.127:47718', 'EOF', '')}`,
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'etcd-rejected-noise',
    from: `${ETCD}/00c1f16f0a35f38c80956d680709b94e6b01aad3/embed/config.go`, // the same with a reset, through journald
    line: journald('etcd', `2019-01-14 10:17:49.123456 I | embed: ${fmt(CAPNS, '10.200.1.127:47606', 'read tcp 10.200.1.5:2379->10.200.1.127:47606: read: connection reset by peer', '')}`),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'etcd-rejected-noise',
    from: `${ETCD}/061d8e8ead3107a230548a66ec3a24d343e446ad/embed/config_logging.go`, // cfg.logger.Warn("rejected connection", remote-addr, server-name, zap.Error(err))
    line: etcdZap('rejected connection', { 'remote-addr': '10.200.1.127:47718', 'server-name': '', error: 'EOF' }),
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'etcd-rejected-noise',
    from: `${ETCD}/061d8e8ead3107a230548a66ec3a24d343e446ad/embed/config_logging.go`, // the zap line of etcd run as a systemd unit, read with journalctl
    line: journald('etcd', etcdZap('rejected connection', { 'remote-addr': '10.200.1.127:47606', 'server-name': '', error: 'read tcp 10.200.1.5:2379->10.200.1.127:47606: read: connection reset by peer' })),
  },
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const RUNTIME3_OTHER_FAILURES: OtherFailure[] = [
  // apiserver-tls-noise: a client that sent a certificate the server refused, or that refused the server's, is a real TLS problem
  { why: 'etcd client cert unknown CA', line: `2019-01-14 10:17:49.123456 I | embed: ${fmt('rejected connection from %q (error %q, ServerName %q, IPAddresses %q, DNSNames %q)', '10.200.1.127:47718', 'tls: failed to verify client\'s certificate: x509: certificate signed by unknown authority', 'etcd-0', '[10.200.1.127]', '[]')}` },
  { why: 'etcd zap bad certificate', line: etcdZap('rejected connection', { 'remote-addr': '10.200.1.127:47718', 'server-name': '', error: 'remote error: tls: bad certificate' }) },
  // a client speaking plain text (not HTTP) to the TLS port is a misconfigured client, not a health check closing
  { why: 'TLS first record not TLS', line: klog('I', 'log.go:184', fmt('http: TLS handshake error from %s: %v', '10.200.1.127:47718', 'tls: first record does not look like a TLS handshake')) },
  { why: 'TLS unknown CA', line: klog('I', 'log.go:184', fmt('http: TLS handshake error from %s: %v', '10.200.1.127:47718', 'remote error: tls: unknown certificate authority')) },
  { why: 'TLS old client version', line: klog('I', 'log.go:184', fmt('http: TLS handshake error from %s: %v', '10.200.1.127:47718', 'tls: client offered only unsupported versions: [301]')) },
];
