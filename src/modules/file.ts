/**
 * ansible.builtin.file — port of ansible/modules/file.py (ansible-core 2.14) for
 * state=file|directory|absent|touch|link. Not supported (load-time errors): state=hard,
 * recurse=true, access_time/modification_time, mode/owner/group together with state=link.
 * follow=yes (the default) on a symlink for state=file/directory/touch acts on the link's
 * real target (os.path.realpath), which the gather resolved and read (FileState.realPath).
 * A link path without a state, given mode/owner/group, is a plan-time failure naming the
 * link (Ansible, with follow=yes, changes the target; parity-upstream up_file_follow).
 */
import { z } from 'zod';
import {
  ansibleDiffJson,
  aBool,
  aChoice,
  aPath,
  defineModule,
  dirname,
  failed,
  fileAttrShape,
  fmtMode,
  issue,
  options,
  ownershipOp,
  planAttrs,
  resolveMode,
} from './common.js';
import type { FactRequest, FileDiff, FileState, ModulePlan, Op, PlanContext } from './types.js';
import { shellQuote } from './shellQuote.js';
import { normPath } from './virtualFs.js';

const args = options(
  {
    path: aPath(),
    state: aChoice(['absent', 'directory', 'file', 'hard', 'link', 'touch'] as const).optional(),
    src: aPath().optional(),
    force: aBool().default(false),
    follow: aBool().default(true),
    recurse: aBool().default(false),
    ...fileAttrShape,
  },
  { path: ['dest', 'name'] },
  (v, ctx) => {
    if (v.state === 'hard') issue(ctx, 'state', 'state=hard is not supported by crane-fix');
    if (v.recurse) issue(ctx, 'recurse', 'recurse=true is not supported by crane-fix (list the paths, or use a loop)');
    if (v.src !== undefined && v.state !== 'link' && v.state !== 'hard') issue(ctx, 'src', "src option requires state to be 'link' or 'hard'");
    if (v.state === 'link' && (v.mode !== undefined || v.owner !== undefined || v.group !== undefined)) {
      issue(ctx, v.mode !== undefined ? 'mode' : v.owner !== undefined ? 'owner' : 'group', 'mode/owner/group with state=link are not supported by crane-fix');
    }
  },
);

type Args = z.output<typeof args>;

type PrevState = 'absent' | 'file' | 'directory' | 'link';

function prevState(st: FileState): PrevState {
  if (!st.exists) return 'absent';
  if (st.type === 'symlink') return 'link';
  if (st.type === 'directory') return 'directory';
  return 'file';
}

/** Python os.path.join for two parts. */
function pjoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return a + '/' + b;
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  let d = dirname(path);
  while (d && d !== '/' && !out.includes(d)) {
    out.push(d);
    d = dirname(d);
  }
  return out;
}

function linkSrcCandidates(a: Args): string[] {
  if (a.state !== 'link' || a.src === undefined || a.force) return [];
  return [...new Set([normPath(pjoin(dirname(a.path), a.src)), normPath(pjoin(a.path, a.src))])];
}

function jsonDiff(path: string, before: Record<string, unknown>, after: Record<string, unknown>, attrs?: string[]): FileDiff {
  const d: FileDiff = { path, before: ansibleDiffJson(before), after: ansibleDiffJson(after), beforeHeader: null, afterHeader: null };
  if (attrs?.length) d.attrs = attrs;
  return d;
}

export const fileModule = defineModule<Args>({
  name: 'file',
  aliases: ['ansible.builtin.file', 'ansible.legacy.file'],
  args,
  supportsCheck: true,
  supportsDiff: true,
  reversible: true,
  facts(a): FactRequest[] {
    const path = normPath(a.path);
    const paths = new Set<string>([path]);
    if (a.state === 'directory' || a.state === undefined) for (const d of ancestors(path)) paths.add(d);
    for (const p of linkSrcCandidates(a)) paths.add(p);
    return [...paths].map((p) => ({ kind: 'file', path: p }));
  },
  plan(a, ctx): ModulePlan {
    const path = normPath(a.path);
    const st = ctx.file(path);
    const prev = prevState(st);
    const state = a.state ?? (prev !== 'absent' ? prev : 'file');
    // Ansible (follow=yes) sets these on the link's target, which we have not read.
    if (a.state === undefined && prev === 'link' && (a.mode !== undefined || a.owner !== undefined || a.group !== undefined)) {
      return failed(`${path} is a symlink: crane-fix does not set mode/owner/group through a link (Ansible sets them on its target): use the target's path`);
    }
    switch (state) {
      case 'absent':
        return absent(path, st, prev);
      case 'file':
        return ensureFile(a, path, st, prev, ctx);
      case 'directory':
        return ensureDirectory(a, path, st, prev, ctx);
      case 'link':
        return ensureLink(a, path, st, prev, ctx);
      case 'touch':
        return touch(a, path, st, prev, ctx);
      default:
        return failed(`state=${state} is not supported by crane-fix`);
    }
  },
});

