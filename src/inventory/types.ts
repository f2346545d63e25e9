/**
 * The inventory as the rest of crane-fix sees it: already resolved (ranges expanded,
 * children linked, group_vars/host_vars merged), so nothing downstream re-implements
 * Ansible's precedence rules.
 */

export interface InventoryHost {
  name: string;
  /** Final variables after Ansible's precedence (see load.ts). */
  vars: Record<string, unknown>;
  /** All groups incl. ancestors and 'all', in inventory group order. */
  groups: string[];
  /** Where the host was first declared. */
  pos: { file: string; line: number; col: number };
}

export interface InventoryGroup {
  name: string;
  /** Direct members only, in the order they were added. */
  hosts: string[];
  children: string[];
  /** The group's inventory vars overlaid with its group_vars file (as `ansible-inventory --export`). */
  vars: Record<string, unknown>;
}

export interface Inventory {
  file: string;
  /** Insertion order = file order. */
  hosts: Map<string, InventoryHost>;
  /** Always contains 'all' and 'ungrouped'; then groups in declaration order. */
  groups: Map<string, InventoryGroup>;
}

export interface ConnectionSpec {
  /** Inventory name (for a jump host: the name as written in ProxyJump). */
  name: string;
  /** Address to connect to. */
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  /** The hop this connection goes through (for `ProxyJump a,b` the target's hop is b, b's is a). */
  proxyJump?: ConnectionSpec;
  become: boolean;
  becomeMethod: string;
  becomeUser: string;
  becomePassword?: string;
  connectTimeoutMs?: number;
  /** ansible_ssh_common_args then ansible_ssh_extra_args, as Ansible appends them to ssh. */
  sshArgs?: string;
}
