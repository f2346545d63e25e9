import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventory, selectHosts, type Inventory } from '../../src/inventory/index.js';
import { pyLiteralEval } from '../../src/inventory/pyLiteral.js';
import { shlexSplit } from '../../src/inventory/shlex.js';
import { tmpFile } from './inventory.helpers.js';

// ---------------------------------------------------------------------------
// A random inventory model, written out as INI and as YAML.

// Each run writes real files; ~0.5 s in total normally, but CI machines can be busy.
const FILE_PROPERTY_TIMEOUT_MS = 60_000;

type Scalar = number | boolean | string;
interface Model {
  groups: string[];
  hosts: string[];
  /** [groupIndex, hostIndex] in file order */
  members: Array<[number, number]>;
  /** [parentIndex, childIndex] with parent < child, so the graph is acyclic */
  edges: Array<[number, number]>;
  hostVars: Array<Array<[string, Scalar]>>;
  groupVals: number[];
}

const ident = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.boolean(),
  fc.stringMatching(/^[a-z0-9 _.-]{0,12}$/),
);

const modelArb: fc.Arbitrary<Model> = fc
  .record({
    groups: fc.uniqueArray(ident.map((s) => `g${s}`), { minLength: 1, maxLength: 6 }),
    hosts: fc.uniqueArray(ident.map((s) => `h${s}`), { minLength: 1, maxLength: 8 }),
  })
  .chain(({ groups, hosts }) =>
    fc.record({
      groups: fc.constant(groups),
      hosts: fc.constant(hosts),
      members: fc.array(fc.tuple(fc.nat(groups.length - 1), fc.nat(hosts.length - 1)), { maxLength: 20 }),
      edges: fc
        .array(fc.tuple(fc.nat(groups.length - 1), fc.nat(groups.length - 1)), { maxLength: 8 })
        .map((es) => es.filter(([p, c]) => p < c)),
      hostVars: fc.array(fc.uniqueArray(fc.tuple(ident.map((s) => `v${s}`), scalar), { selector: ([k]) => k, maxLength: 3 }), {
        minLength: hosts.length,
        maxLength: hosts.length,
      }),
      groupVals: fc.array(fc.integer({ min: 0, max: 999 }), { minLength: groups.length, maxLength: groups.length }),
    }),
  );

/** Python literal text for a scalar, then quoted for shlex. */
function iniValue(v: Scalar): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return `"'${v}'"`;
}

function ungroupedHosts(m: Model): number[] {
  const grouped = new Set(m.members.map(([, h]) => h));
  return m.hosts.map((_, i) => i).filter((i) => !grouped.has(i));
}

function toIni(m: Model): string {
  const seen = new Set<number>();
  const hostLine = (h: number) => {
    const vars = seen.has(h) ? [] : m.hostVars[h]!.map(([k, v]) => `${k}=${iniValue(v)}`);
    seen.add(h);
    return [m.hosts[h], ...vars].join(' ');
  };
  const out: string[] = ['# generated'];
  for (const h of ungroupedHosts(m)) out.push(hostLine(h));
  m.groups.forEach((g, gi) => {
    out.push(`[${g}]`);
    for (const [mg, h] of m.members) if (mg === gi) out.push(hostLine(h));
    out.push(`[${g}:vars]`, `gv_${g}=${m.groupVals[gi]}`);
  });
  for (const [p, c] of m.edges) out.push(`[${m.groups[p]}:children]`, m.groups[c]!);
  return out.join('\n') + '\n';
}

