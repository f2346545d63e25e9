/**
 * Issue 8, bad input, as properties: the loaders never crash. Whatever bytes an inventory,
 * playbook, `-e` value or `--limit` pattern holds — random text, random bytes, and (more to
 * the point) real files with random edits — loading either succeeds or throws InputError
 * (exit 1 with a position), never anything else; and loading is deterministic.
 *
 * (inventory.property.test.ts already checks that *valid* generated inventories load to the
 * right model; this file is about invalid ones.)
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadInventory, parseExtraVars, selectHosts } from '../../src/inventory/index.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { FIXTURES, tmpFile } from './inventory.helpers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TIMEOUT = 120_000;

/** Ok, or an InputError that says where (a file and, when it has one, a line) or which flag. */
function loadsOrInputError<T>(fn: () => T): { ok: true; value: T } | { ok: false; err: InputError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`not an InputError: ${(e as Error)?.stack ?? String(e)}`);
    expect(e.code).toBe(1);
    expect(e.where, `an InputError without a position: ${e.message}`).toBeDefined();
    return { ok: false, err: e };
  }
}

/** Real inputs to mutate: Crane's inventories, the lab's shapes, every catalogue playbook. */
const INVENTORIES: { name: string; text: string }[] = [
  { name: 'nodes', text: readFileSync(join(FIXTURES, 'crane', 'nodes'), 'utf8') },
  { name: 'crane.yml', text: readFileSync(join(FIXTURES, 'yaml', 'crane.yml'), 'utf8') },
  { name: 'hosts.ini', text: readFileSync(join(FIXTURES, 'limit', 'hosts'), 'utf8') },
];
const PLAYBOOKS: { name: string; text: string }[] = [
  ...readdirSync(join(ROOT, 'playbooks')).map((f) => ({ name: f, text: readFileSync(join(ROOT, 'playbooks', f), 'utf8') })),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'playbooks')).filter((f) => f.endsWith('.yml')).map((f) => ({ name: f, text: readFileSync(join(ROOT, 'test', 'fixtures', 'playbooks', f), 'utf8') })),
];

/** Characters that matter to YAML, INI, Jinja and shells, plus some that should not. */
const NASTY = [':', '-', ' ', '\n', '\t', '#', ';', '[', ']', '{', '}', '"', "'", '=', '|', '>', '&', '*', '!', '%', '@', '`', '\\', '{{', '}}', '{%', '---', '...', '? ', '\r', '\u00a0', '\u2028', 'é', '🚀', '\ufeff', '\u0000', '0o', '0x1', 'yes', '~', ',', '/', '..'];

/** A random edit of a text: insert, delete or replace a run, at a random place. */
const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  del: fc.nat({ max: 12 }),
  ins: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 })),
});
function mutate(text: string, edits: { at: number; del: number; ins: string }[]): string {
  let t = text;
  for (const e of edits) {
    const i = Math.floor(e.at * t.length);
    t = t.slice(0, i) + e.ins + t.slice(i + e.del);
  }
  return t;
}

describe('property: loaders never crash (issue 8)', () => {
  it('inventory: random edits of real inventories load or give a positioned InputError, deterministically', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INVENTORIES), fc.array(edit, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '.ini', '.yaml'), (inv, edits, ext) => {
        const p = tmpFile(`inv${ext}`, mutate(inv.text, edits));
        const a = loadsOrInputError(() => loadInventory(p));
        const b = loadsOrInputError(() => loadInventory(p));
        if (a.ok !== b.ok) return false;
        if (a.ok && b.ok) {
          expect([...b.value.hosts.keys()]).toEqual([...a.value.hosts.keys()]);
          expect([...b.value.hosts.values()].map((h) => h.vars)).toEqual([...a.value.hosts.values()].map((h) => h.vars));
        } else expect((b as { err: InputError }).err.message).toBe((a as { err: InputError }).err.message);
        return true;
      }),
      { numRuns: 300 },
    );
  }, TIMEOUT);

  it('inventory: arbitrary text and arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 })), fc.constantFrom('', '.ini', '.yml'), (text, ext) => {
        loadsOrInputError(() => loadInventory(tmpFile(`t${ext}`, text)));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('', '.ini', '.yaml'), (bytes, ext) => {
        loadsOrInputError(() => loadInventory(tmpFile(`b${ext}`, Buffer.from(bytes))));
      }),
      { numRuns: 200 },
    );
  }, TIMEOUT);

  it('playbook: random edits of every catalogue playbook parse or give a positioned InputError, deterministically', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PLAYBOOKS), fc.array(edit, { minLength: 1, maxLength: 5 }), (pb, edits) => {
        const text = mutate(pb.text, edits);
        const a = loadsOrInputError(() => parsePlaybook(text, pb.name));
        const b = loadsOrInputError(() => parsePlaybook(text, pb.name));
        expect(b.ok).toBe(a.ok);
        if (a.ok && b.ok) expect(JSON.stringify(b.value)).toBe(JSON.stringify(a.value));
        else expect((b as { err: InputError }).err.message).toBe((a as { err: InputError }).err.message);
        if (!a.ok) expect((a as { err: InputError }).err.message.startsWith(pb.name), (a as { err: InputError }).err.message).toBe(true);
      }),
      { numRuns: 400 },
    );
  }, TIMEOUT);

  it('playbook: arbitrary text, and YAML-shaped nonsense', () => {
    const yamlish = fc
      .array(fc.tuple(fc.nat({ max: 6 }), fc.constantFrom('- ', '', '? '), fc.string({ maxLength: 8 }), fc.constantFrom(': ', ':', ' ', ': |', ': >-', ''), fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...NASTY))), { maxLength: 12 })
      .map((lines) => lines.map(([ind, lead, k, sep, v]) => `${' '.repeat(ind)}${lead}${k}${sep}${v}`).join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), yamlish), (text) => {
        loadsOrInputError(() => parsePlaybook(text, 'x.yaml'));
      }),
      { numRuns: 400 },
    );
  }, TIMEOUT);

  it('-e values: anything parses or is an InputError naming -e (or the file)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{', '[', '{"a":', 'a=', '=b', 'a="b', "a='b c'", 'a=\\x', '@', '/etc/x', './x', 'a b', '{{ x }}=1')), { maxLength: 3 }), (values) => {
        const r = loadsOrInputError(() => parseExtraVars(values.filter((v) => !v.startsWith('@') || v === '@'), process.cwd()));
        if (r.ok) expect(typeof r.value).toBe('object');
      }),
      { numRuns: 500 },
    );
  }, TIMEOUT);

  it('--limit patterns: anything selects hosts or is an InputError naming --limit', () => {
    const inv = loadInventory(join(FIXTURES, 'crane', 'nodes'));
    const all = new Set(inv.hosts.keys());
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('all', '*', '!', '&', ':', ',', '~', '~(', '[', '[0]', '[0:1]', '[-1]', 'kube-master', 'kube-node', 'etcd', '!etcd', '&etcd', 'node*', '~^n')), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(':', ',', ''),
        (parts, sep) => {
          const pattern = parts.join(sep);
          const r = loadsOrInputError(() => selectHosts(inv, pattern));
          if (r.ok) for (const h of r.value) expect(all.has(h)).toBe(true);
          else expect(r.err.message).toMatch(/^--limit: /);
        },
      ),
      { numRuns: 500 },
    );
  }, TIMEOUT);
});
