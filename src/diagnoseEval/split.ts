/**
 * Which half of the diagnose corpus an item belongs to. Decided by the source address alone, so
 * every line from one thread lands on the same side (a thread's lines share wording and would leak
 * between the halves otherwise), and nothing a signature author does can move an item across.
 */
import { createHash } from 'node:crypto';

export type CorpusSplit = 'dev' | 'heldout';

/** sha256 first byte below this: held-out (77/256 ≈ 30 %). Fixed: changing it would reshuffle the halves. */
export const HELDOUT_BELOW = 77;

export function corpusSplit(sourceUrl: string): CorpusSplit {
  const first = createHash('sha256').update(sourceUrl.trim()).digest()[0]!;
  return first < HELDOUT_BELOW ? 'heldout' : 'dev';
}