function toYaml(m: Model): string {
  const seen = new Set<number>();
  const hostEntry = (h: number, indent: string) => {
    const vars = seen.has(h) ? [] : m.hostVars[h]!;
    seen.add(h);
    return `${indent}${m.hosts[h]}: {${vars.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
  };
  const out: string[] = ['all:', '  hosts:'];
  for (const h of ungroupedHosts(m)) out.push(hostEntry(h, '    '));
  m.groups.forEach((g, gi) => {
    out.push(`${g}:`, '  vars:', `    gv_${g}: ${m.groupVals[gi]}`, '  hosts:');
    // a YAML mapping cannot repeat a key (INI may repeat a host line; Ansible merges it)
    const members = [...new Set(m.members.filter(([mg]) => mg === gi).map(([, h]) => h))];
    for (const h of members) out.push(hostEntry(h, '    '));
    const kids = [...new Set(m.edges.filter(([p]) => p === gi).map(([, c]) => m.groups[c]))];
    if (kids.length) out.push('  children:', ...kids.map((k) => `    ${k}:`));
  });
  return out.join('\n') + '\n';
}

/** What the model says each host must end up with. */
function expected(m: Model) {
  const parents = (gi: number) => m.edges.filter(([, c]) => c === gi).map(([p]) => p);
  const closure = (gi: number, acc = new Set<number>()): Set<number> => {
    if (!acc.has(gi)) {
      acc.add(gi);
      for (const p of parents(gi)) closure(p, acc);
    }
    return acc;
  };
  const order: number[] = [...ungroupedHosts(m)];
  for (let gi = 0; gi < m.groups.length; gi++) for (const [mg, h] of m.members) if (mg === gi && !order.includes(h)) order.push(h);
  return order.map((h) => {
    const groups = new Set<number>();
    for (const [g, mh] of m.members) if (mh === h) closure(g, groups);
    const vars: Record<string, unknown> = Object.fromEntries(m.hostVars[h]!);
    for (const g of groups) vars[`gv_${m.groups[g]}`] = m.groupVals[g];
    const names = [...groups].map((g) => m.groups[g]!);
    if (groups.size === 0) names.push('ungrouped');
    return { name: m.hosts[h]!, vars, groups: ['all', ...names].sort() };
  });
}

const view = (inv: Inventory) =>
  [...inv.hosts.values()].map((h) => ({ name: h.name, vars: h.vars, groups: [...h.groups].sort() }));

describe('property: generated inventories', () => {
  it('INI and YAML encodings of one model load to the hosts, vars and memberships the model implies', () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const want = expected(m);
        const ini = loadInventory(tmpFile('gen.ini', toIni(m)));
        expect(view(ini)).toEqual(want);
        const yml = loadInventory(tmpFile('gen.yml', toYaml(m)));
        expect(view(yml)).toEqual(want);
        for (const [gi, g] of m.groups.entries()) {
          const direct = [...new Set(m.members.filter(([mg]) => mg === gi).map(([, h]) => m.hosts[h]))];
          expect(ini.groups.get(g)!.hosts).toEqual(direct);
          expect(yml.groups.get(g)!.hosts).toEqual(direct);
        }
      }),
      { numRuns: 150 },
    );
  }, FILE_PROPERTY_TIMEOUT_MS);

  it('selectHosts(p) and selectHosts("!p") partition the inventory', () => {
    const sel = (inv: Inventory, p: string): string[] => {
      try {
        return selectHosts(inv, p);
      } catch (e) {
        if (e instanceof InputError && /selects no hosts/.test(e.detail)) return [];
        throw e;
      }
    };
    fc.assert(
      fc.property(
        modelArb.chain((m) =>
          fc.tuple(
            fc.constant(m),
            fc.oneof(
              fc.constantFrom(...m.groups, ...m.hosts),
              fc.constantFrom(...m.groups, ...m.hosts).map((n) => `${n.slice(0, 2)}*`),
              fc.constantFrom(...m.hosts).map((n) => `~${n.slice(1, 3)}`),
            ),
          ),
        ),
        ([m, p]) => {
          const inv = loadInventory(tmpFile('gen.ini', toIni(m)));
          const all = [...inv.hosts.keys()];
          let a: string[];
          try {
            a = sel(inv, p);
          } catch (e) {
            // a regex fragment may match no name at all; then `!p` must fail the same way
            expect(e).toBeInstanceOf(InputError);
            expect(() => selectHosts(inv, `!${p}`)).toThrow(InputError);
            return;
          }
          const b = sel(inv, `!${p}`);
          expect(a.filter((h) => b.includes(h))).toEqual([]);
          expect(all.filter((h) => a.includes(h) || b.includes(h))).toEqual(all);
          // both results are in inventory order
          expect(a).toEqual(all.filter((h) => a.includes(h)));
          expect(b).toEqual(all.filter((h) => b.includes(h)));
        },
      ),
      { numRuns: 150 },
    );
  }, FILE_PROPERTY_TIMEOUT_MS);
});

// ---------------------------------------------------------------------------
// Python literals and shlex quoting round-trip.

type PyVal = null | boolean | number | string | PyVal[] | { [k: string]: PyVal };

function pyRepr(v: PyVal): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    return `'${[...v].map((c) => (c === "'" || c === '\\' ? `\\${c}` : c === '\n' ? '\\n' : c)).join('')}'`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

const pyValArb: fc.Arbitrary<PyVal> = fc.letrec<{ v: PyVal }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 5 }).filter((k) => k !== '__proto__'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('property: Python literals and shlex', () => {
  it('pyLiteralEval(repr(v)) == v for JSON-like values', () => {
    fc.assert(
      fc.property(pyValArb, (v) => {
        const r = pyLiteralEval(pyRepr(v));
        expect(r).toEqual({ ok: true, value: v });
      }),
      { numRuns: 300 },
    );
  });

  it('shlexSplit undoes POSIX single-quote quoting', () => {
    const quote = (s: string) => `'${s.replace(/'/g, `'"'"'`)}'`;
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 5 }), fc.constantFrom(' ', '\t', '  '), (words, sep) => {
        expect(shlexSplit(words.map(quote).join(sep)).map((t) => t.value)).toEqual(words);
      }),
      { numRuns: 300 },
    );
  });
});
