/**
 * `--shard i/n`: which hosts one of n separate runs works on. A host's shard is a pure
 * function of its inventory hostname and n — never of the other hosts or of their order — so
 * n runs (n pods of a Kubernetes Indexed Job, n machines) cover every host exactly once
 * without talking to each other, and a host added to the inventory changes no other host's
 * shard.
 *
 * The function is Lamping & Veach's jump consistent hash ("A Fast, Minimal Memory, Consistent
 * Hash Algorithm", 2014) of a 64-bit key taken from the hostname's sha256. Chosen over
 * `sha256 mod n` because when the number of shards grows from n to n+1 only about 1/(n+1) of
 * the hosts move (all of them to the new shard) instead of nearly all, so journals and
 * per-shard history stay comparable across a resize; and over rendezvous hashing because it
 * costs O(log n) per host instead of n hashes. Like any hash split, shard sizes vary
 * (multinomially) around hosts/n: a small fleet can leave a shard with no host at all, which
 * is a successful run of nothing, not an error.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';

export interface ShardSpec {
  /** 0-based, < count (the hash bucket; the command line's i/n is 1-based, see parseShard). */
  index: number;
  count: number;
}

/** Kubernetes caps an Indexed Job's completions at 100,000; no fleet needs more shards. */
export const MAX_SHARDS = 100_000;

const JUMP_MULT = 2862933555777941757n;
const U64 = (x: bigint) => BigInt.asUintN(64, x);

/** The 64-bit key of a hostname: the first 8 bytes of its sha256, big-endian. */
function hostKey(host: string): bigint {
  return createHash('sha256').update(host, 'utf8').digest().readBigUInt64BE(0);
}

/** Jump consistent hash: a bucket in [0, buckets) for a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = U64(k * JUMP_MULT + 1n);
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The shard (0-based) of one inventory hostname among `count` shards. */
export function shardOf(host: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  return jumpHash(hostKey(host), count);
}

/** The hosts of one shard, in the order given (so Ansible's play order and serial batches hold). */
export function shardHosts(hosts: readonly string[], spec: ShardSpec): string[] {
  return hosts.filter((h) => shardOf(h, spec.count) === spec.index);
}

/** As typed on the command line: 1-based ("1/3" is the first of three). */
export function formatShard(spec: ShardSpec): string {
  return `${spec.index + 1}/${spec.count}`;
}

/**
 * `--shard i/n` as typed: i from 1 to n — the convention of Jest's and Playwright's
 * `--shard`, so "3/3" is the last shard; a Kubernetes Indexed Job passes
 * $((JOB_COMPLETION_INDEX+1)) — and n from 1 to MAX_SHARDS. Anything else is bad input
 * (exit 1, before any host is contacted). The spec it returns is 0-based (the hash bucket).
 */
export function parseShard(text: string, flag = '--shard'): ShardSpec {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  if (!m) throw new InputError(`expects i/n (shard i of n, i from 1 to n, e.g. 1/3), got ${JSON.stringify(text)}`, { flag });
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new InputError(`the number of shards must be from 1 to ${MAX_SHARDS}, got ${JSON.stringify(text)}`, { flag });
  if (index < 1 || index > count) throw new InputError(`shard ${index} is out of range for ${count} shard(s): it must be from 1 to ${count} (1-based: 1/${count} is the first), got ${JSON.stringify(text)}`, { flag });
  return { index: index - 1, count };
}

/**
 * What a shard run records in its journal: which shard, how many hosts it has, how many the
 * whole selection has, and a digest of that whole selection — `runs merge` uses it to refuse
 * shard runs that were split from different host sets (the inventory or --limit changed
 * between them).
 */
export interface ShardRecord extends ShardSpec {
  hosts: number;
  totalHosts: number;
  /** sha256 (hex, first 16) of the sorted, newline-joined hostnames of the whole selection. */
  fleet: string;
}

export function fleetDigest(allHosts: readonly string[]): string {
  return createHash('sha256').update([...allHosts].sort().join('\n'), 'utf8').digest('hex').slice(0, 16);
}

export function shardRecord(allHosts: readonly string[], spec: ShardSpec): ShardRecord {
  return { ...spec, hosts: shardHosts(allHosts, spec).length, totalHosts: allHosts.length, fleet: fleetDigest(allHosts) };
}
