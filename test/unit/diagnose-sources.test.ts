/**
 * Each signature against the wordings its program can print, built from the program's own format
 * string (test/unit/log-formats.ts fills the verbs with realistic values and adds the logger's
 * header). `from` names the source file and release the format string was read in; other releases
 * of the same program are separate cases when they word it differently.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/catalog/diagnose.js';
import { ansibleFailed, dmesg, dockerJson, fmt, journald, klog, klogS, logrus } from './log-formats.js';

interface Case {
  entry: string;
  symptom: string;
  /** https://github.com/<repo>/blob/<tag>/<path> (or the project's own git web) where the format string is. */
  from: string;
  line: string;
}

const K8S = 'https://github.com/kubernetes/kubernetes/blob';
const LINUX = 'https://github.com/torvalds/linux/blob';
const RUNC = 'https://github.com/opencontainers/runc/blob';

const CASES: Case[] = [
  // --- resolv-conf-trim ---------------------------------------------------------------------
  {
    entry: 'resolv-conf-trim',
    symptom: 'kubelet-nameserver-limits',
    from: `${K8S}/v1.19.0/pkg/kubelet/network/dns/dns.go`, // klog.Error(fmt.Sprintf(...))
    line: journald('kubelet', klog('E', 'dns.go:125', fmt('Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: %s', '10.0.0.1 10.0.1.1 168.126.63.1'))),
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'kubelet-nameserver-limits',
    from: `${K8S}/v1.21.0/pkg/kubelet/network/dns/dns.go`, // klog.ErrorS(err, "Nameserver limits exceeded")
    line: klogS('E', 'dns.go:157', 'Nameserver limits exceeded', {
      err: fmt('Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: %s', '2a01:4ff:ff00::add:2 2a01:4ff:ff00::add:1 185.12.64.1'),
    }),
  },
  {
    entry: 'resolv-conf-trim',
    symptom: 'kubelet-nameserver-limits',
    from: `${K8S}/v1.21.0/pkg/kubelet/network/dns/dns.go`, // the same text as a DNSConfigForming event (kubectl get events)
    line: 'kube-system   4m   Warning   DNSConfigForming   pod/coredns-5644d7b6d9-kvqmz   Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 8.8.8.8 1.1.1.1 192.168.0.1',
  },
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

  // --- drop-caches --------------------------------------------------------------------------
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

  // --- hostname-lowercase -------------------------------------------------------------------
  {
    entry: 'hostname-lowercase',
    symptom: 'node-name-not-lowercase',
    from: `${K8S}/v1.21.0/pkg/kubelet/kubelet_node_status.go`, // klog.ErrorS(err, "Unable to register node with API server", "node", ...)
    line: journald('kubelet', klogS('E', 'kubelet_node_status.go:93', 'Unable to register node with API server', {
      err: 'Node "Master01" is invalid: metadata.name: Invalid value: "Master01": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      node: 'Master01',
    })),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-name-not-lowercase',
    from: `${K8S}/v1.2.0/pkg/api/validation/validation.go`, // DNSSubdomainErrorMsg
    line: klog('E', 'kubelet.go:1011', fmt('Unable to register %s with the apiserver: %v', 'Node-1', fmt('Node "%s" is invalid: metadata.name: Invalid value: "%s": must be a DNS subdomain (at most 253 characters, matching regex [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*): e.g. "example.com"', 'Node-1', 'Node-1'))),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-name-not-lowercase',
    from: `${K8S}/v1.1.0/pkg/util/fielderrors/fielderrors.go`, // "%s: %s '%v', Details: %s" before field errors said Invalid value: "..."
    line: klog('E', 'kubelet.go:874', fmt('Unable to register %s with the apiserver: %v', 'Node-1', fmt("Node \"%s\" is invalid: metadata.name: invalid value '%s', Details: must be a DNS subdomain (at most 253 characters, matching regex [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*): e.g. \"example.com\"", 'Node-1', 'Node-1'))),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'kubelet-get-node-uppercase',
    from: `${K8S}/v1.18.0/pkg/kubelet/kubelet_node_status.go`, // fmt.Errorf("error getting node %q: %v", kl.nodeName, err)
    line: klog('E', 'kubelet_node_status.go:402', fmt('Error updating node status, will retry: %v', fmt('error getting node %q: %v', 'BJ-M8-HADOOP-105-145', 'nodes "BJ-M8-HADOOP-105-145" not found'))),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'kubelet-get-node-uppercase',
    from: `${K8S}/v1.21.0/pkg/kubelet/kubelet_node_status.go`, // klog.ErrorS(err, "Error updating node status, will retry")
    line: klogS('E', 'kubelet_node_status.go:470', 'Error updating node status, will retry', { err: fmt('error getting node %q: %v', 'Worker-2', 'node "Worker-2" not found') }),
  },

  // --- ingressgateway-no-destination --------------------------------------------------------
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

  // --- istio-init-prune ---------------------------------------------------------------------
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-iptables-restore',
    from: 'https://git.netfilter.org/iptables/tree/iptables/ip6tables-restore.c?h=v1.6.1', // "%s: line %u failed\n"
    line: fmt('%s: line %u failed', 'ip6tables-restore', 3),
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

  // --- apiserver-service-cidr ---------------------------------------------------------------
  {
    entry: 'apiserver-service-cidr',
    symptom: 'service-ip-not-in-range',
    from: `${K8S}/v1.19.0/pkg/registry/core/service/ipallocator/allocator.go`, // ErrNotInRange: "provided IP is not in the valid range. ..."
    line: fmt('The Service "kube-dns" is invalid: spec.clusterIP: Invalid value: %q: provided IP is not in the valid range. The range of valid IPs is %s', '10.0.0.2', '10.96.0.0/12'),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'service-ip-not-in-range',
    from: `${K8S}/v1.22.0/pkg/registry/core/service/ipallocator/allocator.go`, // "the provided IP (%v) is not in the valid range. ..."
    line: klog('E', 'rest.go:312', fmt('failed to allocate IP %s: the provided IP (%v) is not in the valid range. The range of valid IPs is %s', '1.1.1.1', '1.1.1.1', '10.43.0.0/16')),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'repair-clusterip-out-of-range',
    from: `${K8S}/v1.9.0/pkg/registry/core/service/ipallocator/controller/repair.go`, // runtime.HandleError(fmt.Errorf(...))
    line: klog('E', 'repair.go:145', fmt('the cluster IP %s for service %s/%s is not within the service CIDR %s; please recreate', '10.254.0.1', 'kubernetes', 'default', '10.96.0.0/12')),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'repair-clusterip-out-of-range',
    from: `${K8S}/v1.18.0/pkg/registry/core/service/ipallocator/controller/repair.go`, // event ClusterIPOutOfRange
    line: fmt('Warning  ClusterIPOutOfRange  service/kube-dns  Cluster IP %s is not within the service CIDR %s; please recreate service', '10.0.0.10', '10.96.0.0/12'),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'repair-clusterip-out-of-range',
    from: `${K8S}/v1.20.0/pkg/registry/core/service/ipallocator/controller/repair.go`, // dual-stack: "Cluster IP [%v]:%s ..."
    line: fmt('Warning  ClusterIPOutOfRange  service/kube-dns  Cluster IP [%v]:%s is not within the service CIDR %s; please recreate service', 'IPv4', '10.0.0.10', '10.96.0.0/12'),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'repair-clusterip-out-of-range',
    from: `${K8S}/v1.29.0/pkg/registry/core/service/ipallocator/controller/repairip.go`, // ServiceCIDR objects
    line: fmt('Warning ClusterIPOutOfRange Cluster IP [%v]: %s is not within any configured Service CIDR; please recreate service', 'IPv4', '192.168.1.1'),
  },
  {
    entry: 'apiserver-service-cidr',
    symptom: 'repair-clusterip-out-of-range',
    from: `${K8S}/v1.29.0/pkg/registry/core/service/ipallocator/controller/repairip.go`, // runtime.HandleError(...)
    line: klog('E', 'repairip.go:369', fmt('the ClusterIP [%v]: %s for Service %s/%s is not within any service CIDR; please recreate', 'IPv4', '192.168.1.1', 'default', 'web')),
  },

  // --- jenkins-403-calico-bgp ---------------------------------------------------------------
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

  // --- ctl-path -----------------------------------------------------------------------------
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
    symptom: 'ctl-kubeadm-not-in-path',
    from: `${K8S}/v1.18.0/cmd/kubeadm/app/preflight/checks.go`, // InPathCheck: fmt.Errorf("%s not found in system path", ipc.executable)
    line: `\t[ERROR FileExisting-crictl]: ${fmt('%s not found in system path', 'crictl')}`,
  },

  // --- kernel-min-version -------------------------------------------------------------------
  {
    entry: 'kernel-min-version',
    symptom: 'pids-cgroup-missing-other',
    from: 'https://github.com/kubernetes/system-validators/blob/v1.2.0/validators/cgroup_validator.go', // errors.Errorf("missing required cgroups: %s")
    line: `\t[ERROR SystemVerification]: ${fmt('missing required cgroups: %s', 'hugetlb pids')}`,
  },
  {
    entry: 'kernel-min-version',
    symptom: 'pids-cgroup-missing-other',
    from: 'https://github.com/kubernetes/system-validators/blob/v1.2.0/validators/cgroup_validator.go', // Reporter.Report("CGROUPS_"+upper, "missing", bad)
    line: 'CGROUPS_PIDS: missing',
  },
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
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: `${K8S}/v1.15.0/cmd/kubeadm/app/util/system/kernel_validator.go`, // fmt.Errorf("unsupported kernel release: %s")
    line: `\t[ERROR SystemVerification]: ${fmt('unsupported kernel release: %s', '2.6.32-754.el6.x86_64')}`,
  },
  {
    entry: 'kernel-min-version',
    symptom: 'kubeadm-old-kernel',
    from: `${K8S}/v1.15.0/cmd/kubeadm/app/util/system/kernel_validator.go`, // Reporter.Report("KERNEL_VERSION", release, ...)
    line: fmt('KERNEL_VERSION: %s', '3.10.0-327.el7.x86_64'),
  },

  // --- kube-proxy-nodeport-addresses --------------------------------------------------------
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.22.0/pkg/proxy/ipvs/proxier.go`, // klog.ErrorS(err, "Failed to get node IP address matching nodeport cidr")
    line: klogS('E', 'proxier.go:1145', 'Failed to get node IP address matching nodeport cidr', { err: fmt('no addresses found for cidrs %v', '[10.100.21.0/24]') }),
  },
  {
    entry: 'kube-proxy-nodeport-addresses',
    symptom: 'kube-proxy-nodeport-cidr',
    from: `${K8S}/v1.28.0/pkg/proxy/util/nodeport_addresses.go`, // GetNodeIPs: fmt.Errorf("no addresses found for cidrs %v", npa.cidrStrings)
    line: klog('E', 'proxier.go:1470', fmt('Failed to get node IP addresses: %v', fmt('no addresses found for cidrs %v', '[10.100.21.0/24 fd00::/64]'))),
  },

  // --- kubelet-csimigration -----------------------------------------------------------------
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: `${K8S}/v1.17.0/pkg/volume/csi/csi_plugin.go`, // klog.Errorf("Failed to initialize CSINodeInfo: %v", err)
    line: journald('kubelet', klog('E', 'csi_plugin.go:273', fmt('Failed to initialize CSINodeInfo: %v', 'error updating CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested resource'))),
  },
  {
    entry: 'kubelet-csimigration',
    symptom: 'csinode-init-failed',
    from: `${K8S}/v1.18.0/pkg/volume/csi/csi_plugin.go`, // Init: errors.New(log("failed to initialize CSINode: %v", err)), log() adds "kubernetes.io/csi: "
    line: klog('E', 'plugins.go:640', fmt('Failed to load volume plugin %s, error: %s', 'kubernetes.io/csi', 'kubernetes.io/csi: failed to initialize CSINode: error updating CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested resource')),
  },

  // --- hostname-lowercase (more programs) ---------------------------------------------------
  {
    entry: 'hostname-lowercase',
    symptom: 'node-name-not-lowercase',
    from: `${K8S}/v1.17.0/pkg/kubelet/nodelease/controller.go`, // the Node's Lease has its name: klog.Errorf("failed to ensure node lease exists, will retry in %v, error: %v")
    line: klog('E', 'controller.go:135', fmt('failed to ensure node lease exists, will retry in %v, error: %v', '7s', 'Lease.coordination.k8s.io "Master01" is invalid: metadata.name: Invalid value: "Master01": a DNS-1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\'')),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-name-not-lowercase',
    from: `${K8S}/v1.6.0/cmd/kubeadm/app/preflight/checks.go`, // HostnameCheck: fmt.Errorf("hostname \"%s\" %s", hostname, msg)
    line: `\t${fmt('hostname "%s" %s', 'Master01', "a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")}`,
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-identity-case-mismatch',
    from: `${K8S}/v1.10.0/plugin/pkg/admission/noderestriction/admission.go`, // fmt.Errorf("node %q cannot modify node %q", nodeName, requestedName)
    line: klog('E', 'kubelet_node_status.go:106', fmt('Unable to register node %q with API server: nodes %q is forbidden: %s', 'master01', 'master01', fmt('node %q cannot modify node %q', 'Master01', 'master01'))),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-user-uppercase',
    from: `${K8S}/v1.18.0/plugin/pkg/auth/authorizer/node/node_authorizer.go`, // "no relationship found between node '%s' and this object"
    line: klog('E', 'reflector.go:178', `object-"kube-system"/"kube-proxy": Failed to list *v1.ConfigMap: configmaps "kube-proxy" is forbidden: User "system:node:Master01" cannot list resource "configmaps" in API group "" in the namespace "kube-system": ${fmt("no relationship found between node '%s' and this object", 'Master01')}`),
  },

  // --- docker-storage-driver ----------------------------------------------------------------
  {
    entry: 'docker-storage-driver',
    symptom: 'kubelet-no-podsandbox',
    from: `${K8S}/v1.18.0/pkg/kubelet/cm/container_manager_linux.go`, // buildContainerMapFromRuntime: fmt.Errorf("no PodsandBox found with Id '%s'")
    line: journald('kubelet', klog('F', 'kubelet.go:1383', fmt('Failed to start ContainerManager %v', fmt("failed to build map of initial containers from runtime: no PodsandBox found with Id '%s'", 'a69881c50fe65f411010f10309ed653784650f48c1e4586814932b4acf7437e1')))),
  },
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
    from: 'https://github.com/docker/cli/blob/v19.03.0/cli/command/system/info.go', // fmt.Fprintln(..., " Storage Driver:", info.Driver)
    line: fmt(' Storage Driver: %s', 'devicemapper'),
  },

  // --- docker-load-import -------------------------------------------------------------------
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

  // --- xfs-ftype ----------------------------------------------------------------------------
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

  // --- apiserver-tls-noise ------------------------------------------------------------------
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

  // --- fourth batch: resolv.conf writers, kube-proxy iptables, Istio's stderr relay ----------
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
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'kube-proxy-ingressgateway-no-endpoints',
    from: `${K8S}/v1.18.0/pkg/proxy/iptables/proxier.go`, // fmt.Sprintf(\`"%s has no local endpoints"\`, svcNameString)
    line: `-A KUBE-XLB-UQMCRMJZLI3FTLDP -m comment --comment ${fmt('"%s has no local endpoints"', 'istio-system/istio-ingressgateway:http2')} -j KUBE-MARK-DROP`,
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'kube-proxy-ingressgateway-no-endpoints',
    from: `${K8S}/v1.26.0/pkg/proxy/iptables/proxier.go`, // REJECT when the Service has no endpoints at all
    line: `-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment ${fmt('"%s has no endpoints"', 'istio-system/aws-ingressgateway:https')} -m addrtype --dst-type LOCAL -m tcp --dport 44693 -j REJECT`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-iptables-restore',
    from: 'https://github.com/istio/istio/blob/1.8.0/tools/istio-iptables/pkg/dependencies/implementation.go', // log.Errorf("Command error output: %v", stderr)
    line: `2021-01-12T08:01:02.123456Z\terror\t${fmt('Command error output: %v', 'iptables-restore: line 2 failed')}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-iptables-restore',
    from: 'https://github.com/istio/istio/blob/1.12.0/tools/istio-iptables/pkg/dependencies/implementation.go', // transformToXTablesErrorMessage: "%v: %v"
    line: `2022-01-12T08:01:02.123456Z\terror\t${fmt('Command error output: %v: %v', 'xtables other problem', 'line 2 failed')}`,
  },
  {
    entry: 'istio-init-prune',
    symptom: 'istio-init-chain-exists',
    from: 'https://github.com/istio/istio/blob/1.12.0/tools/istio-iptables/pkg/dependencies/implementation.go', // "Running command: %s %s" then the stderr, two lines
    line: `2022-01-12T08:01:02.120000Z\tinfo\tRunning command: iptables -t nat -N ISTIO_INBOUND\n2022-01-12T08:01:02.123456Z\terror\t${fmt('Command error output: %v: %v', 'xtables other problem', 'Chain already exists.')}`,
  },

  // --- fifth batch: capitalised Node names looked up or registered --------------------------
  {
    entry: 'hostname-lowercase',
    symptom: 'node-uppercase-not-found',
    from: 'https://github.com/kubernetes/apimachinery/blob/v0.21.0/pkg/api/errors/errors.go', // NewNotFound: "%s %q not found"; kubeadm upload-config
    line: `error execution phase upload-config/kubelet: Error writing Crisocket information for the control-plane node: ${fmt('%s %q not found', 'nodes', 'K8s-Master')}`,
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-uppercase-not-found',
    from: `${K8S}/v1.22.0/pkg/kubelet/kubelet.go`, // klog.ErrorS(err, "Error getting node") with a lister NotFound ("node")
    line: klogS('E', 'kubelet.go:2412', 'Error getting node', { err: fmt('%s %q not found', 'node', 'Worker-2') }),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'kubelet-register-uppercase',
    from: `${K8S}/v1.18.0/pkg/kubelet/kubelet_node_status.go`, // klog.Infof("Attempting to register node %s", node.Name)
    line: journald('kubelet', klog('I', 'kubelet_node_status.go:70', fmt('Attempting to register node %s', 'BJ-M8-HADOOP-105-145'))),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'kubelet-register-uppercase',
    from: `${K8S}/v1.21.0/pkg/kubelet/kubelet_node_status.go`, // klog.InfoS("Attempting to register node", "node", klog.KObj(node))
    line: klogS('I', 'kubelet_node_status.go:71', 'Attempting to register node', { node: 'Master01' }),
  },
  {
    entry: 'ingressgateway-no-destination',
    symptom: 'ipvs-no-destination',
    from: `${LINUX}/v4.19/net/netfilter/ipvs/ip_vs_proto.c`, // ip_vs_proto_name(): "IP_%u" for a protocol without a name
    line: dmesg(fmt('IPVS: %s: %s %s:%d - %s', 'rr', 'IP_47', '10.200.1.206', 0, 'no destination available')),
  },
];

