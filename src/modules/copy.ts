/**
 * ansible.builtin.copy (action plugin + module, ansible-core 2.14) for a single file:
 * `content` or a local `src`, to `dest` (a trailing `/` means "into this directory",
 * creating missing parents like Ansible). Directory trees, remote_src, validate and
 * backup files are not supported (backup is accepted: the journal snapshot replaces it).
 *
 * Local `src` is read at plan time from `<playbookDir>/files/<src>` or
 * `<playbookDir>/<src>` (absolute paths as-is): the engine passes `playbookDir` in the
 * PlanContext.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  ansibleDiffJson,
  aBool,
  aMode,
  aPath,
  basename,
  defineModule,
  dirname,
  failed,
  issue,
  options,
  ownershipOp,
  planAttrs,
  pyJsonDumps,
  aStr,
} from './common.js';
import type { FactRequest, FileDiff, ModulePlan, Op, PlanContext } from './types.js';
import { normPath, sha256 } from './virtualFs.js';
import { followLink, linkLabel, viaField } from './followLink.js';

const args = options(
  {
    content: z
      .unknown()
      .transform((v, ctx) => {
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') return String(v === true ? 'True' : v === false ? 'False' : v);
        if (v !== null && typeof v === 'object') return pyJsonDumps(v); // the action plugin json.dumps()es dicts and lists
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'content must be a string' });
        return z.NEVER;
      })
      .optional(),
    src: aPath().optional(),
    dest: aPath(),
    force: aBool().default(true),
    /** A symlinked dest: write its target (yes) or replace the link with a file (no, Ansible's default). */
    follow: aBool().default(false),
    /** Accepted for compatibility; crane-fix's journal snapshot replaces Ansible's backup file. */
    backup: aBool().default(false),
    mode: z.union([z.literal('preserve'), aMode()]).optional(),
    owner: aStr().optional(),
    group: aStr().optional(),
    directory_mode: aMode().optional(),
  },
  {},
  (v, ctx) => {
    if (v.src === undefined && v.content === undefined) issue(ctx, undefined, 'src (or content) is required');
    if (v.src !== undefined && v.content !== undefined) issue(ctx, 'content', 'src and content are mutually exclusive');
    if (v.content !== undefined && v.dest.endsWith('/')) issue(ctx, 'dest', 'can not use content with a dir as dest');
    if (v.mode === 'preserve' && v.src === undefined) issue(ctx, 'mode', "mode=preserve needs src");
    if (v.src !== undefined && v.src.endsWith('/')) issue(ctx, 'src', 'copying directories is not supported by crane-fix');
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

/** Where the local source is looked for, in Ansible's order (playbook, not role). */
export function copySrcCandidates(src: string, playbookDir: string | undefined): string[] {
  if (isAbsolute(src)) return [src];
  const dir = playbookDir ?? process.cwd();
  return [resolve(join(dir, 'files', src)), resolve(join(dir, src))];
}

interface LocalSrc {
  path: string;
  text: string;
  mode: number;
}

function readLocal(src: string, playbookDir: string | undefined): LocalSrc | string {
  const cands = copySrcCandidates(src, playbookDir);
  for (const p of cands) {
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) return `src ${p} is a directory: copying directories is not supported by crane-fix`;
    if (st.size > 10 * 1024 * 1024) return `src ${p} is larger than 10 MiB`;
    let buf: Buffer;
    try {
      buf = readFileSync(p);
    } catch (e) {
      return `could not read src ${p}: ${(e as Error).message}`;
    }
    if (buf.includes(0)) return `src ${p} appears to be binary: only text files are supported`;
    let text: string;
    try {
      // ignoreBOM keeps a leading BOM in the text (by default TextDecoder drops it): the file is copied byte for byte.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
    } catch {
      return `src ${p} is not valid UTF-8: only text files are supported`;
    }
    return { path: p, text, mode: st.mode & 0o7777 };
  }
  return `Could not find or access '${src}'\nSearched in:\n${cands.map((c) => `\t${c}`).join('\n')}\non the Ansible Controller.`;
}

