/**
 * Step 1 of the guided session: which problem. From a pasted error (diagnose), a scan of the
 * nodes, or the catalogue; `undefined` means the operator went back or quit.
 */
import { catalog, getEntry } from '../catalog/index.js';
import { diagnose } from '../catalog/diagnose.js';
import type { Ctx, Problem } from './context.js';
import { entryLabel, entryTags, renderMatches, shortList } from './render.js';
import { scan } from './scan.js';

export async function chooseProblem(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d } = ctx;
  for (;;) {
    const start = await d.prompts.select<'paste' | 'scan' | 'catalog' | 'quit'>({
      id: 'startQ',
      message: t('startQ'),
      choices: [
        { name: t('startPaste'), value: 'paste' },
        { name: t('startScan'), value: 'scan' },
        { name: t('startCatalog'), value: 'catalog' },
        { name: t('quit'), value: 'quit' },
      ],
    });
    if (start === 'quit') return undefined;
    const p = start === 'paste' ? await fromPaste(ctx) : start === 'scan' ? await fromScan(ctx) : await fromCatalog(ctx);
    if (p) return p;
  }
}

async function fromPaste(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d, s, lang } = ctx;
  for (;;) {
    const text = await d.prompts.paste({ id: 'pasteQ', message: t('pasteQ') });
    if (!text.trim()) {
      d.out(t('pasteEmpty'));
      return undefined;
    }
    const result = diagnose(text);
    d.out('');
    for (const l of renderMatches(t, lang, result, getEntry, s)) d.out(l);
    d.out('');
    if (!result.matches.length) {
      const again = await d.prompts.select<'again' | 'back'>({
        id: 'pickMatchQ',
        message: t('startQ'),
        choices: [
          { name: t('pasteAgain'), value: 'again' },
          { name: t('back'), value: 'back' },
        ],
      });
      if (again === 'again') continue;
      return undefined;
    }
    const pick = await d.prompts.select<string>({
      id: 'pickMatchQ',
      message: t('pickMatchQ'),
      choices: [
        ...result.matches.map((m) => ({ name: entryLabel(t, lang, getEntry(m.entryId)), value: m.entryId })),
        { name: t('pasteAgain'), value: ':again' },
        { name: t('back'), value: ':back' },
      ],
    });
    if (pick === ':again') continue;
    if (pick === ':back') return undefined;
    return { entry: getEntry(pick), explained: true };
  }
}
async function fromScan(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d, lang } = ctx;
  const report = await scan(ctx, ctx.all);
  const found = Object.entries(report.affected).filter(([, hs]) => hs.length);
  if (!found.length) {
    d.out(t('scanNothing'));
    d.out('');
    return undefined;
  }
  // Fixable problems first, in catalogue order (worst first).
  const order = (id: string) => (getEntry(id).playbook ? 0 : 1000) + catalog.findIndex((e) => e.id === id);
  found.sort((a, b) => order(a[0]) - order(b[0]));
  const pick = await d.prompts.select<string>({
    id: 'scanPickQ',
    message: t('scanPickQ'),
    choices: [
      ...found.map(([id, hs]) => {
        const e = getEntry(id);
        const tags = entryTags(t, e);
        return { name: t('scanChoice', { id, title: e.title[lang], count: hs.length, hosts: shortList(t, hs, 4) }) + (tags.length ? ` [${tags.join(', ')}]` : ''), value: id };
      }),
      { name: t('back'), value: ':back' },
    ],
  });
  if (pick === ':back') return undefined;
  return { entry: getEntry(pick), affected: report.affected[pick] };
}

async function fromCatalog(ctx: Ctx): Promise<Problem | undefined> {
  const { t, d, lang } = ctx;
  const pick = await d.prompts.select<string>({
    id: 'catalogPickQ',
    message: t('catalogPickQ'),
    choices: [...catalog.map((e) => ({ name: entryLabel(t, lang, e), value: e.id })), { name: t('back'), value: ':back' }],
  });
  return pick === ':back' ? undefined : { entry: getEntry(pick) };
}
