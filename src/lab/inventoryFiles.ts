/**
 * Inventories for a running lab, in both forms our users have: Ansible YAML, and INI shaped
 * like Crane's `crane/nodes` ([kube-master], [kube-node], [etcd], [k8s-cluster:children],
 * [all:vars] with ansible_ssh_user / ansible_ssh_private_key_file / ansible_ssh_port).
 * Both describe the same hosts and vars, so tests can load either and expect the same result.
 */
import { stringify } from 'yaml';
import type { LabNode, LabState } from './types.js';

const GROUPS = ['kube-master', 'kube-node', 'etcd'] as const;

function hostVars(node: LabNode): Record<string, string> {
  const vars: Record<string, string> = { ansible_host: node.ip };
  // The ftype=0 disk cannot be mounted here; name it so the xfs-ftype fix has an explicit device.
  if (node.loopDevice && node.diskFtype === 0) vars.xfs_device = node.loopDevice;
  if (node.ctlPathOffPath) vars.kubernetes_ctl_path = '/opt/crane/bin';
  return vars;
}

function commonVars(state: LabState): Record<string, string> {
  return {
    ansible_ssh_user: 'root',
    ansible_ssh_private_key_file: state.privateKey,
    ansible_ssh_port: '22',
    // Ansible reads host keys from here too; crane-fix honours UserKnownHostsFile in this var.
    ansible_ssh_common_args: `-o UserKnownHostsFile=${state.knownHosts} -o StrictHostKeyChecking=yes`,
  };
}

export function labInventoryYaml(state: LabState): string {
  const children: Record<string, unknown> = {};
  for (const g of GROUPS) {
    const hosts: Record<string, unknown> = {};
    for (const n of state.nodes.filter((x) => x.groups.includes(g))) hosts[n.name] = hostVars(n);
    children[g] = { hosts };
  }
  children['k8s-cluster'] = { children: { 'kube-master': {}, 'kube-node': {} } };
  return (
    `# crane-fix lab inventory (${state.nodes.length} nodes), generated ${state.createdAt}\n` +
    stringify({ all: { vars: commonVars(state), children } })
  );
}

export function labInventoryIni(state: LabState): string {
  const lines = [`# crane-fix lab inventory (${state.nodes.length} nodes), shaped like Crane's crane/nodes`];
  for (const g of GROUPS) {
    lines.push(`[${g}]`);
    for (const n of state.nodes.filter((x) => x.groups.includes(g))) {
      const v = Object.entries(hostVars(n))
        .map(([k, val]) => `${k}=${val}`)
        .join(' ');
      lines.push(`${n.name} ${v}`);
    }
    lines.push('');
  }
  lines.push('[k8s-cluster:children]', 'kube-master', 'kube-node', '', '[all:vars]');
  for (const [k, v] of Object.entries(commonVars(state))) lines.push(`${k}=${v.includes(' ') ? `'${v}'` : v}`);
  return lines.join('\n') + '\n';
}
