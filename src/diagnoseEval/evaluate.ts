/** Runs diagnose over the corpus: top-1 per split and per entry, and negatives that named an entry. */
import { diagnose } from '../catalog/diagnose.js';
import type { CorpusItem } from './corpus.js';

export interface EvalRow {
  entry: string;
  dev: [number, number];
  heldout: [number, number];
}

export interface EvalReport {
  dev: [number, number];
  heldout: [number, number];
  negativesWrong: CorpusItem[];
  negatives: number;
  misses: { item: CorpusItem; got: string | null }[];
  rows: EvalRow[];
}

export function evaluate(items: CorpusItem[]): EvalReport {
  const rows = new Map<string, EvalRow>();
  const report: EvalReport = { dev: [0, 0], heldout: [0, 0], negativesWrong: [], negatives: 0, misses: [], rows: [] };
  for (const it of items) {
    const top = diagnose(it.text).matches[0]?.entryId ?? null;
    if (it.expected === null) {
      report.negatives++;
      if (top !== null) report.negativesWrong.push(it);
      continue;
    }
    const row = rows.get(it.expected) ?? { entry: it.expected, dev: [0, 0], heldout: [0, 0] };
    rows.set(it.expected, row);
    const ok = top === it.expected ? 1 : 0;
    row[it.split][0] += ok;
    row[it.split][1]++;
    report[it.split][0] += ok;
    report[it.split][1]++;
    if (!ok) report.misses.push({ item: it, got: top });
  }
  report.rows = [...rows.values()].sort((a, b) => a.entry.localeCompare(b.entry));
  return report;
}
