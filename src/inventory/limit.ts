/**
 * `--limit` host patterns with Ansible's semantics (inventory/manager.py):
 * comma-separated (or, for old habits, colon/space-separated) elements; plain elements
 * are unioned, then `&` elements intersect, then `!` elements exclude, whatever order they
 * were written in; only `!`/`&` elements imply `all` first. An element matches group names
 * and/or host names by glob (fnmatch) or `~regex`; a matched group contributes all hosts
 * of its subtree; a glob (or anything containing `.`, `?`, `*`, `[`) is also tried against
 * host names; an element that is exactly a host name selects only that host. `name[i]`,
 * `name[i:j]`, `name[i:]` pick from the element's matches.
 *
 * Stricter than Ansible on purpose: an element that matches nothing, an empty element, or
 * a pattern that selects no hosts is an error (Ansible warns and carries on, so a typo in
 * `!kube-nodes` would quietly run on the nodes you meant to exclude). `selectHosts` gives
 * the result in inventory order, `playHosts` in Ansible's play order; both without duplicates.
 */
import { InputError } from '../errors.js';
import { fnmatchRegExp, PatternSyntaxError, pythonRegExp } from './fnmatch.js';
import { parseAddress } from './hostPattern.js';
import type { Inventory } from './types.js';

const LIMIT = { flag: '--limit' } as const;

const fail = (detail: string): never => {
  throw new InputError(detail, LIMIT);
};

/** Elements that, matched without a `:` separator, are a single pattern (IPv6, ranges). */
const COLON_TOKEN = /(?:[^\s:[\]]|\[[^\]]*\])+/g;