function absent(path: string, st: FileState, prev: PrevState): ModulePlan {
  if (prev === 'absent') return { status: 'ok', msg: `${path} is already absent`, ops: [], diffs: [], result: { path, changed: false, state: 'absent' } };
  const op: Op = { op: 'remove', path, expectSha256: st.sha256 ?? null, ...(prev === 'directory' ? { recursive: true } : {}) };
  const diff = jsonDiff(path, { path, state: prev }, { path, state: 'absent' }, [`${prev} -> absent`]);
  return { status: 'changed', msg: `remove ${prev} ${path}`, ops: [op], diffs: [diff], result: { path, changed: true, state: 'absent' } };
}

function attrsResult(path: string, st: FileState, a: Args, extraBefore: Record<string, unknown>, extraAfter: Record<string, unknown>, stateName: string): ModulePlan {
  const attrs = planAttrs(path, st, a);
  const before = { path, ...extraBefore, ...attrs.before };
  const after = { path, ...extraAfter, ...attrs.after };
  const result = { path, changed: attrs.changed, state: stateName };
  if (!attrs.changed) return { status: 'ok', msg: `${path} is already a ${stateName} with the requested attributes`, ops: [], diffs: [], result };
  return { status: 'changed', msg: attrs.summary.join(', '), ops: attrs.op ? [attrs.op] : [], diffs: [jsonDiff(path, before, after, attrs.summary)], result };
}

/** follow=yes on a link: Ansible goes on with os.path.realpath(path) and its state. */
function followed(ctx: PlanContext, path: string, st: FileState): { path: string; st: FileState; prev: PrevState } | ModulePlan {
  if (st.realPath === undefined) return failed(`${path} is a symlink crane-fix did not resolve on the host (a link loop, or one made by an earlier task of this run): give the target's path`);
  const real = ctx.file(st.realPath);
  return { path: st.realPath, st: real, prev: prevState(real) };
}

function ensureFile(a: Args, path: string, st: FileState, prev: PrevState, ctx: PlanContext): ModulePlan {
  if (prev === 'link' && a.follow) {
    const f = followed(ctx, path, st);
    if ('status' in f) return f;
    ({ path, st, prev } = f);
  }
  if (prev !== 'file') return failed(`file (${path}) is ${prev}, cannot continue`, { path, state: prev });
  return attrsResult(path, st, a, {}, {}, 'file');
}

function ensureDirectory(a: Args, path: string, st: FileState, prev: PrevState, ctx: PlanContext): ModulePlan {
  let via = false;
  if (prev === 'link' && a.follow) {
    const f = followed(ctx, path, st);
    if ('status' in f) return f;
    ({ path, st, prev } = f);
    via = true;
  }
  if (prev === 'absent') {
    const diff = jsonDiff(path, { path, state: 'absent' }, { path, state: 'directory' }, ['absent -> directory']);
    // A dangling link's target: its parents were not gathered; the mkdir (-p) makes them.
    const missing = [...(via ? [] : ancestors(path).filter((d) => !ctx.file(d).exists).reverse()), path];
    const ops: Op[] = [];
    let finalMode = 0o755;
    for (const d of missing) {
      const mode = a.mode !== undefined ? resolveMode(a.mode, 0o755, true) : undefined;
      if (mode !== undefined) finalMode = mode;
      ops.push({ op: 'mkdir', path: d, ...(mode !== undefined ? { mode } : {}) });
      const own = ownershipOp(d, a);
      if (own) ops.push(own);
    }
    if (!ctx.checkMode && a.mode !== undefined && finalMode !== 0o755) {
      // Ansible creates with the default mode, then fixes it and records it in the same diff
      diff.before = ansibleDiffJson({ path, state: 'absent', mode: fmtMode(0o755) });
      diff.after = ansibleDiffJson({ path, state: 'directory', mode: fmtMode(finalMode) });
    }
    return { status: 'changed', msg: `create directory ${path}`, ops, diffs: [diff], result: { path, changed: true, state: 'directory' } };
  }
  if (prev !== 'directory') return failed(`${path} already exists as a ${prev}`, { path });
  return attrsResult(path, st, a, {}, {}, 'directory');
}

