/**
 * Wordings printed by the node's other programs (Linux, runc, dockerd/docker, containers/storage, iSulad,
 * systemd-resolved, NetworkManager, iptables, Istio, Jenkins, shells, Ansible, Go's net/http), one case per
 * format string and release; run by diagnose-sources.test.ts.
 */
import { ansibleFailed, dmesg, dockerJson, fmt, journald, klog, logrus, type SourceCase } from './log-formats.js';

const LINUX = 'https://github.com/torvalds/linux/blob';
const RUNC = 'https://github.com/opencontainers/runc/blob';

export const HOST_CASES: SourceCase[] = [
  // resolv-conf-trim
  {
    entry: 'resolv-conf-trim',
    symptom: 'resolver-writer-too-many-dns',
    from: 'https://github.com/systemd/systemd/blob/v215/src/resolve/resolved-manager.c', // fputs(), no final period
    line: '# Too many DNS servers configured, the following entries may be ignored',
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'resolver-writer-too-many-dns',
    from: 'https://github.com/systemd/systemd/blob/v239/src/resolve/resolved-resolv-conf.c', // write_resolv_conf_server()
    line: '# Too many DNS servers configured, the following entries may be ignored.',
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'resolver-writer-too-many-dns',
    from: 'https://github.com/NetworkManager/NetworkManager/blob/1.0.0/src/dns-manager/nm-dns-manager.c', // i == 3: the NOTE comment
    line: '# NOTE: the libc resolver may not support more than 3 nameservers.',
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'resolver-writer-too-many-dns',
    from: 'https://github.com/NetworkManager/NetworkManager/blob/1.30.0/src/core/dns/nm-dns-manager.c', // its second line
    line: '# The nameservers listed below may not be recognized.',
  },
  // resolv-conf-nameserver
  {
    entry: 'resolv-conf-nameserver',
    symptom: 'coredns-no-nameservers',
    from: 'https://github.com/coredns/coredns/blob/v1.8.0/plugin/grpc/setup.go', // plugin.Error("grpc", parse.ErrNoNameservers)
    line: `${fmt('plugin/%s: %s', 'grpc', 'no nameservers found')}`,
  },
  {
    entry: 'resolv-conf-nameserver',
    symptom: 'dnsmasq-no-servers',
    from: 'https://thekelleys.org.uk/gitweb/?p=dnsmasq.git;a=blob;f=src/dnsmasq.c;hb=v2.80', // my_syslog(LOG_WARNING, "no servers found in %s, will retry")
    line: journald('dnsmasq', fmt('no servers found in %s, will retry', '/etc/resolv.conf')),
  },
  {
    entry: 'resolv-conf-nameserver',
    symptom: 'dnsmasq-no-servers',
    from: 'https://github.com/kubernetes/dns/blob/32d8ea9a0b79d372ed89d225825c46093d5ef24e/pkg/dnsmasq/nanny.go', // logToGlog: klog.V(1).Infof("%v", line) of dnsmasq's stderr
    line: klog('I', 'nanny.go:116', `dnsmasq[13]: ${fmt('no servers found in %s, will retry', '/etc/resolv.conf')}`),
  },
  // drop-caches
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${LINUX}/v2.6.32/mm/page_alloc.c`, // "%s: page allocation failure. order:%d, mode:0x%x\n"
    line: journald('kernel', fmt('%s: page allocation failure. order:%d, mode:0x%x', 'runc:[1:CHILD]', 4, '20')),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${LINUX}/v4.4/mm/page_alloc.c`, // warn_alloc_failed: "%s: page allocation failure: order:%u, mode:0x%x\n"
    line: dmesg(fmt('%s: page allocation failure: order:%u, mode:0x%x', 'dockerd', 2, '24040c0')),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${LINUX}/v4.19/mm/page_alloc.c`, // warn_alloc(..., "page allocation failure: order:%u", order) + mode/nodemask
    line: dmesg(fmt('%s: page allocation failure: order:%u, mode:%#x(%s), nodemask=(null)', 'runc:[1:CHILD]', 4, '0x6080c0', 'GFP_KERNEL|__GFP_ZERO'), true),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/v1.0.0-rc2/libcontainer/nsenter/nsexec.c`, // bail("unable to unshare namespaces"): "nsenter: " fmt ": %m"
    line: 'nsenter: unable to unshare namespaces: Cannot allocate memory',
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/v1.0.0-rc5/libcontainer/nsenter/nsexec.c`, // bail("failed to unshare namespaces")
    line: '2018-09-25 17:59:15 nsenter: failed to unshare namespaces: Cannot allocate memory',
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/v1.0.0-rc5/libcontainer/nsenter/nsexec.c`, // bail("unable to fork: init_func")
    line: 'nsenter: unable to fork: init_func: Cannot allocate memory',
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/v1.1.0/libcontainer/nsenter/nsexec.c`, // bail() -> write_log(FATAL, "%s[%d]: " fmt ": %m"), relayed by runc's logrus
    line: logrus('fatal', 'nsexec-1[28913]: failed to unshare remaining namespaces (except cgroupns): Cannot allocate memory'),
  },
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: `${RUNC}/v1.1.0/libcontainer/nsenter/nsexec.c`, // bail("unable to spawn stage-2")
    line: logrus('fatal', 'nsexec-1[28913]: unable to spawn stage-2: Cannot allocate memory'),
  },
  // ingressgateway-no-destination
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: `${LINUX}/v4.19/net/netfilter/ipvs/ip_vs_sched.c`, // IP_VS_ERR_RL("%s: %s %pI4:%d - %s\n") with pr_fmt "IPVS: "
    line: journald('kernel', fmt('IPVS: %s: %s %s:%d - %s', 'rr', 'TCP', '10.200.1.206', 31380, 'no destination available')),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: `${LINUX}/v4.19/net/netfilter/ipvs/ip_vs_sched.c`, // IPv6: "%s: %s [%pI6c]:%d - %s\n"
    line: dmesg(fmt('IPVS: %s: %s [%s]:%d - %s', 'wrr', 'TCP', 'fd00:10:96::1a', 443, 'no destination available'), true),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: `${LINUX}/v4.19/net/netfilter/ipvs/ip_vs_sched.c`, // firewall mark: "%s: FWM %u 0x%08X - %s\n"
    line: dmesg(fmt('IPVS: %s: FWM %u 0x%s - %s', 'rr', 12, '0000000C', 'no destination available')),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: `${LINUX}/v2.6.32/net/netfilter/ipvs/ip_vs_rr.c`, // IP_VS_ERR_RL("RR: no destination available\n")
    line: 'kernel: IPVS: RR: no destination available',
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: `${LINUX}/v4.19/net/netfilter/ipvs/ip_vs_proto.c`, // ip_vs_proto_name(): "IP_%u" for a protocol without a name
    line: dmesg(fmt('IPVS: %s: %s %s:%d - %s', 'rr', 'IP_47', '10.200.1.206', 0, 'no destination available')),
  },
  // istio-init-prune
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-iptables-restore',
    from: 'https://git.netfilter.org/iptables/tree/iptables/ip6tables-restore.c?h=v1.6.1', // "%s: line %u failed\n"
    // istio-init's own run line first: the bare restore failure needs it (the symptom's context)
    line: `ip6tables-restore --noflush /tmp/iptables-rules-1605843213716566540.txt699852508\n${fmt('%s: line %u failed', 'ip6tables-restore', 3)}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-nft-chain-exists',
    from: 'https://git.netfilter.org/iptables/tree/iptables/nft.c?h=v1.8.4', // "line %u: %s failed (%s): chain %s"
    line: fmt('iptables-restore v1.8.4 (nf_tables): line %u: %s failed (%s): chain %s', 2, 'CHAIN_USER_ADD', 'File exists', 'ISTIO_REDIRECT'),
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-iptables-failed-to-execute',
    from: 'https://github.com/istio/istio/blob/1.8.0/tools/istio-iptables/pkg/dependencies/implementation.go', // log.Errorf("Failed to execute: %s %s, %v")
    line: `2021-01-12T08:01:02.123456Z\terror\t${fmt('Failed to execute: %s %s, %v', 'iptables-restore', '--noflush /tmp/iptables-rules-1610438462123456789.txt042', 'exit status 1')}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-iptables-failed-to-execute',
    from: 'https://github.com/istio/istio/blob/1.8.0/tools/istio-iptables/pkg/dependencies/implementation.go', // the -N of a chain left by the first run
    line: dockerJson(`2021-01-12T08:01:02.123456Z\terror\t${fmt('Failed to execute: %s %s, %v', 'iptables', '-t nat -N ISTIO_INBOUND', 'exit status 1')}`),
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-command-error-output',
    from: 'https://github.com/istio/istio/blob/1.8.0/tools/istio-iptables/pkg/dependencies/implementation.go', // log.Errorf("Command error output: %v", stderr)
    line: `2021-01-12T08:01:02.123456Z\terror\t${fmt('Command error output: %v', 'iptables-restore: line 2 failed')}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-command-error-output',
    from: 'https://github.com/istio/istio/blob/1.12.0/tools/istio-iptables/pkg/dependencies/implementation.go', // transformToXTablesErrorMessage: "%v: %v"
    line: `2022-01-12T08:01:02.123456Z\terror\t${fmt('Command error output: %v: %v', 'xtables other problem', 'line 2 failed')}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-chain-exists',
    from: 'https://github.com/istio/istio/blob/1.12.0/tools/istio-iptables/pkg/dependencies/implementation.go', // "Running command: %s %s" then the stderr, two lines
    line: `2022-01-12T08:01:02.120000Z\tinfo\tRunning command: iptables -t nat -N ISTIO_INBOUND\n2022-01-12T08:01:02.123456Z\terror\t${fmt('Command error output: %v: %v', 'xtables other problem', 'Chain already exists.')}`,
  },
  // jenkins-403-calico-bgp
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-invalid-crumb',
    from: 'https://github.com/jenkinsci/jenkins/blob/jenkins-1.651/core/src/main/java/hudson/security/csrf/CrumbFilter.java', // java.util.logging two-line format
    line: `Mar 01, 2016 11:13:10 AM hudson.security.csrf.CrumbFilter doFilter\n${fmt('WARNING: Found invalid crumb {0}.  Will check remaining parameters for a valid one...', '5d3b4f3e0c8a1b2c')}`,
  },
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-invalid-crumb',
    from: 'https://github.com/jenkinsci/jenkins/blob/jenkins-2.222/core/src/main/java/hudson/security/csrf/CrumbFilter.java', // the API-token advice
    line: fmt('WARNING: Found invalid crumb {0}. If you are calling this URL with a script, please use the API Token instead. More information: https://www.jenkins.io/redirect/crumb-cannot-be-used-for-script', '8a1b2c5d3b4f3e0c'),
  },
  {
    entry: 'jenkins-403-calico-bgp',
    symptom: 'jenkins-no-valid-crumb',
    from: 'https://github.com/jenkinsci/jenkins/blob/jenkins-1.651/core/src/main/java/hudson/security/csrf/CrumbFilter.java', // without the user
    line: fmt('WARNING: No valid crumb was included in request for {0}. Returning {1}.', '/job/demo/build', 403),
  },
  // ctl-path
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    from: 'https://git.kernel.org/pub/scm/utils/dash/dash.git/tree/src/exec.c?h=v0.5.10', // dash: "%s: %d: %s: not found"
    line: fmt('/bin/sh: %d: %s: not found', 1, 'crictl'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-not-found-other-shells',
    from: 'https://github.com/zsh-users/zsh/blob/zsh-5.8/Src/exec.c', // zerr("command not found: %s", arg0)
    line: fmt('zsh: command not found: %s', 'kubectl'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-not-found-other-shells',
    from: 'https://github.com/fish-shell/fish-shell/blob/3.1.0/src/parse_execution.cpp', // "Unknown command: %ls"
    line: fmt('fish: Unknown command: %s', 'ctr'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-python-enoent',
    from: 'https://github.com/ansible/ansible/blob/v2.10.0/lib/ansible/module_utils/basic.py', // fail_json(rc=e.errno, msg=to_native(e), cmd=...), Python 3
    line: ansibleFailed('192.168.6.96', { changed: false, cmd: 'ctr -n k8s.io i import /tmp/crane/kubernetes.tar.gz', msg: "[Errno 2] No such file or directory: b'ctr'", rc: 2 }),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-python-enoent',
    from: 'https://github.com/ansible/ansible/blob/v2.7.0/lib/ansible/module_utils/basic.py', // Python 2's OSError names no file
    line: ansibleFailed('node1', { changed: false, cmd: 'crictl rmi --prune', msg: '[Errno 2] No such file or directory', rc: 2 }),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-not-found-other-shells',
    from: 'https://github.com/tcsh-org/tcsh/blob/TCSH6_22_02/sh.err.c', // stderror(ERR_NAME|ERR_NOTFOUND): "%s: " bname, "Command not found", ".\n"
    line: fmt('%s: Command not found.', 'kubectl'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-exec-enoent-other-programs',
    from: 'https://github.com/coreutils/coreutils/blob/v9.1/src/nohup.c', // error(0, saved_errno, _("failed to run command %s"), quoteaf(*cmd))
    line: `nohup: ${fmt('failed to run command %s', "'kubelet'")}: No such file or directory`,
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-exec-enoent-other-programs',
    from: 'https://github.com/coreutils/coreutils/blob/v8.4/src/timeout.c', // same format; quote() gave `name' before 8.25
    line: `timeout: ${fmt('failed to run command %s', "`crictl'")}: No such file or directory`,
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-exec-enoent-other-programs',
    from: 'https://github.com/coreutils/coreutils/blob/v8.32/src/env.c', // die(exit_status, errno, "%s", quote(argv[optind]))
    line: `/usr/bin/env: ${fmt('%s', "'kubectl'")}: No such file or directory`,
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-exec-enoent-other-programs',
    from: 'https://github.com/openjdk/jdk/blob/jdk-17+35/src/java.base/share/classes/java/lang/ProcessBuilder.java', // "Cannot run program \"" + prog + "\"" + dir + ": " + e.getMessage()
    line: `java.io.IOException: Cannot run program "kubectl" (in directory "/var/lib/jenkins/workspace/deploy"): error=2, No such file or directory`,
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-exec-enoent-other-programs',
    from: 'https://github.com/nodejs/node/blob/v18.0.0/lib/internal/child_process.js', // errnoException(err, 'spawn ' + this.spawnfile)
    line: `Error: ${fmt('spawn %s ENOENT', 'helm')}`,
  },
  // kernel-min-version
  {
    entry: 'kernel-min-version',
    symptom: 'pids-cgroup-missing-other',
    from: 'https://github.com/moby/moby/blob/v19.03.0/daemon/daemon_unix.go', // verifyPlatformContainerResources warning
    line: 'WARNING: Your kernel does not support pids limit capabilities or the cgroup is not mounted. PIDs limit discarded.',
  },
  {
    entry: 'kernel-min-version',
    symptom: 'pids-cgroup-missing-other',
    from: 'https://github.com/moby/moby/blob/v20.10.0/daemon/daemon_unix.go', // "PIDs limit" since 20.10
    line: logrus('warning', 'Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.'),
  },
  // docker-storage-driver
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: 'https://github.com/moby/moby/blob/v19.03.0/daemon/info.go', // fillDriverInfo: "WARNING: the %s storage-driver is deprecated, ..."
    line: fmt('WARNING: the %s storage-driver is deprecated, and will be removed in a future release.', 'devicemapper'),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: 'https://github.com/moby/moby/blob/v20.10.0/daemon/info.go', // "WARNING: The %s storage-driver is deprecated, ..." + documentation link
    line: fmt('WARNING: The %s storage-driver is deprecated, and will be removed in a future release.', 'aufs'),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: 'https://github.com/moby/moby/blob/v1.13.0/daemon/daemon.go', // logrus.WithFields{"version", "commit", "graphdriver"}.Info("Docker daemon")
    line: 'time="2017-06-29T18:49:15Z" level=info msg="Docker daemon" commit=092cba3 graphdriver=devicemapper version=1.13.1',
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: 'https://github.com/moby/moby/blob/v19.03.0/api/types/types.go', // Info.Driver `json:"Driver"` (docker info --format '{{json .}}')
    line: '{"ID":"7TRN:IPZB","Containers":3,"Driver":"devicemapper","DriverStatus":[["Pool Name","docker-253:0-1-pool"]]}',
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: 'https://github.com/docker/cli/blob/v19.03.0/cli/command/system/info.go', // fmt.Fprintln(..., " Storage Driver:", info.Driver)
    line: fmt(' Storage Driver: %s', 'devicemapper'),
  },
  // docker-load-import
  {
    entry: 'docker-load-import',
    symptom: 'docker-load-not-a-save-archive',
    from: 'https://github.com/moby/moby/blob/033750cf80b3609c0f59d638df0fae25aa25e12f/image/tarexport/load.go', // no legacy loader: os.Open(manifest.json)
    line: fmt('Error response from daemon: open %s/manifest.json: no such file or directory', '/var/lib/docker/tmp/docker-import-2837464123'),
  },
  {
    entry: 'docker-load-import',
    symptom: 'docker-load-oci-layout',
    from: 'https://github.com/moby/moby/blob/v19.03.0/image/tarexport/load.go', // legacyLoad opens <dir>/json for each directory
    line: fmt('Error response from daemon: open %s/blobs/json: no such file or directory', '/var/lib/docker/tmp/docker-import-970374381'),
  },
  // xfs-ftype
  {
    entry: 'xfs-ftype',
    symptom: 'docker-xfs-no-dtype',
    from: 'https://github.com/moby/moby/blob/v20.10.0/daemon/graphdriver/overlayutils/overlayutils.go', // ErrDTypeNotSupported(driver, backingFs)
    line: journald('dockerd', fmt('failed to start daemon: error initializing graphdriver: %s: the backing %s filesystem is formatted without d_type support, which leads to incorrect behavior. Reformat the filesystem with ftype=1 to enable d_type support. Backing filesystems without d_type support are not supported.', 'overlay2', 'xfs')),
  },
  {
    entry: 'xfs-ftype',
    symptom: 'docker-xfs-no-dtype',
    from: 'https://github.com/containers/storage/blob/v1.20.0/drivers/overlayutils/overlayutils.go', // CRI-O/podman: "Running without d_type is not supported."
    line: fmt('Validating root config: failed to get store to set defaults: kernel does not support overlay fs: %s: the backing %s filesystem is formatted without d_type support, which leads to incorrect behavior. Reformat the filesystem with ftype=1 to enable d_type support. Running without d_type is not supported.: driver not supported', 'overlay', 'xfs'),
  },
  {
    entry: 'xfs-ftype',
    symptom: 'docker-xfs-no-dtype-any',
    from: 'https://gitee.com/openeuler/iSulad/blob/v2.0.0/src/daemon/modules/image/oci/storage/layer_store/graphdriver/overlay2/driver_overlay2.c', // ERROR("The backing %s filesystem is formatted without d_type support, ...")
    line: fmt('The backing %s filesystem is formatted without d_type support, which leads to incorrect behavior.', 'xfs'),
  },
  {
    entry: 'xfs-ftype',
    symptom: 'kernel-overlay-dtype',
    from: `${LINUX}/v4.19/fs/overlayfs/super.c`, // pr_warn("upper fs needs to support d_type.\n") with pr_fmt "overlayfs: "
    line: journald('kernel', 'overlayfs: upper fs needs to support d_type.'),
  },
  // apiserver-tls-noise
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-eof',
    from: 'https://github.com/golang/go/blob/go1.15/src/net/http/server.go', // c.server.logf("http: TLS handshake error from %s: %v", c.rwc.RemoteAddr(), err)
    line: `2021-09-10T14:24:11.123456789Z stderr F ${klog('I', 'log.go:184', fmt('http: TLS handshake error from %s: %v', '10.0.0.12:44562', 'EOF'))}`,
  },
  {
    entry: 'apiserver-tls-noise',
    symptom: 'apiserver-tls-reset',
    from: 'https://github.com/golang/go/blob/go1.19/src/net/http/server.go', // same format; the error is the TCP reset
    line: dockerJson(klog('I', 'log.go:195', fmt('http: TLS handshake error from %s: %v', '10.0.0.12:44562', 'read tcp 10.0.0.5:6443->10.0.0.12:44562: read: connection reset by peer'))),
  },
];
