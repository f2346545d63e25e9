/**
 * The mutable inventory both parsers fill, with Ansible's InventoryData/Group/Host rules
 * (ansible/inventory/data.py, group.py): `all` and `ungrouped` always exist, a child edge
 * that would make a cycle is an error, a host keeps the port of its *first* `name:port`
 * mention, `ansible_group_priority` is a property rather than a var, and `reconcile()`
 * hangs parentless groups under `all` and moves hosts in and out of `ungrouped`.
 */
import { InputError, type SourcePos } from '../errors.js';
import { setOwn } from './pyValues.js';

export interface GroupData {
  name: string;
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
  parents: string[];
  vars: Record<string, unknown>;
  priority: number;
}

export interface HostData {
  name: string;
  vars: Record<string, unknown>;
  pos: Required<SourcePos>;
}

export class InventoryBuilder {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  /** `group\0host` -> the range that put the host in the group (see addHost). */
  private readonly fromRange = new Map<string, { pattern: string; pos: Required<SourcePos> }>();

  constructor(readonly file: string) {
    this.newGroup('all');
    this.newGroup('ungrouped');
    this.linkChild('all', 'ungrouped', { file });
  }

  private newGroup(name: string): GroupData {
    const g: GroupData = { name, hosts: [], hostSet: new Set(), children: [], parents: [], vars: {}, priority: 1 };
    this.groups.set(name, g);
    return g;
  }

  addGroup(name: string, pos: SourcePos): string {
    if (name === '') throw new InputError('empty group name', pos);
    if (!this.groups.has(name)) this.newGroup(name);
    return name;
  }

  /**
   * `range` is the pattern when the name came from a range of several hosts. Two ranges of
   * one group that share a host are refused, where Ansible merges them silently (the later
   * line's vars win for the shared hosts): in a fleet that is nearly always a typo in a
   * bound, and it decides which address or var a host gets.
   */
  addHost(name: string, group: string | undefined, port: number | undefined, pos: Required<SourcePos>, range?: string): void {
    if (name === '') throw new InputError('empty host name', pos);
    if (range !== undefined && group !== undefined) {
      const key = `${group}\0${name}`;
      const prev = this.fromRange.get(key);
      if (prev && (prev.pos.line !== pos.line || prev.pos.col !== pos.col)) {
        throw new InputError(
          `host '${name}' of group '${group}' is in two ranges, '${prev.pattern}' (line ${prev.pos.line}) and '${range}': ` +
            `Ansible merges them (the later line's vars win for the hosts they share); make the ranges disjoint`,
          pos,
        );
      }
      if (!prev) this.fromRange.set(key, { pattern: range, pos });
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, pos };
      // Ansible's Host(name, port): the port of the first mention becomes ansible_port;
      // later `name:port` mentions of an existing host are ignored.
      if (port !== undefined) h.vars['ansible_port'] = port;
      this.hosts.set(name, h);
    }
    if (group !== undefined) this.addHostToGroup(group, name);
  }

  private addHostToGroup(group: string, host: string): void {
    const g = this.groups.get(group)!;
    if (!g.hostSet.has(host)) {
      g.hostSet.add(host);
      g.hosts.push(host);
    }
  }

  setHostVar(host: string, key: string, value: unknown): void {
    setOwn(this.hosts.get(host)!.vars, key, value);
  }

  setGroupVar(group: string, key: string, value: unknown, pos: SourcePos): void {
    const g = this.groups.get(group)!;
    if (key === 'ansible_group_priority') {
      g.priority = toPriority(value, pos);
      return;
    }
    setOwn(g.vars, key, value);
  }

  ancestors(group: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...this.groups.get(group)!.parents];
    while (stack.length) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...this.groups.get(p)!.parents);
    }
    return seen;
  }

  /** Group names from `from` down its children to `to` (both included); `to` must be below `from`. */
  private childPath(from: string, to: string): string[] {
    const prev = new Map<string, string>();
    const queue = [from];
    while (queue.length) {
      const g = queue.shift()!;
      if (g === to) break;
      for (const c of this.groups.get(g)!.children) {
        if (c !== from && !prev.has(c)) {
          prev.set(c, g);
          queue.push(c);
        }
      }
    }
    const path = [to];
    while (path[0] !== from) path.unshift(prev.get(path[0]!)!);
    return path;
  }

  /** `Group.add_child_group`; both groups must exist. */
  linkChild(parent: string, child: string, pos: SourcePos): void {
    if (parent === child) throw new InputError(`group '${child}' cannot be a child of itself`, pos);
    const p = this.groups.get(parent)!;
    const c = this.groups.get(child)!;
    if (p.children.includes(child)) return;
    if (child === 'all' || this.ancestors(parent).has(child)) {
      // Ansible's words, then the loop itself and the way out (Ansible names neither).
      const loop = child === 'all' ? `'all' contains every group` : `the loop: ${[...this.childPath(child, parent), child].join(' > ')}`;
      throw new InputError(`adding group '${child}' as child to '${parent}' creates a recursive dependency loop (${loop}); remove '${child}' from the children of '${parent}'`, pos);
    }
    p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  /** `InventoryData.reconcile_inventory`. */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.linkChild('all', g.name, { file: this.file });
    }
    const ungrouped = this.groups.get('ungrouped')!;
    for (const h of this.hosts.values()) {
      const mine = this.hostGroups(h.name);
      if (ungrouped.hostSet.has(h.name)) {
        const others = [...mine].filter((g) => g !== 'all' && g !== 'ungrouped');
        if (others.length > 0) {
          ungrouped.hostSet.delete(h.name);
          ungrouped.hosts.splice(ungrouped.hosts.indexOf(h.name), 1);
        }
      } else if (mine.size === 0 || (mine.size === 1 && mine.has('all'))) {
        this.addHostToGroup('ungrouped', h.name);
      }
    }
  }

  /** Every group the host belongs to, directly or through ancestors. */
  hostGroups(host: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.groups.values()) {
      if (g.hostSet.has(host)) {
        out.add(g.name);
        for (const a of this.ancestors(g.name)) out.add(a);
      }
    }
    return out;
  }

  /**
   * Group depth as Ansible ends up with it: the longest parent chain down from `all`
   * (each child edge raises the child to parent.depth + 1 and propagates).
   */
  depths(): Map<string, number> {
    const memo = new Map<string, number>();
    const depth = (name: string): number => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      const g = this.groups.get(name)!;
      const d = g.parents.length === 0 ? 0 : Math.max(...g.parents.map((p) => depth(p) + 1));
      memo.set(name, d);
      return d;
    };
    for (const name of this.groups.keys()) depth(name);
    return memo;
  }
}

/** `Group.set_variable('ansible_group_priority', v)` does `int(v)`; anything else fails. */
function toPriority(value: unknown, pos: SourcePos): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?[0-9]+(?:_[0-9]+)*\s*$/.test(value)) return Number(value.trim().replace(/_/g, ''));
  throw new InputError(`ansible_group_priority must be an integer, got ${JSON.stringify(value)}`, pos);
}

/** Python's sort by (depth, priority, name); names compare by code point like Python str. */
export function compareGroups(
  a: { depth: number; priority: number; name: string },
  b: { depth: number; priority: number; name: string },
): number {
  return a.depth - b.depth || a.priority - b.priority || compareCodePoints(a.name, b.name);
}

export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
