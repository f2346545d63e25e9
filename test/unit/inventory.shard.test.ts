import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { fleetDigest, formatShard, jumpHash, parseShard, shardHosts, shardOf, shardRecord, MAX_SHARDS } from '../../src/inventory/shard.js';

// Inventory hostnames: names, FQDNs, IPs, capitals (hostnames are case-sensitive in Ansible).
const hostArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,14}(\.[a-z]{2,6}){0,2}$/),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
);
const hostsArb = fc.uniqueArray(hostArb, { minLength: 0, maxLength: 60 });
const countArb = fc.integer({ min: 1, max: 64 });

describe('shard: hosts split by a stable hash of the inventory hostname', () => {
  it('the n shards cover every host exactly once, for any n and host set', () => {
    fc.assert(
      fc.property(hostsArb, countArb, (hosts, n) => {
        const seen = new Map<string, number>();
        for (let i = 0; i < n; i++) for (const h of shardHosts(hosts, { index: i, count: n })) seen.set(h, (seen.get(h) ?? 0) + 1);
        expect([...seen.keys()].sort()).toEqual([...hosts].sort());
        expect([...seen.values()].every((c) => c === 1)).toBe(true);
      }),
    );
  });

  it('stable across runs and input order: a shard keeps the input order of its hosts', () => {
    fc.assert(
      fc.property(hostsArb, countArb, fc.nat(), (hosts, n, seed) => {
        const shuffled = [...hosts].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7) || (a < b ? 1 : -1));
        for (let i = 0; i < n; i++) {
          const a = shardHosts(hosts, { index: i, count: n });
          const b = shardHosts(shuffled, { index: i, count: n });
          expect([...b].sort()).toEqual([...a].sort());
          // Order within the shard is the order given (play order, serial batches).
          expect(a).toEqual(hosts.filter((h) => a.includes(h)));
        }
      }),
    );
  });

  it('adding a host moves no other host', () => {
    fc.assert(
      fc.property(hostsArb, hostArb, countArb, (hosts, added, n) => {
        fc.pre(!hosts.includes(added));
        const before = new Map(hosts.map((h) => [h, shardOf(h, n)]));
        const grown = [...hosts, added];
        for (let i = 0; i < n; i++) {
          for (const h of shardHosts(grown, { index: i, count: n })) if (h !== added) expect(before.get(h)).toBe(i);
        }
        expect(shardHosts(grown, { index: shardOf(added, n), count: n })).toContain(added);
      }),
    );
  });

  it('growing from n to n+1 shards moves hosts only into the new shard (jump hash), about 1/(n+1) of them', () => {
    fc.assert(
      fc.property(hostsArb, countArb, (hosts, n) => {
        for (const h of hosts) {
          const now = shardOf(h, n + 1);
          if (now !== shardOf(h, n)) expect(now).toBe(n);
        }
      }),
    );
    // The fraction, on a fleet large enough for it to be meaningful.
    const fleet = Array.from({ length: 10_000 }, (_, i) => `node-${i}.dc1.example`);
    for (const n of [1, 2, 3, 7, 10]) {
      const moved = fleet.filter((h) => shardOf(h, n) !== shardOf(h, n + 1)).length / fleet.length;
      expect(moved).toBeGreaterThan((1 / (n + 1)) * 0.85);
      expect(moved).toBeLessThan((1 / (n + 1)) * 1.15);
    }
  });

  it('balanced on a large fleet: every shard within 10% of hosts/n', () => {
    const fleet = Array.from({ length: 20_000 }, (_, i) => `k8s-worker-${i}`);
    for (const n of [2, 3, 8, 16]) {
      const sizes = Array.from({ length: n }, () => 0);
      for (const h of fleet) sizes[shardOf(h, n)]!++;
      for (const s of sizes) expect(Math.abs(s - fleet.length / n) / (fleet.length / n)).toBeLessThan(0.1);
    }
  });

  it('jump hash: in range, 1 shard is shard 0, deterministic', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: MAX_SHARDS }), (key, n) => {
        const b = jumpHash(key, n);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(n);
        expect(jumpHash(key, n)).toBe(b);
        expect(jumpHash(key, 1)).toBe(0);
      }),
    );
    // The published algorithm's values (ClickHouse's jumpConsistentHash test: 00580_consistent_hashing_functions).
    expect([jumpHash(1n, 1), jumpHash(42n, 57), jumpHash(256n, 1024), jumpHash(3735883980n, 1), jumpHash(3735883980n, 666), jumpHash(16045690984833335023n, 255)]).toEqual([0, 43, 520, 0, 361, 237]);
    // Hostnames: a change of the key would move every fleet's hosts between shards.
    expect(['node1', 'node2', 'node3', 'Node-4.example', '10.0.0.5', 'node6'].map((h) => shardOf(h, 3))).toEqual([1, 0, 0, 0, 2, 0]);
  });

  it('--shard i/n: 1-based (1/3 .. 3/3, as Jest and Playwright); bad input is an InputError naming the flag', () => {
    expect(parseShard('1/3')).toEqual({ index: 0, count: 3 });
    expect(parseShard('3/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(formatShard({ index: 0, count: 3 })).toBe('1/3');
    for (const t of ['1/1', '2/7', '100000/100000']) expect(formatShard(parseShard(t))).toBe(t);
    const bad: Array<[string, RegExp]> = [
      ['0/3', /--shard: shard 0 is out of range for 3 shard\(s\): it must be from 1 to 3/],
      ['4/3', /--shard: shard 4 is out of range for 3 shard\(s\)/],
      ['3/2', /out of range for 2 shard/],
      ['0/0', /--shard: the number of shards must be from 1 to 100000, got "0\/0"/],
      ['x', /--shard: expects i\/n .*got "x"/],
      ['a/b', /--shard: expects i\/n .*got "a\/b"/],
      ['1', /expects i\/n/],
      ['-1/3', /expects i\/n/],
      ['1.5/3', /expects i\/n/],
      ['1/100001', /number of shards must be from 1 to 100000/],
      ['', /expects i\/n/],
      ['$(JOB_COMPLETION_INDEX)/3', /expects i\/n/],
    ];
    for (const [text, re] of bad) {
      expect(() => parseShard(text), text).toThrow(InputError);
      expect(() => parseShard(text), text).toThrow(re);
    }
  });

  it('the journal record: shard, its host count, the whole selection and its digest', () => {
    const all = ['a', 'b', 'c', 'd', 'e', 'f'];
    const recs = [0, 1, 2].map((index) => shardRecord(all, { index, count: 3 }));
    expect(recs.map((r) => r.hosts).reduce((x, y) => x + y)).toBe(6);
    expect(recs.every((r) => r.totalHosts === 6 && r.fleet === fleetDigest([...all].reverse()))).toBe(true);
    expect(fleetDigest([...all, 'g'])).not.toBe(recs[0]!.fleet);
    expect(recs[0]!.fleet).toMatch(/^[0-9a-f]{16}$/);
  });
});
