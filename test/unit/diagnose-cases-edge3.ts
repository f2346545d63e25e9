/**
 * Wordings of hostname-lowercase and ctl-path (helper 18A), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 */
import { ansibleFailed, fmt, klog, klogS, type OtherFailure, type SourceCase } from './log-formats.js';

// Ubuntu's command-not-found: a recent copy (ottok's mirror), one as shipped in an 18.04-based image, and the 2008 one (zyga's).
const CNF_NEW = 'https://github.com/ottok/command-not-found/blob/6ad03a97de17c84b52993069e10bb8b3c6146418/CommandNotFound/CommandNotFound.py';
const CNF_1804 =
  'https://github.com/eXtern-OS/eXternOS-Base/blob/1705742e02a61976ac3c6045ab9982afddc30c47/squashfs-root/usr/lib/python3/dist-packages/CommandNotFound/CommandNotFound.py';
const PK_CNF = 'https://github.com/PackageKit/PackageKit/blob/ce879da454520e67e6a2001c1da3bc2763440282/contrib/command-not-found/pk-command-not-found.c';
const BASH_ERROR = 'https://github.com/bminor/bash/blob/b8c60bc9ca365f8261fa97900b6fa939f6ebc303/error.c';
const MKSH_EXEC = 'https://github.com/MirBSD/mksh/blob/30cae6246884bfccaa5b2be23b6d881247598d12/exec.c';
// kube-apiserver's Node authorizer and NodeRestriction admission, as stored (the commits of the copies opened)
const NODE_AUTHZ = 'https://github.com/kubernetes/kubernetes/blob/00d03ec049aaa34f7d77b1bb86072e1b9a033177/plugin/pkg/auth/authorizer/node/node_authorizer.go';
const NODE_ADMIT = 'https://github.com/kubernetes/kubernetes/blob/aab56e9b70b7d80f2a5a5f2907e172de257662b5/plugin/pkg/admission/noderestriction/admission.go';
const KUBEADM_VALIDATION =
  'https://github.com/kubernetes/kubernetes/blob/00d24de699fe4409b5829a5e51b73c1fc7bcba12/cmd/kubeadm/app/apis/kubeadm/validation/validation.go';
const CNF_2008 = 'https://github.com/zyga/command-not-found/blob/5cb4fc37fd67e7dd235b1f694af6f16a640a4013/CommandNotFound/CommandNotFound.py';

