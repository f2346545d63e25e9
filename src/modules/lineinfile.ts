/**
 * ansible.builtin.lineinfile — line-for-line port of ansible/modules/lineinfile.py
 * (ansible-core 2.14): same matching order (regexp / search_string, then exact line, then
 * insertafter/insertbefore), same `firstmatch`, `backrefs`, BOF/EOF and newline rules
 * (lines are split after "\n" only, like bytes.readlines; the line separator is "\n").
 */
import { z } from 'zod';
import {
  ansibleDiffJson,
  ATTR_MSG,
  aBool,
  aChoice,
  aPath,
  aStr,
  defineModule,
  dirname,
  failed,
  fileAttrShape,
  fmtMode,
  issue,
  options,
  ownershipOp,
  planAttrs,
  readText,
  readlines,
} from './common.js';
import { compilePyRegex, expandReplacement, parsePyReplacement, PyRegexError, pySearch, type PyRegex } from './pyregex.js';
import type { FactRequest, FileDiff, ModulePlan, Op, PlanContext } from './types.js';
import { normPath } from './virtualFs.js';
import { followForEdit, linkLabel, viaField, type Followed } from './followLink.js';

const args = options(
  {
    path: aPath(),
    state: aChoice(['present', 'absent'] as const).default('present'),
    regexp: aStr().optional(),
    search_string: aStr().optional(),
    line: aStr().optional(),
    insertafter: aStr().optional(),
    insertbefore: aStr().optional(),
    backrefs: aBool().optional(),
    create: aBool().default(false),
    /** Accepted for compatibility; crane-fix's journal snapshot replaces Ansible's backup file. */
    backup: aBool().default(false),
    firstmatch: aBool().default(false),
    ...fileAttrShape,
  },
  { path: ['dest', 'destfile', 'name'], regexp: ['regex'], line: ['value'] },
  (v, ctx) => {
    const excl: [keyof typeof v, keyof typeof v][] = [
      ['insertbefore', 'insertafter'],
      ['regexp', 'search_string'],
    ];
    for (const [a, b] of excl) {
      if (v[a] !== undefined && v[b] !== undefined) issue(ctx, b, `parameters are mutually exclusive: ${a}|${b}`);
    }
    if (v.backrefs !== undefined && v.search_string !== undefined) issue(ctx, 'backrefs', 'parameters are mutually exclusive: backrefs|search_string');
    if (v.state === 'present') {
      if (v.backrefs && v.regexp === undefined) issue(ctx, 'backrefs', 'regexp is required with backrefs=true');
      if (v.line === undefined) issue(ctx, undefined, 'line is required with state=present');
    } else if (v.regexp === undefined && v.search_string === undefined && v.line === undefined) {
      issue(ctx, undefined, 'one of line, search_string, or regexp is required with state=absent');
    }
    for (const k of ['regexp', 'insertafter', 'insertbefore'] as const) {
      const p = v[k];
      if (p === undefined || ((k === 'insertafter' || k === 'insertbefore') && (p === 'EOF' || p === 'BOF'))) continue;
      try {
        compilePyRegex(p, { ascii: true });
      } catch (e) {
        issue(ctx, k, (e as Error).message);
      }
    }
  },
);

type Args = z.output<typeof args>;

function ancestors(path: string): string[] {
  const out: string[] = [];
  let d = dirname(path);
  while (d && d !== '/' && !out.includes(d)) {
    out.push(d);
    d = dirname(d);
  }
  return out;
}

const rstripCRLF = (s: string) => s.replace(/[\r\n]+$/, '');

export const lineinfileModule = defineModule<Args>({
  name: 'lineinfile',
  aliases: ['ansible.builtin.lineinfile', 'ansible.legacy.lineinfile'],
  args,
  supportsCheck: true,
  supportsDiff: true,
  reversible: true,
  facts(a): FactRequest[] {
    const path = normPath(a.path);
    // Mode and owner only matter when the task sets them or creates the file.
    const f: FactRequest[] = [{ kind: 'file', path, contentOnly: !a.create && a.mode === undefined && a.owner === undefined && a.group === undefined }];
    if (a.state === 'present' && a.create) for (const d of ancestors(path)) f.push({ kind: 'file', path: d });
    return f;
  },
  plan(a, ctx): ModulePlan {
    // A symlinked path: Ansible reads the target and writes os.path.realpath(dest) (followLink.ts).
    const f = followForEdit(ctx, a);
    if ('error' in f) return failed(f.error);
    try {
      const p = a.state === 'present' ? present(a, ctx, f) : absent(a, ctx, f);
      return p.status === 'changed' && f.warnings.length ? { ...p, warnings: f.warnings } : p;
    } catch (e) {
      if (e instanceof PyRegexError) return failed(e.message);
      throw e;
    }
  },
});

