/**
 * The scale summary (issue 21): the latest recorded run of every lab size in the results
 * folder, side by side — wall time, client CPU per host, peak RSS and open fds — whether the
 * cost grows linearly in nodes, and a plot of time vs nodes per contestant as an SVG written
 * here (no plotting dependency: a few lines and circles).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { labelOf, type ContestantId } from './contestants.js';
import type { BenchResult, Summary } from './report.js';

const SERIES: ContestantId[] = ['floor', 'bare', 'crane-apply', 'crane-noop', 'crane-dry', 'ansible-apply', 'mitogen-apply', 'pyinfra-apply'];
const COLOURS = ['#888888', '#bbbb00', '#d62728', '#ff7f0e', '#e377c2', '#1f77b4', '#17becf', '#2ca02c'];
/** Cost per host at the largest size ÷ at the smallest: up to this, growth counts as linear. */
export const LINEAR_SLACK = 1.25;
const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/** Latest issue-21 result (it records labNotes) per node count. */
export async function latestPerSize(dir: string): Promise<BenchResult[]> {
  const best = new Map<number, BenchResult>();
  for (const file of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!/^\d{4}-\d{2}-\d{2}-\d+\.json$/.test(file)) continue;
    try {
      const r = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as BenchResult;
      if (r.tool !== 'crane-fix bench' || !r.labNotes) continue;
      const old = best.get(r.nodes);
      if (!old || r.startedAt > old.startedAt) best.set(r.nodes, r);
    } catch {
      /* not a result */
    }
  }
  return [...best.values()].sort((a, b) => a.nodes - b.nodes);
}

