/**
 * A symlinked path, as Ansible's text modules treat it (ansible-core 2.14, run on a lab node,
 * docs/nodes.md "Symlinks"): lineinfile, replace (and crane-fix's yaml_edit, which follows them)
 * read through the link and write `os.path.realpath(path)` — the link stays a link, the target
 * keeps its mode and owner. `copy follow=yes` does the same; `copy` without follow replaces the
 * link itself (copy.ts). The gather resolved the link on the node (FileState.realPath) and read
 * the target under that path.
 */
import type { FileState, PlanContext } from './types.js';
import { normPath } from './virtualFs.js';

export interface Followed {
  /** Where to read and write: the path itself, or the link's real target. */
  path: string;
  state: FileState;
  /** The link that was followed (journaled too, so a rollback finds it a link again). */
  via?: string;
  /** Warnings for the task's output (systemd-resolved's files). */
  warnings: string[];
}

/** systemd-resolved owns these: whatever is written there is replaced when it restarts. */
const RESOLVED_DIR = '/run/systemd/resolve/';

export function resolvedWarning(path: string, real: string): string {
  return (
    `${path} is ${real}, which systemd-resolved writes: it will overwrite this change when it restarts or its DNS ` +
    'settings change. To make it last, set DNS=/Domains= in /etc/systemd/resolved.conf (or a drop-in in ' +
    '/etc/systemd/resolved.conf.d/) and run `systemctl restart systemd-resolved`, or point kubelet\'s resolvConf at a ' +
    'file you own (e.g. /etc/kubernetes/resolv.conf).\n' +
    `${path} 实际是 ${real}，由 systemd-resolved 生成：它重启或 DNS 设置变化时会覆盖本次修改。要长期生效，请在 ` +
    '/etc/systemd/resolved.conf（或 /etc/systemd/resolved.conf.d/ 下的配置片段）中设置 DNS=/Domains= 并执行 ' +
    '`systemctl restart systemd-resolved`，或让 kubelet 的 resolvConf 指向一个由你维护的文件（如 /etc/kubernetes/resolv.conf）。'
  );
}

/**
 * The state to plan against for `path`: its own when it is no symlink, else its target's.
 * A link the node could not resolve (a loop) or one made earlier in this run (file state=link,
 * applied to the virtual files only) has no realPath: refused.
 */
export function followLink(ctx: PlanContext, path: string): Followed | { error: string } {
  const st = ctx.file(path);
  if (!st.exists || st.type !== 'symlink') return { path, state: st, warnings: path.startsWith(RESOLVED_DIR) ? [resolvedWarning(path, path)] : [] };
  if (st.realPath === undefined) return { error: `${path} is a symlink crane-fix did not resolve on the host (a link loop, or one made by an earlier task of this run): give the target's path` };
  const real = st.realPath;
  return { path: real, state: ctx.file(real), via: path, warnings: real.startsWith(RESOLVED_DIR) ? [resolvedWarning(path, real)] : [] };
}

/**
 * lineinfile, replace and yaml_edit: their `path` followed, or why not (an unresolved link, or
 * mode/owner/group given for a symlinked path).
 */
export function followForEdit(ctx: PlanContext, a: { path: string; mode?: unknown; owner?: unknown; group?: unknown }): Followed | { error: string } {
  const f = followLink(ctx, normPath(a.path));
  if ('error' in f) return f;
  const refused = attrsThroughLink(a.path, f, a);
  return refused ? { error: refused } : f;
}

/** The diff's name for the file: `shown`, or `shown -> target` when the edit went through a link. */
export function linkLabel(f: Pick<Followed, 'path' | 'via'>, shown: string = f.via ?? f.path): string {
  return f.via ? `${shown} -> ${f.path}` : shown;
}

/** A write op's `via` (the link journaled beside its target), when there was one. */
export function viaField(f: Pick<Followed, 'via'>): { via?: string } {
  return f.via ? { via: f.via } : {};
}

/**
 * mode/owner/group with a symlinked path (lineinfile, replace, yaml_edit): Ansible (no
 * `follow` for these) compares them with the link itself — lstat says 0777 — so it reports a
 * change on every run, chmods the target and puts its old mode back, and lchowns the link,
 * never the target. Nothing sensible to copy: refused, with what to write instead.
 */
function attrsThroughLink(dest: string, f: Followed, a: { mode?: unknown; owner?: unknown; group?: unknown }): string | undefined {
  if (!f.via || (a.mode === undefined && a.owner === undefined && a.group === undefined)) return undefined;
  return (
    `${dest} is a symlink to ${f.path}: mode/owner/group on a symlinked path are refused (Ansible applies them to the link, ` +
    `reports a change on every run and leaves ${f.path} alone); give the target's path, or set them with file: path=${dest} (follow=yes)`
  );
}