export const EDGE3_CASES: SourceCase[] = [
  // hostname-lowercase: the Node authorizer (kube-apiserver) with a capital in the kubelet's identity
  {
    entry: 'hostname-lowercase',
    symptom: 'node-user-uppercase',
    from: NODE_AUTHZ, // klog.V(2).Infof("NODE DENY: '%s' %#v", nodeName, attrs)
    line: klog('I', 'node_authorizer.go:285', fmt("NODE DENY: '%s' %s", 'Worker-2', '&authorizer.AttributesRecord{User:(*user.DefaultInfo)(0xc010247380), Verb:"get", Namespace:"", APIGroup:"storage.k8s.io", APIVersion:"v1", Resource:"csinodes", Subresource:"", Name:"worker-2", ResourceRequest:true}')),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-user-uppercase',
    from: NODE_AUTHZ, // authorizeNode (AuthorizeNodeWithSelectors): fmt.Sprintf("node '%s' cannot read '%s', only its own Node object")
    line: klogS('E', 'kubelet_node_status.go:95', 'Unable to register node with API server', {
      err: `nodes "master01" is forbidden: User "system:node:Master01" cannot get resource "nodes" in API group "" at the cluster scope: ${fmt("node '%s' cannot read '%s', only its own Node object", 'Master01', 'master01')}`,
      node: 'master01',
    }),
  },
  // hostname-lowercase: NodeRestriction on the kubelet's mirror pods
  {
    entry: 'hostname-lowercase',
    symptom: 'node-identity-case-mismatch',
    from: NODE_ADMIT, // admitPodCreate: fmt.Errorf("node %q can only create pods with spec.nodeName set to itself", nodeName)
    line: klog('E', 'kubelet.go:1780', `Failed creating a mirror pod for "kube-apiserver-master01_kube-system(1b2c)": pods "kube-apiserver-master01" is forbidden: ${fmt('node %q can only create pods with spec.nodeName set to itself', 'Master01')}`),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-identity-case-mismatch',
    from: NODE_ADMIT, // admitPodStatus: fmt.Errorf("node %q can only update pod status for pods with spec.nodeName set to itself", nodeName)
    line: klogS('I', 'status_manager.go:877', 'Failed to update status for pod', {
      pod: 'kube-system/kube-proxy-7xk2p',
      err: `pods "kube-proxy-7xk2p" is forbidden: ${fmt('node %q can only update pod status for pods with spec.nodeName set to itself', 'Worker-2')}`,
    }),
  },
  {
    entry: 'hostname-lowercase',
    symptom: 'node-identity-case-mismatch',
    from: NODE_ADMIT, // admitNode: fmt.Errorf("node %q is not allowed to modify node %q", nodeName, requestedName), via kubectl
    line: `Error from server (Forbidden): nodes "master01" is forbidden: ${fmt('node %q is not allowed to modify node %q', 'Master01', 'master01')}`,
  },
  // hostname-lowercase: kubeadm init/join --node-name with capitals (ValidateNodeRegistrationOptions, IsDNS1123Subdomain)
  {
    entry: 'hostname-lowercase',
    symptom: 'node-name-not-lowercase',
    from: KUBEADM_VALIDATION, // field.Invalid(fldPath.Child("name"), nro.Name, err) with fldPath "nodeRegistration"
    line: `nodeRegistration.name: Invalid value: "Master01": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  },
  // ctl-path: Ubuntu's command-not-found handler
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_NEW, // _print_exact_header: _("Command '%(command)s' not found, but can be installed with:")
    line: ansibleFailed('node1', { changed: true, cmd: 'kubectl get nodes', msg: 'non-zero return code', rc: 127, stderr: fmt("Command '%s' not found, but can be installed with:", 'kubectl') }),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_NEW, // print_spelling_suggestions: _("Command '%s' not found, did you mean:")
    line: fmt("Command '%s' not found, did you mean:", 'crictl'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_1804, // print_spelling_suggestions: _("Command '%s' not found, but there are %s similar ones.")
    line: fmt("Command '%s' not found, but there are %s similar ones.", 'helm', 17),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_NEW, // advise: _("Command '%(command)s' is available in '%(place)s'") when a prefix has it but PATH lacks it
    line: fmt("Command '%s' is available in '%s'", 'kubectl', '/usr/local/bin/kubectl'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_2008, // advise: _("Command '%(command)s' is available in the following places"), then " * <path>" lines
    line: fmt("Command '%s' is available in the following places", 'crictl'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_NEW, // advise: the line after "is available in", naming the missing prefixes joined by ':'
    line: fmt("The command could not be located because '%s' is not included in the PATH environment variable.", '/usr/local/bin'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_2008, // advise: _("The program '%s' is currently not installed. ") + _("You can install it by typing:") on one line
    line: `${fmt("The program '%s' is currently not installed. ", 'kubectl')}You can install it by typing:`,
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: CNF_2008, // advise: _("The program '%s' can be found in the following packages:")
    line: fmt("The program '%s' can be found in the following packages:", 'docker'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    // print_spelling_suggestion: _("No command '%s' found, did you mean:"). Read in a stored Python 3 copy of CommandNotFound.py
    // (the gdbm-era one, between the 2008 and the snap-era files above) whose repository the search tool did not name; the
    // 2008 copy linked here predates the message.
    from: CNF_2008,
    line: fmt("No command '%s' found, did you mean:", 'kubectl'),
  },
  // ctl-path: bash's error_prolog before execute_cmd.c's internal_error (_("%s: command not found"), pathname) (that call read
  // in search excerpts whose repository was not named): "NAME: line N: " when not interactive, NAME the script ($BASH_SOURCE)
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    from: BASH_ERROR, // fprintf (stderr, "%s:%s%d: ", ename, gnu_error_format ? "" : _(" line "), line)
    line: `${fmt('%s:%s%d: ', '/tmp/crane/install.sh', ' line ', 12)}${fmt('%s: command not found', 'kubectl')}`,
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    from: BASH_ERROR, // the same with gnu_error_format set: no " line "
    line: `${fmt('%s:%s%d: ', 'bash', '', 1)}${fmt('%s: command not found', 'crictl')}`,
  },
  // ctl-path: Fedora/RHEL's PackageKit handler
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    from: PK_CNF, // g_printerr ("bash: %s: %s...\n", argv[1], _("command not found"))
    line: fmt('bash: %s: %s...', 'crictl', 'command not found'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    from: 'https://github.com/PackageKit/PackageKit/blob/10e315debfc02a6d111059b7d68a51f9f74135eb/contrib/command-not-found/PackageKit.sh.in', // non-interactive fallback
    line: fmt('bash: %scommand not found', 'kubectl: '),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-distro-command-not-found',
    from: PK_CNF, // _("Install package '%s' to provide command '%s'?") when SingleInstall=ask
    line: `${fmt("Install package '%s' to provide command '%s'?", 'kubernetes-client', 'kubectl')} [N/y]`,
  },
  // ctl-path: mksh, warningf(true, Tf_sD_s, cp, Tnot_found) for ENOENT, with the shell's name (or script[line]) before
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    from: MKSH_EXEC,
    line: fmt('%s: %s: %s', 'mksh: /tmp/crane/install.sh[12]', 'kubeadm', 'not found'),
  },
  {
    entry: 'ctl-path',
    symptom: 'ctl-command-not-found',
    // later mksh passes Tinacc_not_found ("inaccessible or not found") here: read in a stored later sh.h and exec.c whose
    // repository the search tool did not name, and in Android pastes (/system/bin/sh is mksh); the file linked has "not found"
    from: MKSH_EXEC,
    line: fmt('%s: %s: %s', '/system/bin/sh', 'kubectl', 'inaccessible or not found'),
  },
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const EDGE3_OTHER_FAILURES: OtherFailure[] = [
  // the Node authorizer denying a lowercase node (a real cross-node access, not capitals), and one it cannot identify
  { why: 'NODE DENY lowercase', line: klog('I', 'node_authorizer.go:285', "NODE DENY: 'worker-2' &authorizer.AttributesRecord{Verb:\"get\", Resource:\"secrets\", Name:\"db\"}") },
  { why: 'NODE DENY unknown node', line: klog('I', 'node_authorizer.go:97', fmt('NODE DENY: unknown node for user %q', 'system:node:')) },
  { why: 'node reads another node', line: "node 'worker-2' cannot read 'worker-3', only its own Node object" },
  // NodeRestriction refusing a lowercase kubelet for reasons of its own (labels, taints, mirror pods without the annotation)
  { why: 'NodeRestriction labels', line: 'nodes "worker-2" is forbidden: node "worker-2" is not allowed to set the following labels: node-restriction.kubernetes.io/zone' },
  { why: 'NodeRestriction mirror pod', line: 'pods "web" is forbidden: node "worker-2" can only create pods with spec.nodeName set to itself' },
  // kubeadm preflight (cmd/kubeadm/app/preflight/checks.go HostnameCheck, read in stored copies): a node name DNS cannot
  // resolve is another problem
  { why: 'kubeadm hostname unreachable', line: '\t[WARNING Hostname]: hostname "master01" could not be reached' },
  { why: 'kubeadm hostname lookup', line: '\t[WARNING Hostname]: hostname "master01": lookup master01 on 10.0.0.2:53: no such host' },
  // command-not-found for a binary that is not one of the ctl binaries
  { why: 'CNF other binary', line: "Command 'git' not found, but can be installed with:" },
  // a typo: the handler suggests the real name on the next line, which is no PATH problem
  { why: 'CNF typo suggestion', line: "No command 'kubeclt' found, did you mean:\n Command 'kubectl' from package 'kubectl' (universe)" },
  { why: 'CNF snap suggestion', line: "  command 'kubectl' from snap kubectl (1.29.0)" },
  // the sbin prefixes of a non-admin user, not the ctl path
  { why: 'CNF sbin not on PATH', line: "The command could not be located because '/usr/sbin:/sbin' is not included in the PATH environment variable." },
  // PackageKit's typo suggestion after a misspelt name
  { why: 'PackageKit similar command', line: "bash: kubeclt: command not found...\nSimilar command is: 'kubectl'" },
  // mksh: the binary is there but not executable (EACCES), not a PATH problem
  { why: 'mksh cannot execute', line: "mksh: kubectl: can't execute: Permission denied" },
  { why: 'CNF games not on PATH', line: "The command could not be located because '/usr/games' is not included in the PATH environment variable." },
];
