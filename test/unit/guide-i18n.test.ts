/** Every message the guide shows exists in English and natural Chinese, with the same placeholders. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { format, messages, placeholders, translator, type MessageKey } from '../../src/guide/i18n.js';

const keys = Object.keys(messages) as MessageKey[];
const HAN = /[\u4e00-\u9fff]/;
// Texts that are the same in both languages on purpose (format strings, symbols only).
const SAME_ON_PURPOSE = new Set<MessageKey>(['progressRestore', 'progressLine', 'previewTask', 'phaseLine', 'hostPhase', 'varQ']);

describe('guide i18n', () => {
  it('has a non-empty en and zh text for every key', () => {
    expect(keys.length).toBeGreaterThan(80);
    for (const k of keys) {
      const m = messages[k] as { en?: unknown; zh?: unknown };
      expect(Object.keys(m).sort(), k).toEqual(['en', 'zh']);
      expect(typeof m.en === 'string' && m.en.trim().length > 0, `${k}.en`).toBe(true);
      expect(typeof m.zh === 'string' && m.zh.trim().length > 0, `${k}.zh`).toBe(true);
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const k of keys) expect(placeholders(messages[k].zh), k).toEqual(placeholders(messages[k].en));
  });

  it('writes the Chinese in Chinese (Han characters, not a copy of the English)', () => {
    const untranslated = keys.filter((k) => !SAME_ON_PURPOSE.has(k) && (!HAN.test(messages[k].zh) || messages[k].zh === messages[k].en));
    expect(untranslated).toEqual([]);
  });

  it('uses Chinese punctuation in Chinese sentences', () => {
    // A zh sentence ending in an ASCII full stop or colon reads as machine output.
    const bad = keys.filter((k) => /[\u4e00-\u9fff][.:]$/.test(messages[k].zh));
    expect(bad).toEqual([]);
  });

  it('every key the guide uses is defined (t(...) / id: ... in src/guide and src/cli/guide.ts)', () => {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const files = [...fs.readdirSync(path.join(root, 'src', 'guide')).map((f) => path.join(root, 'src', 'guide', f)), path.join(root, 'src', 'cli', 'guide.ts')];
    const used = new Set<string>();
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([\w.-]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\bid: '([\w.-]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((k) => !(k in messages))).toEqual([]);
  });

  it('formats placeholders and leaves unknown ones visible', () => {
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    const zh = translator('zh');
    const en = translator('en');
    expect(en('applyQ', { count: 3 })).toBe('Apply this fix to 3 host(s)?');
    expect(zh('applyQ', { count: 3 })).toBe('在这 3 台主机上执行修复吗？');
    expect(zh('st.rolled-back')).toBe('已恢复');
  });
});