function ensureLink(a: Args, path: string, st: FileState, prev: PrevState, ctx: PlanContext): ModulePlan {
  let src = a.src;
  if (src === undefined && a.follow && st.exists && prev === 'link') src = st.linkTarget;
  const relpath = prev === 'directory' ? path : dirname(path);
  // A src taken from the link itself is not checked: Ansible takes it only when the link
  // resolves, so its check always passes (and we never read that target).
  if (!a.force && a.src !== undefined) {
    const absrc = normPath(pjoin(relpath, a.src));
    if (!ctx.file(absrc).exists) {
      return failed(`src file does not exist, use "force=yes" if you really want to create the link: ${pjoin(relpath, a.src)}`, { path, src });
    }
  }
  if (prev === 'directory') {
    if (!a.force) return failed(`refusing to convert from directory to symlink for ${path}`, { path });
    return failed(`refusing to replace directory ${path} with a symlink (crane-fix never removes a directory for a link)`, { path });
  }
  if (prev === 'file' && !a.force) return failed(`refusing to convert from file to symlink for ${path}`, { path });
  const before: Record<string, unknown> = { path };
  const after: Record<string, unknown> = { path };
  if (prev !== 'link') {
    before.state = prev;
    after.state = 'link';
  }
  let changed = false;
  const ops: Op[] = [];
  if (prev === 'file' || prev === 'absent') {
    if (src === undefined) return failed('src is required for creating new symlinks');
    changed = true;
    if (prev === 'file') ops.push({ op: 'remove', path, expectSha256: st.sha256 ?? null });
    ops.push({ op: 'symlink', path, target: src });
  } else if (src !== undefined && st.linkTarget !== src) {
    before.src = st.linkTarget ?? '';
    after.src = src;
    changed = true;
    ops.push({ op: 'symlink', path, target: src });
  }
  const result = { dest: path, src, changed };
  if (!changed) return { status: 'ok', msg: `${path} already links to ${src}`, ops: [], diffs: [], result };
  return { status: 'changed', msg: `link ${path} -> ${src}`, ops, diffs: [jsonDiff(path, before, after, [`${prev === 'link' ? `link -> ${before.src}` : prev} -> link -> ${src}`])], result };
}

function touch(a: Args, path: string, st: FileState, prev: PrevState, ctx: PlanContext): ModulePlan {
  if (prev === 'absent') {
    const attrs = planAttrs(path, undefined, a);
    const ops: Op[] = [{ op: 'write', path, content: '', expectSha256: null, mode: attrs.mode ?? 0o644 }];
    const own = ownershipOp(path, a);
    if (own) ops.push(own);
    const diffs = ctx.checkMode ? [] : [jsonDiff(path, { path, state: 'absent' }, { path, state: 'touch' }, ['absent -> file'])];
    return { status: 'changed', msg: `create empty file ${path}`, ops, diffs, result: { dest: path, changed: true } };
  }
  // follow=yes: the attributes and timestamps of the link's target (load_file_common_arguments
  // takes os.path.realpath); the diff still names the link, as Ansible's.
  let target = { path, st };
  if (prev === 'link' && a.follow) {
    const f = followed(ctx, path, st);
    if ('status' in f) return f;
    // Ansible's os.utime on the missing target (recorded on a lab node, docs/nodes.md).
    if (f.prev === 'absent') return failed(`Error while updating modification or access time: [Errno 2] No such file or directory: b'${f.path}'`, { path: f.path });
    target = f;
  }
  // Ansible always updates atime/mtime to now: touch is always "changed".
  const attrs = planAttrs(target.path, target.st, a);
  const ops: Op[] = [{ op: 'exec', command: `touch -c -- ${shellQuote(target.path)}` }];
  if (attrs.op) ops.push(attrs.op);
  const diff = jsonDiff(path, { path, state: prev, ...attrs.before }, { path, state: 'touch', ...attrs.after }, ['timestamps -> now', ...attrs.summary]);
  return { status: 'changed', msg: `update timestamps of ${path}`, ops, diffs: [diff], result: { dest: path, changed: true } };
}

