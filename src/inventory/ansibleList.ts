/**
 * The same JSON shape `ansible-inventory -i FILE --list` prints (cli/inventory.py
 * json_inventory), so an inventory can be diffed against Ansible's own reading of it:
 * groups with their direct hosts and children (empty keys and empty groups dropped, no
 * hosts listed under `all`), and `_meta.hostvars` with each host's final vars.
 */
import type { Inventory } from './types.js';

type GroupJson = { hosts?: string[]; children?: string[] };

export function toAnsibleList(inv: Inventory): Record<string, unknown> {
  const seen = new Set<string>();
  const format = (name: string): Record<string, GroupJson> => {
    const g = inv.groups.get(name)!;
    const entry: GroupJson = {};
    const out: Record<string, GroupJson> = { [name]: entry };
    if (name !== 'all' && g.hosts.length > 0) entry.hosts = [...g.hosts];
    const children: string[] = [];
    for (const c of g.children) {
      children.push(c);
      if (!seen.has(c)) {
        Object.assign(out, format(c));
        seen.add(c);
      }
    }
    if (children.length > 0) entry.children = children;
    if (Object.keys(entry).length === 0) delete out[name];
    return out;
  };
  const hostvars: Record<string, unknown> = {};
  for (const h of inv.hosts.values()) if (Object.keys(h.vars).length > 0) hostvars[h.name] = h.vars;
  return { ...format('all'), _meta: { hostvars } };
}
