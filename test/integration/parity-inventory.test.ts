/**
 * Inventory parity (issue 9): Crane-shaped inventories (INI with :children and :vars, YAML,
 * group_vars/ and host_vars/, ranges, Python-literal values) resolve to the same groups, hosts
 * and per-host variables as `ansible-inventory --list`, and host patterns — as a play's
 * `hosts:` and under `--limit` — select the same hosts, in the same order, as
 * `ansible-playbook --list-hosts`. Cases: test/parity/inventory/cases.yaml. Local processes
 * only (no SSH, no root); skipped with the reason when Ansible is not installed.
 *
 * Extends test/unit/inventory.ansible-diff.test.ts (which covers test/fixtures/inventory with
 * `--list` and five `--limit` patterns) with new inventories, play patterns, `--limit` on
 * top of play patterns, host order, and crane-fix's deliberate strictness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../src/errors.js';
import { loadInventory, playHosts, selectHosts, toAnsibleList } from '../../src/inventory/index.js';
import type { Inventory } from '../../src/inventory/types.js';
import { PARITY_DIR, runProc, which, writeText } from '../parity/harness.js';

interface InvCase {
  id: string;
  file: string;
  about: string;
  patterns: string[];
  limits?: string[];
  /** Why Ansible's own host order is not stable for this inventory (only the host sets are compared). */
  order_unstable?: string;
}

const DIR = join(PARITY_DIR, 'inventory');
const CASES = parseYaml(readFileSync(join(DIR, 'cases.yaml'), 'utf8')) as InvCase[];

/** Patterns Ansible answers with a warning and an empty (or smaller) selection; crane-fix refuses them (docs/parity.md#host-patterns-that-match-nothing). */
const STRICT: { file: string; pattern: string; ansible: string[] }[] = [
  { file: 'patterns/hosts', pattern: 'kube-node:!no-such-group', ansible: ['node04', 'node05', 'node06', 'node07', 'node08'] },
  { file: 'patterns/hosts', pattern: 'no-such-host', ansible: [] },
  // `[1-3]` after a name is a subscript (Ansible's `name[start-end]`), not a glob class.
  { file: 'patterns/hosts', pattern: 'node0[1-3]', ansible: [] },
];

const why =
  which('ansible-inventory') && which('ansible-playbook')
    ? undefined
    : 'ansible-inventory/ansible-playbook are not installed (CRANE_FIX_WITH_ANSIBLE=1 bash scripts/setup.sh installs ansible-core)';
if (why) console.warn(`[parity-inventory] SKIPPED: ${why}`);

const ENV = {
  ANSIBLE_INVENTORY_ENABLED: 'yaml,ini',
  ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true',
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_LOCALHOST_WARNING: 'false',
  ANSIBLE_RETRY_FILES_ENABLED: 'false',
  ANSIBLE_DEPRECATION_WARNINGS: 'false',
  PYTHONDONTWRITEBYTECODE: '1',
};

/** `ansible-playbook --list-hosts` output -> hosts per play, in the order listed. */
function parseListHosts(out: string): string[][] {
  const plays: string[][] = [];
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s+hosts \((\d+)\):\s*$/.exec(lines[i]!);
    if (!m) continue;
    const n = Number(m[1]);
    plays.push(lines.slice(i + 1, i + 1 + n).map((l) => l.trim()));
    i += n;
  }
  return plays;
}

/** The hosts crane-fix runs a play on, in order: the play's pattern within `--limit` (src/engine/run.ts). */
function craneHosts(inv: Inventory, pattern: string, limit?: string): string[] {
  const limited = new Set(selectHosts(inv, limit));
  return playHosts(inv, pattern).filter((h) => limited.has(h));
}