/** `split_host_pattern`, except that empty or unparseable elements are errors. */
export function splitHostPattern(pattern: string): string[] {
  if (pattern.trim() === '') fail('empty host pattern');
  if (pattern.includes(',')) {
    return pattern.split(',').map((p, idx) => {
      const t = p.trim();
      if (t === '') fail(`empty element #${idx + 1} in host pattern '${pattern}'`);
      return t;
    });
  }
  try {
    parseAddress(pattern.trim());
    return [pattern.trim()];
  } catch {
    // fall through: a ':'-separated list (kept by Ansible for backwards compatibility)
  }
  const tokens: string[] = [];
  const gaps: string[] = [];
  let last = 0;
  for (const m of pattern.matchAll(COLON_TOKEN)) {
    gaps.push(pattern.slice(last, m.index));
    tokens.push(m[0]);
    last = m.index! + m[0].length;
  }
  gaps.push(pattern.slice(last));
  gaps.forEach((gap, idx) => {
    const edge = idx === 0 || idx === gaps.length - 1;
    const colons = (gap.match(/:/g) ?? []).length;
    if (/[^\s:]/.test(gap)) fail(`malformed host pattern '${pattern}' near '${gap.trim()}'`);
    if (colons > (edge ? 0 : 1)) fail(`empty element in host pattern '${pattern}'`);
  });
  return tokens;
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

interface Matcher {
  test(name: string): boolean;
}

function compile(expr: string): Matcher {
  try {
    return expr.startsWith('~') ? pythonRegExp(expr.slice(1)) : fnmatchRegExp(expr);
  } catch (e) {
    if (e instanceof PatternSyntaxError || e instanceof SyntaxError) {
      return fail(`invalid host pattern '${expr}': ${(e as Error).message}`);
    }
    throw e;
  }
}

/** `Group.get_hosts()`: the group's hosts, then its descendants' level by level (Ansible's `groups[name]`). */
export function groupHosts(inv: Inventory, name: string): string[] {
  const order = [name];
  const seen = new Set(order);
  for (let i = 0; i < order.length; i++) {
    for (const c of inv.groups.get(order[i]!)!.children) {
      if (!seen.has(c)) {
        seen.add(c);
        order.push(c);
      }
    }
  }
  const out: string[] = [];
  const got = new Set<string>();
  for (const g of order) {
    for (const h of inv.groups.get(g)!.hosts) {
      if (!got.has(h)) {
        got.add(h);
        out.push(h);
      }
    }
  }
  return out;
}

/** `_match_one_pattern` + `_enumerate_matches` + `_apply_subscript`. */
function matchOne(inv: Inventory, pattern: string): string[] {
  let expr = pattern;
  let subscript: [number, number | undefined] | undefined;
  if (!pattern.startsWith('~')) {
    const m = SUBSCRIPT.exec(pattern);
    if (m) {
      expr = m[1]!;
      if (m[2] !== undefined) subscript = [Number(m[2]), undefined];
      else subscript = [Number(m[3]), m[5] ? Number(m[5]) : -1];
    }
  }
  if (expr === '~') fail(`empty regex in host pattern '${pattern}'`);
  const re = compile(expr);
  const results: string[] = [];
  const groups = [...inv.groups.keys()].filter((g) => re.test(g));
  for (const g of groups) results.push(...groupHosts(inv, g));
  if (groups.length === 0 || expr.startsWith('~') || /[.?*[]/.test(expr)) {
    for (const h of inv.hosts.keys()) if (re.test(h)) results.push(h);
  }
  if (results.length === 0 && groups.length === 0 && expr !== 'all') {
    fail(`'${pattern}' matches no group or host in the inventory`);
  }
  if (!subscript || results.length === 0) return results;
  const [start, end] = subscript;
  if (end) {
    // Python slice hosts[start:end+1]; `end` 0 is falsy there, hence the branch below.
    return results.slice(start, (end === -1 ? results.length - 1 : end) + 1);
  }
  const idx = start < 0 ? results.length + start : start;
  if (idx < 0 || idx >= results.length) fail(`no hosts matched the subscripted pattern '${pattern}'`);
  return [results[idx]!];
}

/**
 * The hosts `pattern` selects, in inventory order (the order `--limit` and `check` list them
 * in). A play's hosts come in the pattern's order instead: `playHosts`.
 */
export function selectHosts(inv: Inventory, pattern?: string): string[] {
  const all = [...inv.hosts.keys()];
  if (pattern === undefined) return all;
  const selected = new Set(evaluate(inv, pattern));
  return all.filter((h) => selected.has(h));
}

/**
 * A play's hosts as ansible-playbook orders them (`InventoryManager.get_hosts`, the order
 * `serial` batches follow): the pattern's plain elements in the order written, each a group's
 * hosts (its own, then its children's, as `Group.get_hosts()` walks them) or the hosts a
 * glob/regex matches, without repeats; then `&` and `!` elements filter that list. `limit`
 * (`--limit`) only filters it.
 */
export function playHosts(inv: Inventory, pattern: string, limit?: string): string[] {
  const hosts = evaluate(inv, pattern);
  if (limit === undefined) return hosts;
  const keep = new Set(evaluate(inv, limit));
  return hosts.filter((h) => keep.has(h));
}

/** `_evaluate_patterns`: plain elements in order, then `&`, then `!`. Throws InputError. */
function evaluate(inv: Inventory, pattern: string): string[] {
  const elements = splitHostPattern(pattern);
  const regular = elements.filter((p) => p[0] !== '!' && p[0] !== '&');
  const intersect = elements.filter((p) => p[0] === '&');
  const exclude = elements.filter((p) => p[0] === '!');
  for (const p of [...intersect, ...exclude]) if (p.length === 1) fail(`'${p}' needs a pattern after it in '${pattern}'`);

  const selected = new Set<string>();
  for (const p of regular.length ? regular : ['all']) {
    for (const h of inv.hosts.has(p) ? [p] : matchOne(inv, p)) selected.add(h);
  }
  for (const p of intersect) {
    const keep = new Set(matchOne(inv, p.slice(1)));
    for (const h of [...selected]) if (!keep.has(h)) selected.delete(h);
  }
  for (const p of exclude) for (const h of matchOne(inv, p.slice(1))) selected.delete(h);

  if (selected.size === 0) fail(`host pattern '${pattern}' selects no hosts`);
  return [...selected];
}
