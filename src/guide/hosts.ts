/**
 * The pure parts of choosing hosts, vars and confirmations in `crane-fix guide`: no prompts,
 * no I/O. Everything works on a loaded Inventory so it can be unit-tested on fixtures.
 */
import { selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import type { CatalogEntry, Text } from '../catalog/types.js';
import type { CheckReport } from '../engine/check.js';
import { InputError } from '../errors.js';

export interface GroupInfo {
  name: string;
  /** Every host in the group or its children, in inventory order. */
  hosts: string[];
}

/** Groups worth offering: not `all`, not empty; in declaration order. */
export function groupsOf(inv: Inventory): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const name of inv.groups.keys()) {
    if (name === 'all') continue;
    const hosts = [...inv.hosts.values()].filter((h) => h.groups.includes(name)).map((h) => h.name);
    if (hosts.length) out.push({ name, hosts });
  }
  return out;
}

/** Inventory order, no duplicates, unknown names dropped. */
export function inInventoryOrder(inv: Inventory, names: Iterable<string>): string[] {
  const want = new Set(names);
  return [...inv.hosts.keys()].filter((h) => want.has(h));
}

export function hostsOfGroups(inv: Inventory, groups: string[]): string[] {
  const wanted = new Set(groups);
  return [...inv.hosts.values()].filter((h) => h.groups.some((g) => wanted.has(g))).map((h) => h.name);
}

/** A host name that Ansible's pattern syntax reads as exactly itself. */
function plainName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && !/^\d+$/.test(name);
}

/**
 * The shortest `--limit` that selects exactly `selected`: nothing when it is every host, else
 * whole groups where they fit exactly (largest first), plus single hosts for the rest. The
 * result is checked against the inventory's own pattern matcher; a selection no pattern can
 * express (names with pattern characters) is an InputError rather than a wrong host set.
 */
export function limitFor(inv: Inventory, selected: Iterable<string>): string | undefined {
  const sel = inInventoryOrder(inv, selected);
  if (!sel.length) throw new InputError('no host selected');
  const all = [...inv.hosts.keys()];
  if (sel.length === all.length) return undefined;
  const selSet = new Set(sel);
  const candidates = groupsOf(inv)
    .filter((g) => g.name !== 'ungrouped' && plainName(g.name) && !inv.hosts.has(g.name) && g.hosts.every((h) => selSet.has(h)))
    .sort((a, b) => b.hosts.length - a.hosts.length);
  const covered = new Set<string>();
  const parts: string[] = [];
  for (const g of candidates) {
    if (g.hosts.length < 2) continue; // a one-host group is no shorter than the host
    if (g.hosts.every((h) => covered.has(h))) continue;
    parts.push(g.name);
    for (const h of g.hosts) covered.add(h);
  }
  // Drop groups made redundant by later (smaller) ones together.
  for (let i = parts.length - 1; i >= 0; i--) {
    const others = new Set(parts.filter((_, j) => j !== i).flatMap((p) => candidates.find((c) => c.name === p)!.hosts));
    if (candidates.find((c) => c.name === parts[i])!.hosts.every((h) => others.has(h))) parts.splice(i, 1);
  }
  const coveredNow = new Set(parts.flatMap((p) => candidates.find((c) => c.name === p)!.hosts));
  const rest = sel.filter((h) => !coveredNow.has(h));
  const limit = [...parts, ...rest].join(',');
  let check: string[];
  try {
    check = selectHosts(inv, limit);
  } catch {
    check = [];
  }
  if (check.length !== sel.length || check.some((h) => !selSet.has(h))) {
    throw new InputError(`cannot express the host selection ${sel.join(', ')} as a --limit pattern (host names with pattern characters?)`);
  }
  return limit;
}

/** Hosts a scan found affected by one entry, inventory order. */
export function affectedBy(report: CheckReport, entryId: string): string[] {
  return report.affected[entryId] ?? [];
}

/** `--limit` validation for the typed pattern: the hosts, or the reason it selects none. */
export function tryPattern(inv: Inventory, pattern: string): { hosts: string[] } | { error: string } {
  if (!pattern.trim()) return { error: 'empty pattern' };
  try {
    return { hosts: selectHosts(inv, pattern.trim()) };
  } catch (err) {
    return { error: err instanceof InputError ? err.detail : (err as Error).message };
  }
}

// ---------------------------------------------------------------- vars

export interface VarRow {
  name: string;
  required: boolean;
  description: Text;
  /** The value the run would use without -e, as text, when every selected host agrees. */
  current?: string;
  source?: 'playbook' | 'inventory' | 'default';
  /** Some selected hosts set it in the inventory and some do not, or they disagree. */
  mixed: boolean;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * What each catalogue var of the entry would be on the selected hosts, following the
 * engine's precedence: catalogue default < inventory < play vars < -e.
 */
export function varRows(entry: CatalogEntry, inv: Inventory, hosts: string[], playVars: Record<string, unknown> = {}): VarRow[] {
  return (entry.vars ?? []).map((v) => {
    const row: VarRow = { name: v.name, required: Boolean(v.required), description: v.description, mixed: false };
    if (playVars[v.name] !== undefined) {
      row.current = show(playVars[v.name]);
      row.source = 'playbook';
      return row;
    }
    const values = hosts.map((h) => inv.hosts.get(h)?.vars[v.name]);
    const defined = values.filter((x) => x !== undefined);
    const distinct = new Set(defined.map(show));
    if (defined.length === values.length && distinct.size === 1 && hosts.length) {
      row.current = [...distinct][0];
      row.source = 'inventory';
      return row;
    }
    if (defined.length) row.mixed = true;
    if (v.default !== undefined && !defined.length) {
      row.current = show(v.default);
      row.source = 'default';
    }
    return row;
  });
}

/** Must the guide ask for this var before running? Required and not settled for every host. */
export function mustAsk(row: VarRow): boolean {
  return row.required && (row.current === undefined || row.mixed);
}

/** `""` or `''` typed at a prompt means the empty string (e.g. kube_proxy_node_port_addresses: "" = all). */
export function typedValue(raw: string): string {
  const v = raw.trim();
  return v === '""' || v === "''" ? '' : v;
}

// ---------------------------------------------------------------- typed confirmation

export interface Challenge {
  /** The host it is about, or undefined for "all of them". */
  host?: string;
  /** What must be typed back, exactly. */
  expect: string;
  kind: 'host' | 'device' | 'count';
}

/** Up to this many hosts, each destructive host is confirmed by name; beyond, by count. */
export const MAX_NAMED_CONFIRMATIONS = 5;

/**
 * Destructive fixes need a name typed back: the device (a var named `*_device`, from -e or
 * the inventory) when the fix has one, else the host name; more than a few hosts are
 * confirmed by typing their number, as `crane-fix apply` does.
 */
export function challenges(
  entry: CatalogEntry,
  inv: Inventory,
  hosts: string[],
  extraVars: Record<string, unknown> = {},
): Challenge[] {
  if (!entry.destructive || !hosts.length) return [];
  if (hosts.length > MAX_NAMED_CONFIRMATIONS) return [{ expect: String(hosts.length), kind: 'count' }];
  const deviceVar = (entry.vars ?? []).find((v) => /(^|_)device$/.test(v.name))?.name;
  return hosts.map((h) => {
    const dev = deviceVar ? (extraVars[deviceVar] ?? inv.hosts.get(h)?.vars[deviceVar]) : undefined;
    return typeof dev === 'string' && dev.trim() ? { host: h, expect: dev.trim(), kind: 'device' as const } : { host: h, expect: h, kind: 'host' as const };
  });
}
