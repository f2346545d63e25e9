/**
 * Where crane-fix's client CPU goes: summarise a V8 .cpuprofile (node --cpu-prof) by self
 * time per function and per area (ssh2 crypto/protocol, yaml, our engine, node startup …).
 */
import * as fs from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  gcMs: number;
  byArea: { area: string; ms: number; pct: number }[];
  topFunctions: { fn: string; where: string; ms: number; pct: number }[];
}

function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn === '(idle)') return 'idle';
  if (!url) return 'native';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return `npm:${m[1]}`;
  const d = /\/dist\/([^/]+)\//.exec(url);
  if (d) return `crane-fix:${d[1]}`;
  if (url.startsWith('node:')) return 'node core';
  return url.replace(/^file:\/\//, '');
}

export async function summariseProfile(file: string, top = 15): Promise<ProfileSummary> {
  const prof = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
  }
  let idle = 0;
  let gc = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, { where: string; ms: number }>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName || '(anonymous)';
    const a = area(n.callFrame.url, fn);
    if (a === 'idle') {
      idle += ms;
      continue;
    }
    if (a === 'GC') gc += ms;
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const where = `${n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '')}:${n.callFrame.lineNumber + 1}`;
    const key = `${fn} ${where}`;
    const cur = fns.get(key) ?? { where, ms: 0 };
    cur.ms += ms;
    fns.set(key, cur);
  }
  const busy = [...areas.values()].reduce((a, b) => a + b, 0);
  return {
    file,
    totalMs: busy,
    idleMs: idle,
    gcMs: gc,
    byArea: [...areas]
      .map(([a, ms]) => ({ area: a, ms, pct: (100 * ms) / (busy || 1) }))
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 12),
    topFunctions: [...fns]
      .map(([k, v]) => ({ fn: k.split(' ')[0]!, where: v.where, ms: v.ms, pct: (100 * v.ms) / (busy || 1) }))
      .sort((x, y) => y.ms - x.ms)
      .slice(0, top),
  };
}
