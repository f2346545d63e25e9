import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/diagnoseEval/corpus.js';
import { evaluate } from '../../src/diagnoseEval/evaluate.js';
import { corpusSplit } from '../../src/diagnoseEval/split.js';

describe('diagnose on the real-log corpus (test/fixtures/diagnose-corpus)', () => {
  const items = loadCorpus();
  const r = evaluate(items);
  const pct = ([a, b]: [number, number]) => `${a}/${b}`;
  console.log(`diagnose corpus: dev ${pct(r.dev)}, held-out ${pct(r.heldout)}, negatives wrong ${r.negativesWrong.length}/${r.negatives}`);
  // Dev misses only: held-out misses are counted, never named where a signature author reads them
  // (`npm run diagnose:eval -- --show-heldout` names them on purpose).
  for (const m of r.misses.filter((x) => x.item.split === 'dev')) console.log(`  miss dev ${m.item.id} -> ${m.got ?? 'no match'}`);

  it('has real sources and enough negatives', () => {
    expect(r.negatives).toBeGreaterThanOrEqual(60);
    for (const it of items) expect(it.source).toMatch(/^https:\/\//);
  });

  it('splits by source address, deterministically', () => {
    expect(corpusSplit('https://github.com/moby/moby/issues/29873')).toBe(corpusSplit('https://github.com/moby/moby/issues/29873'));
    for (const it of items) expect(it.split).toBe(corpusSplit(it.source));
  });

  it('never names an entry for a negative', () => {
    expect(r.negativesWrong.map((n) => n.id)).toEqual([]);
  });

  // Development lines no signature should take, each with why; any other dev miss fails.
  const ACCEPTED_DEV_MISSES: Record<string, string> = {
    // the DNS-1123 message alone, with no object or name: underscores (negatives.yaml) give the same text
    'hostname-lowercase.yaml#12': 'names no node',
    // containers/storage says this whenever mounting overlay fails (no overlay module too), not only without d_type
    'xfs-ftype.yaml#14': 'overlay mount failure of any cause',
    // iptables' bare "Chain already exists." with nothing of istio-init's in the paste (any `iptables -N` prints it)
    'istio-init-prune.yaml#8': 'no istio context',
  };
  it('finds the right entry first for every development line but the accepted ones', () => {
    const devMisses = r.misses.filter((m) => m.item.split === 'dev').map((m) => m.item.id);
    expect(devMisses.sort()).toEqual(Object.keys(ACCEPTED_DEV_MISSES).sort());
  });

  // Issue 18 asks for 90 % on the held-out lines. This floor is the last measured figure
  // (docs/diagnose.md counts them per entry). New real held-out lines can lower the ratio: the floor is
  // then lowered to the new measurement with the data, never met by a signature written after
  // reading a held-out miss. Raising it must come from new development lines or from the programs' own sources.
  it('finds the right entry first for at least 57 of 65 held-out lines (87.7 %; target 90 %, not met)', () => {
    expect(r.heldout[0] / r.heldout[1]).toBeGreaterThanOrEqual(57 / 65);
  });
});