describe.skipIf(why)('inventory parity with ansible-inventory / ansible-playbook', () => {
  let tmp: string;
  const listed = new Map<string, unknown>();
  /** `${id}|${limit}` -> hosts per pattern, in order (Ansible's InventoryManager, as ansible-playbook uses it). */
  const ordered = new Map<string, string[][]>();
  /** `${id}|${limit}` -> hosts per pattern from `ansible-playbook --list-hosts` (a set: order lost). */
  const cli = new Map<string, string[][]>();
  const strictOut = new Map<string, string[]>();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'crane-fix-parity-inv-'));
    const jobs: (() => Promise<void>)[] = [];
    const listHosts = (key: string, file: string, patterns: string[], limit?: string) =>
      jobs.push(async () => {
        const pb = writeText(join(tmp, `${key.replace(/\W/g, '_')}.yaml`), patterns.map((p, i) => `- name: pattern ${i + 1}\n  hosts: ${JSON.stringify(p)}\n  gather_facts: false\n  tasks: []\n`).join('\n'));
        const r = await runProc('ansible-playbook', ['-i', file, '--list-hosts', pb, ...(limit ? ['--limit', limit] : [])], { env: ENV, cwd: tmp, timeoutMs: 120_000 });
        if (r.code !== 0) throw new Error(`ansible-playbook --list-hosts ${file} ${limit ?? ''}: ${r.stdout}${r.stderr}`);
        cli.set(key, parseListHosts(r.stdout));
      });
    for (const c of CASES) {
      const file = join(DIR, c.file);
      jobs.push(async () => {
        const r = await runProc('ansible-inventory', ['-i', file, '--list'], { env: ENV, timeoutMs: 120_000 });
        if (r.code !== 0) throw new Error(`ansible-inventory ${c.file}: ${r.stderr}`);
        listed.set(c.id, JSON.parse(r.stdout));
      });
      // One CLI cross-check per case (its first --limit, if any); the API below gives every order.
      listHosts(`${c.id}|${c.limits?.[0] ?? ''}`, file, c.patterns, c.limits?.[0]);
    }
    jobs.push(async () => {
      const req = [
        ...CASES.map((c) => ({ id: c.id, file: join(DIR, c.file), patterns: c.patterns, limits: c.limits ?? [] })),
        ...STRICT.map((s, i) => ({ id: `strict${i}`, file: join(DIR, s.file), patterns: [s.pattern], limits: [] })),
      ];
      const script = join(PARITY_DIR, 'ansible', 'host_order.py');
      const r = await runProc('sh', ['-c', `exec /usr/bin/python3 '${script}' < '${writeText(join(tmp, 'order.json'), JSON.stringify(req))}'`], { env: ENV, timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`host_order.py: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as Record<string, Record<string, string[][]>>;
      for (const [id, byLimit] of Object.entries(out)) for (const [limit, hosts] of Object.entries(byLimit)) ordered.set(`${id}|${limit}`, hosts);
      STRICT.forEach((s, i) => strictOut.set(`${s.file}|${s.pattern}`, out[`strict${i}`]![''][0]!));
    });
    // A few at a time: each is a Python start-up (~1 s of CPU).
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let j = queue.shift(); j; j = queue.shift()) await j();
      }),
    );
  }, 300_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('has at least 10 inventory cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(10);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    describe(`${c.id} — ${c.about}`, () => {
      it('same groups, hosts and host vars as ansible-inventory --list', () => {
        expect(toAnsibleList(loadInventory(join(DIR, c.file)))).toEqual(listed.get(c.id));
      });
      for (const limit of [undefined, ...(c.limits ?? [])]) {
        const under = limit ? ` under --limit '${limit}'` : '';
        const pairs = () => {
          const inv = loadInventory(join(DIR, c.file));
          const theirs = ordered.get(`${c.id}|${limit ?? ''}`)!;
          return c.patterns.map((p, i) => ({ p, ours: craneHosts(inv, p, limit), theirs: theirs[i]! }));
        };
        it(`play hosts${under}: the same hosts as ansible-playbook`, () => {
          const r = pairs();
          expect(Object.fromEntries(r.map((x) => [x.p, [...x.ours].sort()]))).toEqual(Object.fromEntries(r.map((x) => [x.p, [...x.theirs].sort()])));
        });
        // Two levels of :children below the pattern's group: Ansible collects the grandchild
        // groups through a Python set (Group._walk_relationship), so their order changes from
        // run to run — nothing to compare (docs/parity.md#host-order).
        if (c.order_unstable) continue;
        it(`play hosts${under}: in the same order as ansible-playbook`, () => {
          const r = pairs();
          expect(Object.fromEntries(r.map((x) => [x.p, x.ours]))).toEqual(Object.fromEntries(r.map((x) => [x.p, x.theirs])));
        });
      }
      it(`ansible-playbook --list-hosts${c.limits?.length ? ` --limit '${c.limits[0]}'` : ''} lists the same host sets`, () => {
        const inv = loadInventory(join(DIR, c.file));
        const theirs = cli.get(`${c.id}|${c.limits?.[0] ?? ''}`)!;
        expect(theirs, 'one host list per play').toHaveLength(c.patterns.length);
        const ours = c.patterns.map((p) => craneHosts(inv, p, c.limits?.[0]));
        expect(Object.fromEntries(c.patterns.map((p, i) => [p, [...ours[i]!].sort()]))).toEqual(Object.fromEntries(c.patterns.map((p, i) => [p, [...theirs[i]!].sort()])));
      });
    });
  }

  describe('crane-fix is stricter on purpose: a pattern element that matches nothing is an error', () => {
    for (const s of STRICT) {
      it(`'${s.pattern}' (${s.file}): Ansible warns and selects ${s.ansible.length} host(s), crane-fix refuses it`, () => {
        expect(strictOut.get(`${s.file}|${s.pattern}`)).toEqual(s.ansible);
        expect(() => selectHosts(loadInventory(join(DIR, s.file)), s.pattern)).toThrow(InputError);
      });
    }
  });
});