function destCandidates(a: Args): { direct: string; inDir?: string } {
  if (a.dest.endsWith('/')) return { direct: normPath(a.dest + basename(a.src ?? '')) };
  return { direct: normPath(a.dest), inDir: a.src !== undefined ? normPath(`${a.dest}/${basename(a.src)}`) : undefined };
}

export const copyModule = defineModule<Args>({
  name: 'copy',
  aliases: ['ansible.builtin.copy', 'ansible.legacy.copy'],
  args,
  supportsCheck: true,
  supportsDiff: true,
  reversible: true,
  facts(a): FactRequest[] {
    const { direct, inDir } = destCandidates(a);
    const paths = new Set<string>([direct, ...(inDir ? [inDir] : []), ...ancestors(direct)]);
    return [...paths].map((path) => ({ kind: 'file', path }));
  },
  plan(a, ctx): ModulePlan {
    return planCopy(a, ctx);
  },
});

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function planCopy(a: Args, ctx: PlanContext): ModulePlan {
  let text: string;
  let srcPath: string | undefined;
  let srcMode: number | undefined;
  if (a.content !== undefined) {
    text = a.content;
  } else {
    const local = readLocal(a.src!, ctx.playbookDir);
    if (typeof local === 'string') return failed(local);
    text = local.text;
    srcPath = local.path;
    srcMode = local.mode;
  }
  const mode = a.mode === 'preserve' ? srcMode : a.mode;
  const { direct, inDir } = destCandidates(a);
  let destFile = direct;
  const directState = ctx.file(direct);
  if (directState.exists && directState.type === 'directory') {
    if (a.content !== undefined) return failed('can not use content with a dir as dest');
    destFile = inDir!;
  }
  let st = ctx.file(destFile);
  let via: string | undefined;
  let warnings: string[] = [];
  if (st.exists && st.type === 'symlink') {
    // Ansible takes os.path.realpath(dest) only with follow=yes and when the link resolves
    // (os.path.exists); otherwise the link itself is replaced by a file.
    const real = st.realPath !== undefined ? ctx.file(st.realPath) : undefined;
    if (!a.follow || !real?.exists) return replaceLink(a, destFile, text, mode, real, srcPath);
    const f = followLink(ctx, destFile);
    if ('error' in f) return failed(f.error);
    ({ path: destFile, state: st, via, warnings } = f);
  }
  const checksum = sha1(text);
  const baseResult = { dest: destFile, ...(srcPath ? { src: srcPath } : {}), checksum };
  const extra = warnings.length ? { warnings } : {};
  if (st.exists && !a.force) {
    return { status: 'ok', msg: `${destFile} exists and force=no`, ops: [], diffs: [], result: { ...baseResult, changed: false } };
  }
  if (st.exists && st.type === 'directory') return failed(`${destFile} is a directory`);
  if (st.exists && st.type === 'other') return failed(`${destFile} is not a regular file`);
  const same = st.exists && (st.sha256 !== undefined ? st.sha256 === sha256(text) : st.content === text);
  const attrArgs = { mode, owner: a.owner, group: a.group };

  if (!same) {
    const ops: Op[] = [];
    const parent = dirname(destFile);
    // A followed link's target exists, and so does its directory (which was not gathered).
    const parentState = parent && !via ? ctx.file(normPath(parent)) : undefined;
    if (parentState && !parentState.exists) {
      if (!a.dest.endsWith('/')) {
        if (!ctx.checkMode) return failed(`Destination directory ${parent} does not exist`);
      } else {
        for (const d of ancestors(destFile).filter((x) => !ctx.file(x).exists).reverse()) {
          ops.push({ op: 'mkdir', path: d, ...(a.directory_mode !== undefined ? { mode: dirMode(a.directory_mode) } : {}) });
        }
      }
    }
    const diff: FileDiff = {
      path: destFile,
      before: st.exists ? (st.content ?? '') : '',
      after: text,
      beforeHeader: st.exists ? linkLabel({ path: destFile, via }) : null,
      afterHeader: srcPath ?? linkLabel({ path: destFile, via }),
    };
    if (!st.exists) {
      const attrs = planAttrs(destFile, undefined, attrArgs);
      ops.push({ op: 'write', path: destFile, content: text, expectSha256: null, mode: attrs.mode ?? 0o644 });
      const own = ownershipOp(destFile, attrArgs);
      if (own) ops.push(own);
    } else {
      const attrs = planAttrs(destFile, st, attrArgs);
      const write: Extract<Op, { op: 'write' }> = { op: 'write', path: destFile, content: text, expectSha256: st.sha256 ?? null, ...viaField({ via }) };
      if (attrs.op?.mode !== undefined) {
        write.mode = attrs.op.mode;
        delete attrs.op.mode;
      }
      ops.push(write);
      if (attrs.op && (attrs.op.uid !== undefined || attrs.op.gid !== undefined || attrs.op.owner !== undefined || attrs.op.group !== undefined)) ops.push(attrs.op);
      if (attrs.summary.length) diff.attrs = attrs.summary;
    }
    const msg = st.exists ? `${destFile} content differs` : `${destFile} will be created`;
    return { status: 'changed', msg, ops, diffs: st.exists && st.content === undefined ? [] : [diff], result: { ...baseResult, changed: true }, ...extra };
  }

  // Same content: Ansible runs the file module (state=file) to fix attributes.
  const attrs = planAttrs(destFile, st, attrArgs);
  if (!attrs.changed) return { status: 'ok', msg: `${destFile} already has this content`, ops: [], diffs: [], result: { ...baseResult, changed: false } };
  const diff: FileDiff = {
    path: destFile,
    before: ansibleDiffJson({ path: destFile, ...attrs.before }),
    after: ansibleDiffJson({ path: destFile, ...attrs.after }),
    beforeHeader: null,
    afterHeader: null,
    attrs: attrs.summary,
  };
  return { status: 'changed', msg: attrs.summary.join(', '), ops: attrs.op ? [attrs.op] : [], diffs: [diff], result: { ...baseResult, changed: true }, ...extra };
}

