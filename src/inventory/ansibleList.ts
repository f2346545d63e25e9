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

/**
 * `ansible-inventory --graph [group]` (cli/inventory.py _graph_group in ansible-core 2.14):
 * a group's child groups, then its direct hosts, in inventory order, `  |--` per level; a
 * group under two parents is drawn under each; `all` lists no hosts of its own.
 */
export function toAnsibleGraph(inv: Inventory, root = 'all'): string {
  const lines: string[] = [];
  const name = (text: string, depth: number) => (depth ? `${'  |'.repeat(depth)}--${text}` : text);
  const walk = (group: string, depth: number): void => {
    const g = inv.groups.get(group)!;
    lines.push(name(`@${group}:`, depth));
    for (const c of g.children) walk(c, depth + 1);
    if (group !== 'all') for (const h of g.hosts) lines.push(name(h, depth + 1));
  };
  walk(root, 0);
  return lines.join('\n');
}

/** Keys sorted at every level, as Ansible's json.dumps(sort_keys=True), so outputs diff line by line. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = sortedKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
