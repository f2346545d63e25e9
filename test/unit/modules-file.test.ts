import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileModule } from '../../src/modules/file.js';
import type { FileState } from '../../src/modules/types.js';
import { applyOps, sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { run, runTwice, type FileSpec } from './modules-helpers.js';
import { oracle, oracleAvailable } from './modules-oracle/oracle.js';

const dir = (mode = 0o755): FileSpec => ({ type: 'directory', mode });

describe('file', () => {
  it('state=directory creates every missing parent (mkdir -p with the mode on each new dir)', () => {
    const { plan } = run(fileModule, { path: '/var/lib/crane/a/b', state: 'directory', mode: '0700', owner: 'kube' }, { '/var': dir(), '/var/lib': dir() });
    expect(plan.ops).toEqual([
      { op: 'mkdir', path: '/var/lib/crane', mode: 0o700 },
      { op: 'attrs', path: '/var/lib/crane', owner: 'kube' },
      { op: 'mkdir', path: '/var/lib/crane/a', mode: 0o700 },
      { op: 'attrs', path: '/var/lib/crane/a', owner: 'kube' },
      { op: 'mkdir', path: '/var/lib/crane/a/b', mode: 0o700 },
      { op: 'attrs', path: '/var/lib/crane/a/b', owner: 'kube' },
    ]);
    expect(unifiedDiff(plan.diffs[0]!)).toBe(
      '--- before\n+++ after\n@@ -1,5 +1,5 @@\n {\n-    "mode": "0755",\n+    "mode": "0700",\n     "path": "/var/lib/crane/a/b",\n-    "state": "absent"\n+    "state": "directory"\n }\n\n',
    );
  });

  it('state=directory on an existing dir only fixes attributes', () => {
    expect(run(fileModule, { path: '/d', state: 'directory' }, { '/d': dir() }).plan).toMatchObject({ status: 'ok', ops: [] });
    expect(run(fileModule, { path: '/d', state: 'directory', mode: 'g+w' }, { '/d': dir() }).plan.ops).toEqual([{ op: 'attrs', path: '/d', mode: 0o775 }]);
    expect(run(fileModule, { path: '/d', state: 'directory' }, { '/d': 'a file' }).plan).toMatchObject({ status: 'failed', msg: '/d already exists as a file' });
  });

  it('state=absent removes files and (recursively) directories, guarded', () => {
    expect(run(fileModule, { path: '/f', state: 'absent' }, { '/f': 'x' }).plan.ops).toEqual([{ op: 'remove', path: '/f', expectSha256: sha256('x') }]);
    expect(run(fileModule, { path: '/d', state: 'absent' }, { '/d': dir() }).plan.ops).toEqual([{ op: 'remove', path: '/d', expectSha256: null, recursive: true }]);
    expect(run(fileModule, { path: '/f', state: 'absent' }, {}).plan).toMatchObject({ status: 'ok', ops: [], result: { changed: false, state: 'absent' } });
  });

  it('a link path without state: unchanged without attributes; mode/owner/group through the link fail clearly (found by parity-upstream up_file_follow)', () => {
    const link: FileSpec = { type: 'symlink', linkTarget: './target' };
    // The link's target was never read: planning must not need it (it used to fail with "fact … was not gathered").
    expect(run(fileModule, { path: '/d/l' }, { '/d/l': link }).plan).toMatchObject({ status: 'ok', ops: [] });
    expect(run(fileModule, { path: '/d/l', state: 'link' }, { '/d/l': link }).plan).toMatchObject({ status: 'ok', ops: [] });
    for (const attr of [{ mode: '0644' }, { owner: 'nobody' }, { group: 'nogroup' }, { mode: '0644', follow: false }]) {
      expect(run(fileModule, { path: '/d/l', ...attr }, { '/d/l': link }).plan).toMatchObject({
        status: 'failed',
        ops: [],
        msg: '/d/l is a symlink: crane-fix does not set mode/owner/group through a link (Ansible sets them on its target): use the target\'s path',
      });
    }
  });

  it('state=file never creates; fixes mode/owner of an existing file', () => {
    expect(run(fileModule, { path: '/f', state: 'file' }, {}).plan).toMatchObject({ status: 'failed', msg: 'file (/f) is absent, cannot continue' });
    const { plan } = run(fileModule, { path: '/f', mode: 'u=rw,go=' }, { '/f': 'x' });
    expect(plan.ops).toEqual([{ op: 'attrs', path: '/f', mode: 0o600 }]);
  });

  it('state=link creates, retargets, or refuses like Ansible', () => {
    expect(run(fileModule, { path: '/l', src: '/t', state: 'link', force: true }, {}).plan.ops).toEqual([{ op: 'symlink', path: '/l', target: '/t' }]);
    expect(run(fileModule, { path: '/l', src: '/t', state: 'link' }, {}).plan).toMatchObject({ status: 'failed', msg: 'src file does not exist, use "force=yes" if you really want to create the link: /t' });
    expect(run(fileModule, { path: '/l', src: '/t', state: 'link' }, { '/t': 'x' }).plan.ops).toEqual([{ op: 'symlink', path: '/l', target: '/t' }]);
    expect(run(fileModule, { path: '/l', src: '/t', state: 'link' }, { '/t': 'x', '/l': { type: 'symlink', linkTarget: '/t' } }).plan).toMatchObject({ status: 'ok', ops: [] });
    const re = run(fileModule, { path: '/l', src: '/t2', state: 'link', force: true }, { '/l': { type: 'symlink', linkTarget: '/t' } }).plan;
    expect(re.ops).toEqual([{ op: 'symlink', path: '/l', target: '/t2' }]);
    expect(unifiedDiff(re.diffs[0]!)).toContain('-    "src": "/t"\n+    "src": "/t2"');
    expect(run(fileModule, { path: '/l', src: '/t', state: 'link' }, { '/t': 'x', '/l': 'file' }).plan).toMatchObject({ status: 'failed', msg: 'refusing to convert from file to symlink for /l' });
    expect(run(fileModule, { path: '/l', src: '/t', state: 'link', force: true }, { '/l': 'file' }).plan.ops).toEqual([
      { op: 'remove', path: '/l', expectSha256: sha256('file') },
      { op: 'symlink', path: '/l', target: '/t' },
    ]);
  });

  it('state=touch is always changed (timestamps), creates an empty file when absent', () => {
    expect(run(fileModule, { path: '/f', state: 'touch' }, { '/f': 'x' }).plan.ops).toEqual([{ op: 'exec', command: 'touch -c -- /f' }]);
    expect(run(fileModule, { path: '/f', state: 'touch', mode: '0600' }, {}).plan.ops).toEqual([{ op: 'write', path: '/f', content: '', expectSha256: null, mode: 0o600 }]);
  });

  it('unsupported options are load-time errors', () => {
    const ok = (a: object) => fileModule.args.safeParse(a).success;
    expect(ok({ path: '/d', state: 'directory', recurse: true })).toBe(false);
    expect(ok({ path: '/d', state: 'hard', src: '/x' })).toBe(false);
    expect(ok({ path: '/d', src: '/x' })).toBe(false);
    expect(ok({ path: '/d', state: 'link', src: '/x', mode: '0644' })).toBe(false);
    expect(ok({ path: '/d', modification_time: 'now' })).toBe(false);
    expect(ok({ path: '/d', mode: 'u+q' })).toBe(false);
    expect(ok({ path: '/d', mode: 0o644 })).toBe(true);
  });

  it('is idempotent and deterministic (property)', () => {
    const before = fc.constantFrom<FileSpec>(null, 'x', { type: 'directory', mode: 0o755 }, { content: 'y', mode: 0o600 });
    const args = fc.record(
      { state: fc.constantFrom('directory', 'absent', 'file'), mode: fc.constantFrom('0750', 'u+x', 'go-rwx', 'a=r'), owner: fc.constantFrom('root', 'kube', '1000') },
      { requiredKeys: ['state'] },
    );
    fc.assert(
      fc.property(before, args, (b, a) => {
        const files = { '/srv': { type: 'directory' as const }, '/srv/p': b };
        const first = run(fileModule, { path: '/srv/p', ...a }, files);
        if (first.plan.status === 'failed') return;
        const { second } = runTwice(fileModule, { path: '/srv/p', ...a }, files);
        expect(second.plan.ops, JSON.stringify({ b, a })).toEqual([]);
        expect(second.plan.status).toBe('ok');
        expect(run(fileModule, { path: '/srv/p', ...a }, files).plan).toEqual(first.plan);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('matches ansible-core (differential: changed, resulting type/mode, diff)', () => {
    if (!oracleAvailable()) return;
    type Init = null | string | { dir: true } | { link: string };
    const init = fc.constantFrom<[Init, number | undefined]>([null, undefined], ['x', 0o644], ['x', 0o600], [{ dir: true }, 0o755], [{ dir: true }, 0o700], [{ link: 't' }, undefined]);
    const args = fc.record(
      {
        state: fc.constantFrom('directory', 'absent', 'file', 'link'),
        mode: fc.constantFrom('0750', '0644', 'u+x', 'go-rwx', 'a=r', 'u=rwX,g=rX,o=', 0o600),
        src: fc.constantFrom('t', 'other'),
        force: fc.boolean(),
      },
      { requiredKeys: ['state'] },
    );
    const cases = fc
      .sample(fc.tuple(init, args, fc.boolean()), { numRuns: 700, seed: 5 })
      .filter(([, a]) => fileModule.args.safeParse({ path: '/x', ...a }).success)
;
    const ans = oracle(
      cases.map(([[i, mode], a, check]) => ({ kind: 'module', module: 'file', args: { path: '@@/p', ...a }, files: { p: i, t: 'target' }, modes: mode !== undefined ? { p: mode } : {}, check })),
    );
    let compared = 0;
    cases.forEach(([[i, mode], a, check], n) => {
      const want = ans[n];
      // A link as the gather reports it: its text and where it resolves (the target is read too).
      const spec: FileSpec = i === null ? null : typeof i === 'string' ? { content: i, mode } : 'link' in i ? { type: 'symlink', linkTarget: i.link, realPath: '@@/t', mode: 0o777, content: undefined } : { type: 'directory', mode };
      const { plan, files } = run(fileModule, { path: '@@/p', ...a }, { '@@/p': spec, '@@/t': 'target', '@@': { type: 'directory' } }, { checkMode: check });
      const label = JSON.stringify({ i, mode, a, check, want, plan });
      if (want.result.failed) {
        expect(plan.status, label).toBe('failed');
        return;
      }
      if (plan.status === 'failed' && /crane-fix/.test(plan.msg ?? '')) return; // documented refusal
      compared++;
      expect(plan.status === 'changed', label).toBe(want.result.changed);
      if (!check) {
        const after = applyOps(files, plan.ops).get('@@/p') as FileState;
        const type = !after?.exists ? 'absent' : after.type === 'directory' ? 'dir' : after.type === 'symlink' ? 'link' : 'file';
        expect(type, label).toBe(want.files['p#type']);
        if (type === 'file' || type === 'dir') expect('0o' + after.mode!.toString(8), label).toBe(want.files['p#mode']);
        if (type === 'link') expect(after.linkTarget, label).toBe(want.files['p#target']);
        // A followed link: the target got the attributes.
        const t = applyOps(files, plan.ops).get('@@/t') as FileState;
        if (i && typeof i === 'object' && 'link' in i && t.exists && t.type === 'file') expect('0o' + t.mode!.toString(8), label).toBe(want.files['t#mode']);
      }
      const d = want.result.diff;
      if (d && (d.before || d.after) && plan.status === 'changed' && a.state !== 'absent') {
        const render = (x: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : 1))), null, 4) + '\n';
        expect(plan.diffs[0] && unifiedDiff(plan.diffs[0]), label).toBe(unifiedDiff({ path: '', before: render(d.before), after: render(d.after), beforeHeader: null, afterHeader: null }));
      }
    });
    expect(compared).toBeGreaterThan(60);
  }, 60_000);
});
