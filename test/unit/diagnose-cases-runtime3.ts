/**
 * Wordings of apiserver-tls-noise, kernel-min-version, drop-caches (helper 18C), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 * A `from` naming a commit was opened at that commit with read_file; a comment says so where only a source excerpt was seen.
 */
import { dmesg, fmt, journald, klog, klogS, logrus, type OtherFailure, type SourceCase } from './log-formats.js';

const ETCD = 'https://github.com/etcd-io/etcd/blob';
const VALIDATORS = 'https://github.com/kubernetes/system-validators/blob';
const K8S = 'https://github.com/kubernetes/kubernetes/blob';
const RUNC = 'https://github.com/opencontainers/runc/blob';
const CILIUM = 'https://github.com/cilium/cilium/blob/0129398eb1af624b99203cdab720f85c5e07c4cc/pkg/datapath/linux/requirements.go';
const CRUN = 'https://github.com/containers/crun/blob/00f9bee10aadcaed0d856ce65c635a58836c7bc7/src/libcrun/linux.c';
/** kubelet's StartContainer failure as `kubectl describe pod` shows the event (reason Failed, message "Error: ..."). */
const event = (msg: string) => `  Warning  Failed     12s (x3 over 40s)  kubelet            Error: ${msg}`;
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
  // kernel-min-version
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: `${VALIDATORS}/3f6418b9949c6260cc6f1c061abaa43be54e0769/validators/kernel_validator.go`, // warn = fmt.Errorf("unsuggested kernel release: %s")
    line: `\t[WARNING SystemVerification]: ${fmt('unsuggested kernel release: %s', '4.9.0-8-amd64')}`,
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: `${VALIDATORS}/d24a9dd69d12557c1dc13cb250fa65b933c1f084/validators/kernel_validator.go`, // fmt.Errorf("unsupported kernel release: %s") in a kubeadm join failure
    line: `error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR SystemVerification]: ${fmt('unsupported kernel release: %s', '2.6.32-754.35.1.el6.x86_64')}`,
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: `${K8S}/13905e2a77d37ccb31d8c74ceab1465687ffaa6a/test/e2e_node/system/kernel_validator.go`, // the validator's home before system-validators: same error text
    line: `[preflight] WARNING: ${fmt('unsupported kernel release: %s', '3.2.0-4-amd64')}`,
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kube-proxy-ipvs-old-kernel',
    // wording read in source excerpts (find_string) of pkg/proxy/ipvs/proxier.go, klog.Errorf form (k8s 1.19 era); this tag was not opened
    from: `${K8S}/v1.19.0/pkg/proxy/ipvs/proxier.go`,
    line: klog('E', 'proxier.go:412', fmt("can't set sysctl %s, kernel version must be at least %s", 'net/ipv4/vs/conn_reuse_mode', '4.1')),
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kube-proxy-ipvs-old-kernel',
    // ErrorS form read in source excerpts; confirmed by kube-proxy logs pasted in docs ("proxier.go:377] ..."); this tag was not opened
    from: `${K8S}/v1.22.0/pkg/proxy/ipvs/proxier.go`,
    line: klogS('E', 'proxier.go:377', "Can't set sysctl, kernel version doesn't satisfy minimum version requirements", { sysctl: 'net/ipv4/vs/conn_reuse_mode', minimumKernelVersion: '4.1' }),
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kube-proxy-ipvs-old-kernel',
    // logger.Error form (contextual logging) in klog JSON output (--logging-format=json): the message in "msg"; tag not opened
    from: `${K8S}/v1.30.0/pkg/proxy/ipvs/proxier.go`,
    line: JSON.stringify({ ts: 1718104335485.477, caller: 'ipvs/proxier.go:371', msg: "Can't set sysctl, kernel version doesn't satisfy minimum version requirements", ipFamily: 'IPv4', sysctl: 'net/ipv4/vs/conn_reuse_mode', minimumKernelVersion: '4.1' }),
  },
  {
    entry: 'kernel-min-version',
    symptom: 'cilium-old-kernel',
    from: CILIUM, // log.Fatalf("kernel version: NOT OK: minimal supported kernel version is %s; kernel version that is running is: %s")
    line: logrus('fatal', fmt('kernel version: NOT OK: minimal supported kernel version is %s; kernel version that is running is: %s', '4.8.0', '3.10.0'), { subsys: 'daemon' }),
  },
  {
    entry: 'kernel-min-version',
    symptom: 'cilium-old-kernel',
    from: CILIUM, // log.Fatalf("clang (%s) and kernel (%s) version: NOT OK: please upgrade your kernel version to at least %s")
    line: logrus('fatal', fmt('clang (%s) and kernel (%s) version: NOT OK: please upgrade your kernel version to at least %s', '3.9.1', '4.4.0', '4.9.0'), { subsys: 'daemon' }),
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    // kubeadm 1.32+ wording, confirmed only from pasted kubeadm output: the system-validators release that prints it is
    // not in the index (its format string was not found), so this `from` was not opened
    from: `${VALIDATORS}/v1.9.0/validators/kernel_validator.go`,
    line: `\t[ERROR SystemVerification]: kernel release 3.10.0-693.el7.x86_64 is unsupported. Recommended LTS version from the 4.x series is 4.19. Any 5.x or 6.x versions are also supported. For cgroups v2 support, the minimal version is 4.15 and the recommended version is 5.8+`,
  },
  // drop-caches
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/002b6c2fe8e7fb80e2d09c9ce164c36251e37324/libcontainer/nsenter/nsexec.c`, // pr_perror("Unable to fork"): "nsenter: " fmt ": %m"
    line: 'nsenter: Unable to fork: Cannot allocate memory',
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/002b6c2fe8e7fb80e2d09c9ce164c36251e37324/libcontainer/nsenter/nsexec.c`, // pr_perror("Failed to setns to %s", nslist[i])
    line: fmt('nsenter: Failed to setns to %s: %m', '/proc/18377/ns/ipc', 'Cannot allocate memory'),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/d9520aeba40efc60da739a93437e19758d9f31db/libcontainer/nsenter/nsexec.c`, // clone_parent's EINVAL fallback: pr_perror("Unable to unshare namespaces")
    line: journald('dockerd', 'nsenter: Unable to unshare namespaces: Cannot allocate memory'),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    // only confirmed from pasted runc logs ("runc init error(s): nsexec-1[19437]: failed to unshare remaining namespaces:
    // Invalid argument"): newer runc drops "(except cgroupns)"; that nsexec.c was not opened
    from: `${RUNC}/v1.2.0/libcontainer/nsenter/nsexec.c`,
    line: event(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: can't get final child's PID from pipe: EOF; runc init error(s): ${fmt('nsexec-1[%d]: failed to unshare remaining namespaces: %m', 19437, 'Cannot allocate memory')}; nsexec-0[19436]: failed to sync with stage-1: next state (got 0 of 4 bytes): unknown`),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: 'https://github.com/containerd/containerd/blob/02e0fef84b721aece327bfa9cc7a218eb0990e59/pkg/cri/server/container_start.go', // fmt.Errorf("failed to create containerd task: %w") around the runtime's error, in the kubelet log
    line: journald('kubelet', klogS('E', 'pod_workers.go:1294', 'Error syncing pod, skipping', { err: `failed to "StartContainer" for "web" with RunContainerError: "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${fmt('nsexec-1[%d]: unable to spawn stage-2: %m', 28913, 'Cannot allocate memory')}: unknown"` })),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    // warn_alloc() as diagnose-cases-host.ts cites it (not reopened here); the ",cpuset=%s,mems_allowed=%*pbl" tail is
    // cpuset_print_current_mems_allowed() (kernel/cgroup/cpuset.c), seen in source excerpts only
    from: 'https://github.com/torvalds/linux/blob/v4.19/mm/page_alloc.c',
    line: journald('kernel', fmt('%s: page allocation failure: order:%u, mode:%#x(%s), nodemask=(null),cpuset=%s,mems_allowed=0', 'containerd-shim', 3, '0x6000c0', 'GFP_KERNEL', 'kubepods')),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    // crun_make_error(err, errno, "clone") in libcrun_run_linux_container; podman's wrapping ("Error: OCI runtime error: crun: ...")
    // confirmed from pasted podman output ("crun: clone: Resource temporarily unavailable")
    from: CRUN,
    line: `Error: OCI runtime error: crun: ${fmt('clone: %m', 'Cannot allocate memory')}`,
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: CRUN, // libcrun_join_process (crun exec): crun_make_error(err, errno, "setns `%s`", ns_file), printed as "crun: <msg>: %m"
    line: journald('conmon', `crun: ${fmt('setns `%s`: %m', 'ipc', 'Cannot allocate memory')}`),
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
  // kernel-min-version: kubeadm's check on a supported kernel, and IPVS leaving conn_reuse_mode as-is on a fixed kernel
  { why: 'unsuggested 4.19 kernel', line: `\t[WARNING SystemVerification]: ${fmt('unsuggested kernel release: %s', '4.19.0-26-amd64')}` },
  { why: 'unsupported 5.x kernel', line: `\t[ERROR SystemVerification]: ${fmt('unsupported kernel release: %s', '5.4.0-42-generic')}` },
  { why: 'ipvs left as-is', line: klogS('I', 'proxier.go:387', 'Left as-is', { sysctl: 'net/ipv4/vs/conn_reuse_mode' }) },
  { why: 'kubeadm kernel config', line: `\t[ERROR SystemVerification]: ${fmt('unexpected kernel config: %s', 'CONFIG_CGROUP_FREEZER')}` },
  // drop-caches: a memory limit or a real out-of-memory is another failure, and fork ENOMEM alone does not say which
  { why: 'runc init OOM-killed', line: event('failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: container init was OOM-killed (memory limit too low?): unknown') },
  { why: 'memcg OOM kill', line: dmesg('Memory cgroup out of memory: Killed process 18377 (java) total-vm:4683892kB, anon-rss:1046528kB, file-rss:17024kB, shmem-rss:0kB, UID:0 pgtables:2412kB oom_score_adj:985') },
  { why: 'global OOM kill', line: journald('kernel', 'Out of memory: Killed process 18377 (java) total-vm:4683892kB, anon-rss:7046528kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:14412kB oom_score_adj:0') },
  { why: 'fork ENOMEM, cause not shown', line: 'docker: Error response from daemon: Cannot start container 4ac0856d4a33: [8] System error: fork/exec /proc/self/exe: cannot allocate memory.' },
  { why: 'nsexec setns EPERM', line: logrus('fatal', 'nsexec-1[28913]: failed to setns to /proc/1234/ns/net: Operation not permitted') },
  { why: 'unshare EINVAL', line: 'runc init error(s): nsexec-1[19437]: failed to unshare remaining namespaces: Invalid argument' },
  { why: 'crun clone EAGAIN (pids limit)', line: 'Error: OCI runtime error: crun: clone: Resource temporarily unavailable' },
  { why: 'cilium min 4.19 on 4.15', line: logrus('fatal', fmt('kernel version: NOT OK: minimal supported kernel version is %s; kernel version that is running is: %s', '>= 4.19.57', '4.15.0'), { subsys: 'daemon' }) },
  { why: 'kubeadm 1.32 on 4.18', line: '\t[ERROR SystemVerification]: kernel release 4.18.0-553.el8_10.x86_64 is unsupported. Recommended LTS version from the 4.x series is 4.19. Any 5.x or 6.x versions are also supported. For cgroups v2 support, the minimal version is 4.15 and the recommended version is 5.8+' },
];
