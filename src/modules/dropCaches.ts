/**
 * crane-fix `drop_caches`: `sync; echo N > /proc/sys/vm/drop_caches`.
 * level 1 = page cache, 2 = dentries and inodes, 3 = both (the kernel's meaning).
 * Always a change (it is an action, not a state); harmless, and not undoable.
 */
import { z } from 'zod';
import { defineModule, options } from './common.js';

const args = options({
  level: z
    .unknown()
    .transform((v, ctx) => {
      const n = typeof v === 'string' && /^\s*[123]\s*$/.test(v) ? parseInt(v, 10) : v;
      if (n === 1 || n === 2 || n === 3) return n;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `level must be 1, 2 or 3, got ${JSON.stringify(v)}` });
      return z.NEVER;
    })
    .default(3),
});

type Args = z.output<typeof args>;

export const dropCachesModule = defineModule<Args>({
  name: 'drop_caches',
  aliases: ['crane.fix.drop_caches', 'crane_fix.drop_caches'],
  args,
  supportsCheck: true,
  supportsDiff: false,
  reversible: false,
  needsConsent: true,
  destructive: false,
  facts: () => [],
  plan(a) {
    const command = `sync; echo ${a.level} > /proc/sys/vm/drop_caches`;
    const what = a.level === 1 ? 'page cache' : a.level === 2 ? 'dentries and inodes' : 'page cache, dentries and inodes';
    return { status: 'changed', msg: `drop ${what}`, ops: [{ op: 'exec', command }], diffs: [], result: { changed: true, level: a.level } };
  },
});
