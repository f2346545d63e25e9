/**
 * Wordings printed by Kubernetes' own programs (kubelet, kube-apiserver, kube-proxy, kubeadm, apimachinery
 * validation, system-validators), one case per format string and release; run by diagnose-sources.test.ts.
 */
import { fmt, journald, klog, klogS, type SourceCase } from './log-formats.js';

const K8S = 'https://github.com/kubernetes/kubernetes/blob';

export const K8S_CASES: SourceCase[] = [
  // resolv-conf-trim
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
  // hostname-lowercase
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
  // apiserver-service-cidr
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
  // ctl-path
  {
    entry: 'ctl-path',
    symptom: 'ctl-sudo-not-found',
    from: 'https://github.com/sudo-project/sudo/blob/SUDO_1_9_5/plugins/sudoers/sudoers.c', // sudo_warnx(U_("%s: command not found"), ...)
    line: `sudo: ${fmt('%s: command not found', 'k9s')}`, // a binary outside CTL_BINARIES: the sudo form alone says secure_path
  },
  // kernel-min-version
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
  // kube-proxy-nodeport-addresses
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
  // kubelet-csimigration
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
  // docker-storage-driver
  {
    entry: 'docker-storage-driver',
    symptom: 'kubelet-no-podsandbox',
    from: `${K8S}/v1.18.0/pkg/kubelet/cm/container_manager_linux.go`, // buildContainerMapFromRuntime: fmt.Errorf("no PodsandBox found with Id '%s'")
    line: journald('kubelet', klog('F', 'kubelet.go:1383', fmt('Failed to start ContainerManager %v', fmt("failed to build map of initial containers from runtime: no PodsandBox found with Id '%s'", 'a69881c50fe65f411010f10309ed653784650f48c1e4586814932b4acf7437e1')))),
  },
  // ingressgateway-no-destination
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
];