function attrDiff(path: string, before: Record<string, unknown>, after: Record<string, unknown>): FileDiff {
  return { path, before: ansibleDiffJson(before), after: ansibleDiffJson(after), beforeHeader: `${path} (file attributes)`, afterHeader: `${path} (file attributes)` };
}

function present(a: Args, ctx: PlanContext, f: Followed): ModulePlan {
  const dest = a.path;
  const path = f.path;
  const { state, error } = readText(ctx, path);
  if (state.exists && state.type === 'directory') return failed(`Path ${dest} is a directory !`, { rc: 256 });
  if (error) return failed(error);
  const ops: Op[] = [];
  let lines: string[];
  if (!state.exists) {
    if (!a.create) return failed(`Destination ${dest} does not exist !`, { rc: 257 });
    // os.makedirs(dirname) when missing (not in check mode: ops are not applied then anyway).
    // Ansible makes the dirs of the path it was given: a dangling link's are there already.
    const missing = f.via ? [] : ancestors(path).filter((d) => !ctx.file(d).exists).reverse();
    for (const d of missing) ops.push({ op: 'mkdir', path: d });
    lines = [];
  } else {
    lines = readlines(state.content!);
  }
  const before = lines.join('');
  const line = a.line!;
  const insertbefore = a.insertbefore;
  const insertafter = a.insertbefore === undefined && a.insertafter === undefined ? 'EOF' : a.insertafter;

  const bre_m: PyRegex | undefined = a.regexp !== undefined ? compilePyRegex(a.regexp, { ascii: true }) : undefined;
  let bre_ins: PyRegex | undefined;
  if (insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF') bre_ins = compilePyRegex(insertafter, { ascii: true });
  else if (insertbefore !== undefined && insertbefore !== 'BOF') bre_ins = compilePyRegex(insertbefore, { ascii: true });

  const index = [-1, -1];
  let match: RegExpExecArray | true | undefined;

  if (bre_m) {
    for (let n = 0; n < lines.length; n++) {
      const m = pySearch(bre_m, lines[n]!, 0);
      if (m) {
        index[0] = n;
        match = m;
        if (a.firstmatch) break;
      }
    }
  }
  if (a.search_string !== undefined) {
    for (let n = 0; n < lines.length; n++) {
      if (lines[n]!.includes(a.search_string)) {
        index[0] = n;
        match = true;
        if (a.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (let n = 0; n < lines.length; n++) {
      const cur = lines[n]!;
      if (line === rstripCRLF(cur)) {
        index[0] = n;
      } else if (bre_ins && pySearch(bre_ins, cur, 0)) {
        if (insertafter) {
          index[1] = n + 1;
          if (a.firstmatch) break;
        }
        if (insertbefore) {
          index[1] = n;
          if (a.firstmatch) break;
        }
      }
    }
  }

  let msg = '';
  let changed = false;
  const sep = '\n';
  if (index[0] !== -1) {
    let newLine = a.backrefs && match && match !== true ? expandReplacement(parsePyReplacement(line, bre_m!), match) : line;
    if (!newLine.endsWith(sep)) newLine += sep;
    // (Ansible's branch for `(regexp, search_string, match) == (None, None, None) and not
    // exact_line_match` cannot be reached here: index[0] is only ever set by a match.)
    if (lines[index[0]] !== newLine) {
      lines[index[0]] = newLine;
      msg = 'line replaced';
      changed = true;
    }
  } else if (a.backrefs) {
    // Do nothing: without a regexp match the backrefs cannot be populated.
  } else if (insertbefore === 'BOF' || insertafter === 'BOF') {
    lines.unshift(line + sep);
    msg = 'line added';
    changed = true;
  } else if (insertafter === 'EOF' || index[1] === -1) {
    if (lines.length && !/[\n\r]$/.test(lines[lines.length - 1]!)) lines.push(sep);
    lines.push(line + sep);
    msg = 'line added';
    changed = true;
  } else if (insertafter && index[1] !== -1) {
    if (lines.length === index[1]) {
      if (rstripCRLF(lines[index[1] - 1]!) !== line) {
        lines.push(line + sep);
        msg = 'line added';
        changed = true;
      }
    } else if (line !== rstripCRLF(lines[index[1]]!)) {
      lines.splice(index[1], 0, line + sep);
      msg = 'line added';
      changed = true;
    }
  } else {
    lines.splice(index[1], 0, line + sep);
    msg = 'line added';
    changed = true;
  }

  const after = lines.join('');
  const diffs: FileDiff[] = [];
  const content: FileDiff = { path, before, after, beforeHeader: `${linkLabel(f, dest)} (content)`, afterHeader: `${linkLabel(f, dest)} (content)` };

  if (!state.exists) {
    // New file: content + the attributes it is created with.
    if (!changed) {
      // Nothing to write (e.g. backrefs without a match): Ansible creates nothing either —
      // and then crashes setting attributes on the missing file (outside check mode).
      if (!ctx.checkMode && (a.mode !== undefined || a.owner !== undefined || a.group !== undefined)) {
        return failed(`MODULE FAILURE: [Errno 2] No such file or directory: '${dest}'`);
      }
      return { status: 'ok', msg: 'no line to add (backrefs=true and regexp did not match)', ops: [], diffs: [], result: { changed: false, msg: '', backup: '' } };
    }
    const attrs = planAttrs(path, undefined, a);
    ops.push({ op: 'write', path, content: after, expectSha256: null, ...(attrs.mode !== undefined ? { mode: attrs.mode } : {}), ...viaField(f) });
    const own = ownershipOp(path, a);
    if (own) ops.push(own);
    diffs.push(content);
    if (!ctx.checkMode && attrs.mode !== undefined && attrs.mode !== 0o644) {
      // Ansible writes the file (0644 under umask 022), then fixes the mode and reports it
      msg += ' and ' + ATTR_MSG;
      diffs.push(attrDiff(linkLabel(f, dest), { mode: fmtMode(0o644) }, { mode: fmtMode(attrs.mode) }));
      content.attrs = [`mode 0644 -> ${fmtMode(attrs.mode)}`];
    }
    return { status: 'changed', msg, ops, diffs, result: { changed: true, msg, backup: '' } };
  }

  if (changed) {
    ops.push({ op: 'write', path, content: after, expectSha256: state.sha256 ?? null, ...viaField(f) });
    diffs.push(content);
  }
  const attrs = planAttrs(path, state, a);
  if (attrs.changed) {
    if (changed) msg += ' and ';
    changed = true;
    msg += ATTR_MSG;
    if (attrs.op) ops.push(attrs.op);
    if (!diffs.length) diffs.push({ ...content, attrs: attrs.summary });
    else content.attrs = attrs.summary;
    diffs.push(attrDiff(linkLabel(f, dest), attrs.before, attrs.after));
  }
  const result = { changed, msg, backup: '' };
  if (!changed) {
    const why = a.backrefs && index[0] === -1 ? `regexp did not match in ${dest} (backrefs=true: nothing to do)` : `line already present in ${dest}`;
    return { status: 'ok', msg: why, ops: [], diffs: [], result };
  }
  return { status: 'changed', msg, ops, diffs, result };
}

function absent(a: Args, ctx: PlanContext, f: Followed): ModulePlan {
  const dest = a.path;
  const path = f.path;
  const { state, error } = readText(ctx, path);
  if (state.exists && state.type === 'directory') return failed(`Path ${dest} is a directory !`, { rc: 256 });
  if (!state.exists) return { status: 'ok', msg: 'file not present', ops: [], diffs: [], result: { changed: false, msg: 'file not present' } };
  if (error) return failed(error);
  const lines = readlines(state.content!);
  const before = lines.join('');
  const bre_c = a.regexp !== undefined ? compilePyRegex(a.regexp, { ascii: true }) : undefined;
  const found: string[] = [];
  const kept = lines.filter((cur) => {
    let hit: boolean;
    if (bre_c) hit = !!pySearch(bre_c, cur, 0);
    else if (a.search_string !== undefined) hit = cur.includes(a.search_string);
    else hit = a.line === rstripCRLF(cur);
    if (hit) found.push(cur);
    return !hit;
  });
  let changed = found.length > 0;
  const after = kept.join('');
  let msg = changed ? `${found.length} line(s) removed` : '';
  const ops: Op[] = [];
  const diffs: FileDiff[] = [];
  const content: FileDiff = { path, before, after, beforeHeader: `${linkLabel(f, dest)} (content)`, afterHeader: `${linkLabel(f, dest)} (content)` };
  if (changed) {
    ops.push({ op: 'write', path, content: after, expectSha256: state.sha256 ?? null, ...viaField(f) });
    diffs.push(content);
  }
  const attrs = planAttrs(path, state, a);
  if (attrs.changed) {
    if (changed) msg += ' and ';
    changed = true;
    msg += ATTR_MSG;
    if (attrs.op) ops.push(attrs.op);
    if (!diffs.length) diffs.push({ ...content, attrs: attrs.summary });
    else content.attrs = attrs.summary;
    diffs.push(attrDiff(linkLabel(f, dest), attrs.before, attrs.after));
  }
  const result = { changed, found: found.length, msg, backup: '' };
  if (!changed) return { status: 'ok', msg: `no matching line in ${dest}`, ops: [], diffs: [], result };
  return { status: 'changed', msg, ops, diffs, result };
}
