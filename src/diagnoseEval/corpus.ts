/**
 * The diagnose corpus: real log lines copied from public threads, one YAML file per catalogue entry
 * (test/fixtures/diagnose-corpus/<entry-id>.yaml) and negatives.yaml (lines that must match no entry).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { corpusSplit, type CorpusSplit } from './split.js';

const ItemSchema = z.object({
  source: z.string().url(),
  text: z.string().min(1),
  note: z.string().optional(),
});
const FileSchema = z.object({
  entry: z.string().nullable(),
  items: z.array(ItemSchema),
});

export interface CorpusItem {
  /** The catalogue entry this text is evidence for; null for a negative. */
  expected: string | null;
  text: string;
  source: string;
  note?: string;
  split: CorpusSplit;
  /** `<file>#<index>` (1-based), for reports. */
  id: string;
}

export const DEFAULT_CORPUS_DIR = path.join('test', 'fixtures', 'diagnose-corpus');

export function loadCorpus(dir: string = DEFAULT_CORPUS_DIR): CorpusItem[] {
  const items: CorpusItem[] = [];
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = path.join(dir, name);
    const parsed = FileSchema.safeParse(parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { entry, items: list } = parsed.data;
    const expectedName = entry === null ? 'negatives.yaml' : `${entry}.yaml`;
    if (name !== expectedName) throw new Error(`${file}: entry ${JSON.stringify(entry)} belongs in ${expectedName}`);
    list.forEach((it, i) => items.push({ expected: entry, text: it.text, source: it.source, note: it.note, split: corpusSplit(it.source), id: `${name}#${i + 1}` }));
  }
  return items;
}
