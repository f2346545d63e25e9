/**
 * Durations in schedule files: a number of seconds (`90`) or a string of number+unit parts
 * (`30s`, `5m`, `1h30m`, `2d`; `ms` too). Returns milliseconds, or undefined when the text
 * is not a duration (the caller reports where).
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** 90000 -> '1m30s'; 0 -> '0s'. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let left = Math.round(ms);
  for (const [u, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(left / size);
    if (n) parts.push(`${n}${u}`);
    left -= n * size;
  }
  if (left) parts.push(`${left}ms`);
  return parts.join('');
}
