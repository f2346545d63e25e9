/** The bench's growth table compares only sizes where the contestant was measured at both. */
import { describe, expect, it } from 'vitest';
import { scalingRows } from '../../src/bench/report.js';
import type { BenchResult } from '../../src/bench/report.js';

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