describe('signatures match what their programs print (format strings from the sources, several releases)', () => {
  it.each(CASES.map((c) => [`${c.entry} / ${c.symptom} <- ${c.from}`, c] as const))('%s', (_name, c) => {
    const r = diagnose(c.line);
    expect(r.matches[0]?.entryId, c.line).toBe(c.entry);
    expect(r.matches[0]!.evidence[0]!.symptomId, c.line).toBe(c.symptom);
  });
});

/** Lines the same programs print for other failures: the signatures must leave them alone. */
const OTHER_FAILURES: { why: string; line: string }[] = [
  // kubelet's search-line limit (dns.go formDNSSearchFitsLimits) is a different problem from the nameserver limit
  { why: 'search line limit', line: klogS('E', 'dns.go:153', 'Search Line limits exceeded', { err: 'Search Line limits were exceeded, some search paths have been omitted, the applied search line is: a.svc b.svc c' }) },
  // order-0 failures of atomic allocations are routine noise (network drivers), not a fragmentation sign
  { why: 'order-0 atomic allocation', line: dmesg('kswapd0: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0') },
  // runc nsexec failing for a reason other than memory
  { why: 'unshare EPERM', line: 'nsenter: failed to unshare namespaces: Operation not permitted' },
  // a lowercase node the kubelet cannot get is not a capitalisation problem
  { why: 'lowercase node not found', line: klog('E', 'kubelet_node_status.go:402', 'Error updating node status, will retry: error getting node "worker-2": nodes "worker-2" not found') },
  // CSINode initialisation failing because the kubelet's own Node is not registered (k3s agents): another problem
  { why: 'CSINode without a Node', line: 'Failed to initialize CSINode: error updating CSINode annotation: timed out waiting for the condition; caused by: nodes "gcp-agent-1337-1" not found' },
  // the repair loop's other complaint (an IP given to two Services)
  { why: 'ClusterIP assigned twice', line: 'the cluster IP 10.96.0.10 for service kube-system/kube-dns was assigned to multiple services; please recreate' },
  // a binary that is not one of the ctl binaries
  { why: 'zsh other command', line: 'zsh: command not found: foo' },
  // kubeadm's kernel check on a supported kernel
  { why: 'KERNEL_VERSION on 5.x', line: 'KERNEL_VERSION: 5.4.0-42-generic' },
  // docker on overlay2 and overlay2 on ext4 without the filetype feature are not these entries
  { why: 'docker info overlay2', line: ' Storage Driver: overlay2' },
  { why: 'extfs without d_type', line: 'overlay2: the backing extfs filesystem is formatted without d_type support, which leads to incorrect behavior. Reformat the filesystem (or use tune2fs) with -O filetype flag to enable d_type support.' },
  // a TLS handshake the client refused (a certificate problem) is not the harmless noise
  { why: 'TLS bad certificate', line: 'I0722 20:27:25.279953       1 log.go:172] http: TLS handshake error from 10.200.1.127:47606: remote error: tls: bad certificate' },
  // docker load of a real docker save archive whose layer is missing is another problem
  { why: 'missing layer tar', line: 'open /var/lib/docker/tmp/docker-import-3645772770/0f3a2a7f0d6c7e9fa6c3b3b8e1a2d4c5f6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1/layer.tar: no such file or directory' },
  // kube-proxy quoting iptables-restore's stderr is kube-proxy's own failure, not istio-init's
  { why: 'kube-proxy iptables-restore', line: 'E1224 10:30:08.150179       1 proxier.go:1436] Failed to execute iptables-restore: exit status 1 (iptables-restore: line 7 failed )' },
  // Istio on a node without the nat table module: another istio-init failure
  { why: 'istio missing nat module', line: "2024-08-25T10:50:29.240073Z\terror\tCommand error output: xtables parameter problem: iptables-restore: unable to initialize table 'nat'" },
  // a Service other than an ingressgateway without endpoints
  { why: 'other service no endpoints', line: '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT' },
  // a lowercase name registering, pasted joined to the next line (diagnose also tries the two without a space)
  { why: 'lowercase register joined', line: 'Attempting to register node ip-172-28-68-60.eu-west-1.compute.internal\nUnable to register node "ip-172-28-68-60.eu-west-1.compute.internal" with API server: nodes "ip-172-28-68-60.eu-west-1.compute.internal" is forbidden' },
  // a lowercase Node that is not there yet
  { why: 'lowercase node not found', line: 'Error from server (NotFound): nodes "worker-3" not found' },
  // istio-iptables failing on a command that is not iptables
  { why: 'istio other command', line: '2021-01-12T08:01:02.123456Z\terror\tFailed to execute: ip -6 addr show, exit status 1' },
];

describe('signatures leave the same programs\' other failures alone', () => {
  it.each(OTHER_FAILURES.map((o) => [o.why, o.line] as const))('%s', (_why, line) => {
    expect(diagnose(line).matches).toEqual([]);
  });
});
