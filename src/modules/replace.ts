/**
 * ansible.builtin.replace — port of ansible/modules/replace.py (ansible-core 2.14).
 * Python `re` with MULTILINE (translated, see pyregex.ts); `after`/`before` select a
 * DOTALL section exactly as Ansible builds it (`after(?P<subsection>.*?)before`).
 */
import { z } from 'zod';
import { ATTR_MSG, aBool, aPath, aStr, defineModule, failed, fileAttrShape, issue, options, planAttrs, readText } from './common.js';
import { compilePyRegex, PyRegexError, pySearch, pySubn } from './pyregex.js';
import type { FileDiff, ModulePlan, Op } from './types.js';
import { normPath } from './virtualFs.js';
import { followForEdit, linkLabel, viaField } from './followLink.js';

const args = options(
  {
    path: aPath(),
    regexp: aStr(),
    replace: aStr().default(''),
    after: aStr().optional(),
    before: aStr().optional(),
    /** Accepted for compatibility; crane-fix's journal snapshot replaces Ansible's backup file. */
    backup: aBool().default(false),
    encoding: aStr()
      .refine((e) => /^utf-?8$/i.test(e), 'only utf-8 is supported')
      .optional(),
    ...fileAttrShape,
  },
  { path: ['dest', 'destfile', 'name'] },
  (v, ctx) => {
    for (const k of ['regexp', 'after', 'before'] as const) {
      const p = v[k];
      if (p === undefined) continue;
      try {
        compilePyRegex(p, { multiline: true });
      } catch (e) {
        issue(ctx, k, (e as Error).message);
      }
    }
  },
);

type Args = z.output<typeof args>;

export const replaceModule = defineModule<Args>({
  name: 'replace',
  aliases: ['ansible.builtin.replace', 'ansible.legacy.replace'],
  args,
  supportsCheck: true,
  supportsDiff: true,
  reversible: true,
  // Mode and owner only matter when the task sets them; otherwise the write keeps them.
  facts: (a) => [{ kind: 'file', path: normPath(a.path), contentOnly: a.mode === undefined && a.owner === undefined && a.group === undefined }],
  plan(a, ctx): ModulePlan {
    // A symlinked path: Ansible reads the target and writes os.path.realpath(path) (followLink.ts).
    const f = followForEdit(ctx, a);
    if ('error' in f) return failed(f.error);
    const path = f.path;
    const { state, error } = readText(ctx, path);
    if (state.exists && state.type === 'directory') return failed(`Path ${a.path} is a directory !`, { rc: 256 });
    if (!state.exists) return failed(`Path ${a.path} does not exist !`, { rc: 257 });
    if (error) return failed(error);
    // The diff names the file written: `link -> target` when it went through a link.
    const header = f.via ? { beforeHeader: linkLabel(f, a.path), afterHeader: linkLabel(f, a.path) } : {};
    const contents = state.content!;

    let pattern = '';
    if (a.after && a.before) pattern = `${a.after}(?P<subsection>.*?)${a.before}`;
    else if (a.after) pattern = `${a.after}(?P<subsection>.*)`;
    else if (a.before) pattern = `(?P<subsection>.*)${a.before}`;

    let section = contents;
    let indices: [number, number] | undefined;
    try {
      if (pattern) {
        const sre = compilePyRegex(pattern, { dotall: true });
        const m = pySearch(sre, contents, 0);
        if (!m) {
          const msg = `Pattern for before/after params did not match the given file: ${pattern}`;
          return { status: 'ok', msg, ops: [], diffs: [], result: { changed: false, msg, rc: 0 } };
        }
        section = m.groups!.subsection!;
        indices = m.indices!.groups!.subsection!;
      }
      const mre = compilePyRegex(a.regexp, { multiline: true });
      const [replaced, count] = pySubn(mre, a.replace, section);
      let changed = false;
      let msg = '';
      let after = contents;
      if (count > 0 && section !== replaced) {
        after = indices ? contents.slice(0, indices[0]) + replaced + contents.slice(indices[1]) : replaced;
        msg = `${count} replacements made`;
        changed = true;
      }
      const ops: Op[] = [];
      const diffs: FileDiff[] = [];
      if (changed) {
        ops.push({ op: 'write', path, content: after, expectSha256: state.sha256 ?? null, ...viaField(f) });
        diffs.push({ path, before: contents, after, ...header });
      }
      const attrs = planAttrs(path, state, a);
      if (attrs.changed) {
        if (changed) msg += ' and ';
        msg += ATTR_MSG;
        changed = true;
        if (attrs.op) ops.push(attrs.op);
        if (diffs[0]) diffs[0].attrs = attrs.summary;
        else diffs.push({ path, before: contents, after: contents, attrs: attrs.summary, ...header });
      }
      const result = { changed, msg, rc: 0 };
      if (!changed) return { status: 'ok', msg: count === 0 ? `no match for regexp in ${a.path}` : `${a.path} already up to date`, ops: [], diffs: [], result };
      return { status: 'changed', msg, ops, diffs, result, ...(f.warnings.length ? { warnings: f.warnings } : {}) };
    } catch (e) {
      if (e instanceof PyRegexError) return failed(e.message);
      throw e;
    }
  },
});
