/** The bench's growth table compares only sizes where the contestant was measured at both. */
import { describe, expect, it } from 'vitest';
import { breakdown, scalingRows } from '../../src/bench/report.js';
import type { BenchResult, Summary, Target } from '../../src/bench/report.js';

const result = (nodes: number, summary: Record<string, { wallMsPerHost: number; cpuMsPerHost: number }>) => ({ nodes, summary }) as unknown as BenchResult;

describe('scalingRows', () => {
  it('per-host ratios between two sizes; a contestant whose runs all failed at one size has no row (not Infinity)', () => {
    const small = result(500, { floor: { wallMsPerHost: 60, cpuMsPerHost: 8 }, 'crane-apply': { wallMsPerHost: 0, cpuMsPerHost: 0 } });
    const big = result(1000, { floor: { wallMsPerHost: 66, cpuMsPerHost: 4 }, 'crane-apply': { wallMsPerHost: 25, cpuMsPerHost: 6 } });
    const rows = scalingRows(small, big);
    expect(rows.map((r) => r.what)).toEqual(['floor (ssh2: connect + 1 command): wall ms per host', 'floor (ssh2: connect + 1 command): client CPU ms per host']);
    expect(rows[0]!.ratio).toBeCloseTo(1.1);
    expect(rows.every((r) => Number.isFinite(r.ratio))).toBe(true);
  });
});

describe('breakdown', () => {
  const s = (medianS: number, minS: number, maxS: number) => ({ medianS, minS, maxS, cpuMsPerHost: 10 }) as unknown as Summary;
  const missed: Target[] = [{ what: 'apply vs bare-effects replay', target: '', measured: '', met: false }];
  it('sums the parts to the apply and flags a part below zero as unresolved by the run, with the spread', () => {
    // The quiet 50-node run of 2026-12-07: the replay's median (1.80 s) was above the apply's (1.49 s).
    const sum = { floor: s(0.96, 0.76, 1.64), bare: s(1.29, 0.89, 1.36), replay: s(1.8, 1.36, 2.1), 'crane-apply': s(1.49, 1.47, 2.11) };
    const [b] = breakdown(50, sum, missed);
    const parts = b!.rows.filter((r) => r.what.startsWith('+') || r.what.startsWith('floor'));
    expect(parts.reduce((t, r) => t + r.seconds, 0)).toBeCloseTo(1.49);
    const itself = b!.rows.find((r) => r.what.startsWith('+ crane-fix itself'))!;
    expect(itself.seconds).toBeCloseTo(-0.31);
    expect(itself.note).toMatch(/below zero: .*does not resolve/);
    expect(itself.note).toContain('1.36–2.10 s');
    expect(b!.rows.filter((r) => r.seconds >= 0).every((r) => !r.note.includes('below zero'))).toBe(true);
  });
});