export function scaleSvg(results: BenchResult[]): string {
  const W = 760;
  const H = 440;
  const m = { l: 60, r: 250, t: 30, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const maxN = Math.max(...results.map((r) => r.nodes));
  const points = SERIES.map((id) => results.flatMap((r) => (r.summary[id] && Number.isFinite(r.summary[id]!.medianS) ? [[r.nodes, r.summary[id]!.medianS] as const] : [])));
  const maxS = Math.max(1, ...points.flat().map(([, s]) => s));
  const nice = (v: number) => {
    const p = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 5, 10].map((k) => k * p).find((x) => x >= v)!;
  };
  const yTop = nice(maxS);
  const X = (n: number) => m.l + (n / maxN) * pw;
  const Y = (s: number) => m.t + ph - (s / yTop) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="18" font-size="14">Wall time vs lab nodes (median of each run; ${results.map((r) => `${r.nodes}: ${r.date}`).join(', ')})</text>`,
    `<line x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}" stroke="black"/>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const s = (yTop * i) / 5;
    out.push(`<line x1="${m.l}" y1="${Y(s)}" x2="${m.l + pw}" y2="${Y(s)}" stroke="#eee"/>`, `<text x="${m.l - 6}" y="${Y(s) + 4}" text-anchor="end">${+s.toFixed(1)}</text>`);
  }
  for (const r of results) out.push(`<text x="${X(r.nodes)}" y="${m.t + ph + 16}" text-anchor="middle">${r.nodes}</text>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">nodes</text>`, `<text x="16" y="${m.t + ph / 2}" transform="rotate(-90 16 ${m.t + ph / 2})" text-anchor="middle">seconds</text>`);
  let legend = 0;
  SERIES.forEach((id, i) => {
    const pts = points[i]!;
    if (!pts.length) return;
    const c = COLOURS[i]!;
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([n, s]) => `${X(n).toFixed(1)},${Y(s).toFixed(1)}`).join(' ')}"/>`);
    for (const [n, s] of pts) out.push(`<circle cx="${X(n).toFixed(1)}" cy="${Y(s).toFixed(1)}" r="3" fill="${c}"><title>${labelOf(id)}: ${s.toFixed(2)} s at ${n} nodes</title></circle>`);
    const ly = m.t + 10 + legend++ * 18;
    out.push(`<line x1="${m.l + pw + 12}" y1="${ly}" x2="${m.l + pw + 32}" y2="${ly}" stroke="${c}" stroke-width="2"/>`, `<text x="${m.l + pw + 38}" y="${ly + 4}">${esc(labelOf(id))}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function scaleMarkdown(results: BenchResult[], svgName: string): string {
  const sizes = results.map((r) => r.nodes);
  const out: string[] = [`# crane-fix benchmark — scale, ${sizes.join(' / ')} nodes`, ''];
  out.push(
    'The latest recorded run of each size (bench/results/<date>-<nodes>.md has each run in full). Every run shares this 2-core machine with other people\'s test runs (load averages below): compare ratios within a run, not seconds across runs.',
    '',
    `![time vs nodes](${svgName})`,
    '',
  );
  out.push('| nodes | date | forks | load at start / end | contestant | median s | ms per host | client CPU ms/host | peak RSS MB | peak open fds | sessions/host |', '| ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    for (const id of SERIES) {
      const s = r.summary[id];
      if (!s) continue;
      out.push(`| ${r.nodes} | ${r.date} | ${r.machine.forks ?? r.nodes} | ${r.machine.loadStart} / ${r.machine.loadEnd ?? '?'} | ${labelOf(id)} | ${f(s.medianS)} | ${f(s.wallMsPerHost, 1)} | ${f(s.cpuMsPerHost, 1)} | ${f(s.rssMbPeak, 0)} | ${f(s.fdsPeak, 0)} | ${f(s.sessionsPerHost, 1)} |`);
    }
  }
  out.push('');
  if (results.length >= 2) {
    const [a, b] = [results[0]!, results.at(-1)!];
    out.push(`## Growth, ${a.nodes} → ${b.nodes} nodes`, '', `Linear means the cost per host does not grow: ratio (per host at ${b.nodes} ÷ per host at ${a.nodes}) ≤ ${LINEAR_SLACK}.`, '');
    out.push('| contestant | wall ms/host | client CPU ms/host | ratio wall | ratio CPU | linear |', '| --- | --- | --- | ---: | ---: | --- |');
    for (const id of SERIES) {
      const xs = results.map((r) => r.summary[id]).filter((s): s is Summary => !!s && Number.isFinite(s.medianS));
      if (xs.length < 2) continue;
      const first = xs[0]!;
      const last = xs.at(-1)!;
      const rw = last.wallMsPerHost / first.wallMsPerHost;
      const rc = last.cpuMsPerHost / first.cpuMsPerHost;
      out.push(`| ${labelOf(id)} | ${xs.map((s) => f(s.wallMsPerHost, 1)).join(' / ')} | ${xs.map((s) => f(s.cpuMsPerHost, 1)).join(' / ')} | ${f(rw)} | ${f(rc)} | ${rw <= LINEAR_SLACK && rc <= LINEAR_SLACK ? 'yes' : '**no**'} |`);
    }
    out.push('');
  }
  const big = results.find((r) => r.nodes === 1000);
  if (big) {
    const rss = Math.max(...(['crane-apply', 'crane-noop', 'crane-dry'] as const).map((id) => big.summary[id]?.rssMbPeak ?? NaN).filter(Number.isFinite));
    out.push(`Peak RSS of crane-fix at 1,000 nodes: ${f(rss, 0)} MB (target ≤ 300 MB: ${rss <= 300 ? 'met' : '**missed**'}).`, '');
  }
  out.push('How the nodes are kept light:', '', ...(results.at(-1)!.labNotes ?? []).map((n) => `- ${n}`), '');
  return out.join('\n');
}

/** Writes <dir>/scale.md and scale.svg from the latest run of every size; undefined when there is none. */
export async function writeScale(dir: string): Promise<{ md: string; svg: string; sizes: number[] } | undefined> {
  const results = await latestPerSize(dir);
  if (!results.length) return undefined;
  const svg = path.join(dir, 'scale.svg');
  const md = path.join(dir, 'scale.md');
  await fs.writeFile(svg, scaleSvg(results));
  await fs.writeFile(md, scaleMarkdown(results, 'scale.svg'));
  return { md, svg, sizes: results.map((r) => r.nodes) };
}