/**
 * `copy` onto a symlink without follow (or a dangling one), as Ansible 2.14 does it: the link
 * is unlinked and a new regular file takes its place (0644 from the umask unless `mode` says
 * otherwise; the target is left alone) — changed even when the bytes are the same, and then
 * without a diff. force=no keeps a link that resolves ("file already exists").
 */
function replaceLink(a: Args, dest: string, text: string, mode: number | string | undefined, real: ReturnType<PlanContext['file']> | undefined, srcPath: string | undefined): ModulePlan {
  const baseResult = { dest, ...(srcPath ? { src: srcPath } : {}), checksum: sha1(text) };
  if (real?.exists && !a.force) return { status: 'ok', msg: `${dest} exists and force=no`, ops: [], diffs: [], result: { ...baseResult, changed: false } };
  const attrArgs = { mode, owner: a.owner, group: a.group };
  const attrs = planAttrs(dest, undefined, attrArgs);
  const ops: Op[] = [
    { op: 'remove', path: dest, expectSha256: null },
    { op: 'write', path: dest, content: text, expectSha256: null, mode: attrs.mode ?? 0o644 },
  ];
  const own = ownershipOp(dest, attrArgs);
  if (own) ops.push(own);
  const before = real?.exists ? real.content : '';
  const diffs: FileDiff[] = before === undefined || before === text ? [] : [{ path: dest, before, after: text, beforeHeader: real?.exists ? dest : null, afterHeader: srcPath ?? dest, attrs: ['symlink -> file'] }];
  return { status: 'changed', msg: `${dest} is a symlink: replaced by a file (follow=no, as Ansible)`, ops, diffs, result: { ...baseResult, changed: true } };
}

function dirMode(m: number | string): number {
  if (typeof m === 'number') return m;
  const v = parseInt(m.replace(/^0o/i, ''), 8);
  return Number.isNaN(v) ? 0o755 : v;
}

