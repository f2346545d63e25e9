/**
 * `crane-fix inventory -i <file> --list | --host <name> | --graph [group]`: the inventory as
 * crane-fix reads it, in the shapes `ansible-inventory` prints, so a user can diff the two
 * before trusting a run to it. Reads local files only; never contacts a host.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { loadInventory, sortedKeys, toAnsibleGraph, toAnsibleList } from '../inventory/index.js';

interface InventoryOptions {
  inventory: string;
  list?: boolean;
  host?: string;
  graph?: boolean;
}

/** What the command prints (without the trailing newline); pure apart from reading the inventory. */
export function inventoryOutput(o: InventoryOptions, group?: string): string {
  const actions = [o.list && '--list', o.host !== undefined && '--host', o.graph && '--graph'].filter(Boolean);
  if (actions.length !== 1) {
    throw new InputError(actions.length ? `give only one of ${actions.join(', ')}` : 'give one of --list, --host <name>, --graph [group]', { flag: 'inventory' });
  }
  if (group !== undefined && !o.graph) throw new InputError(`a group argument ('${group}') goes with --graph only`, { flag: 'inventory' });
  // As ansible-inventory: an inventory without hosts is shown, not refused.
  const inv = loadInventory(o.inventory, { allowEmpty: true });
  // Ansible's json.dumps(sort_keys=True, indent=4).
  const json = (v: unknown) => JSON.stringify(sortedKeys(v), null, 4);
  if (o.list) return json(toAnsibleList(inv));
  if (o.host !== undefined) {
    const h = inv.hosts.get(o.host);
    if (!h) throw new InputError(`no host named '${o.host}' in ${o.inventory} (--host takes one inventory hostname)`, { flag: '--host' });
    return json(h.vars);
  }
  const root = group ?? 'all';
  if (!inv.groups.has(root)) throw new InputError(`no group named '${root}' in ${o.inventory} (--graph takes a group name)`, { flag: '--graph' });
  return toAnsibleGraph(inv, root);
}

export function registerInventory(program: Command): void {
  program
    .command('inventory')
    .description('Show the inventory as crane-fix reads it, in ansible-inventory\'s shapes (no host is contacted)')
    .requiredOption('-i, --inventory <file>', 'inventory file (Ansible INI or YAML)')
    .option('--list', 'groups, hosts and every host\'s merged vars (JSON, as ansible-inventory --list)')
    .option('--host <name>', 'one host\'s merged vars (JSON, as ansible-inventory --host)')
    .option('--graph', 'the group tree with hosts (as ansible-inventory --graph)')
    .argument('[group]', 'with --graph: draw from this group')
    .action((group: string | undefined, o: InventoryOptions) => {
      process.stdout.write(inventoryOutput(o, group) + '\n');
    });
}
