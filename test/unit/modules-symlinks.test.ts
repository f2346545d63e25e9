/**
 * Planners on a symlinked path (issue 19 part 3), as ansible-core 2.14 behaves on a lab node
 * (docs/nodes.md "Symlinks"): lineinfile, replace and yaml_edit (and copy follow=yes) write the
 * link's real target and keep the link; copy without follow replaces the link with a file.
 * The gather puts the target's fact in the map under the link's realPath (remoteScript.test.ts).
 */
import { describe, it, expect } from 'vitest';
import { lineinfileModule } from '../../src/modules/lineinfile.js';
import { replaceModule } from '../../src/modules/replace.js';
import { yamlEditModule } from '../../src/modules/yamlEdit.js';
import { copyModule } from '../../src/modules/copy.js';
import { fileModule } from '../../src/modules/file.js';
import { unifiedDiff } from '../../src/modules/virtualFs.js';
import { snapshotBeforeTouch } from '../../src/engine/snapshots.js';
import type { FileState, ModuleDef, PlanContext } from '../../src/modules/types.js';
import type { Snapshot } from '../../src/modules/types.js';
import { fileState, filesMap, parseArgs, type FileSpec } from './modules-helpers.js';

const STUB = '/run/systemd/resolve/stub-resolv.conf';
const link = (linkTarget: string, realPath: string): FileSpec => ({ type: 'symlink', linkTarget, realPath, mode: 0o777, content: undefined });
const resolv = 'nameserver 127.0.0.53\nsearch a\n';

function ctxOf(files: Map<string, FileState>, checkMode = false): PlanContext {
  return {
    checkMode,
    file: (p) => files.get(p) ?? { path: p, exists: false },
    command: () => {
      throw new Error('no commands');
    },
  };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const plan = (mod: ModuleDef<any>, args: unknown, files: Record<string, FileSpec>, checkMode = false) => mod.plan(parseArgs(mod, args), ctxOf(filesMap(files), checkMode));

const node = (): Record<string, FileSpec> => ({
  '/etc/resolv.conf': link('../run/systemd/resolve/stub-resolv.conf', STUB),
  [STUB]: { content: resolv, mode: 0o640, uid: 0, gid: 1, group: 'daemon' },
});

describe('lineinfile / replace / yaml_edit follow a symlinked path like Ansible', () => {
  it('lineinfile writes the real target, names it in the diff, and warns for systemd-resolved (en + zh)', () => {
    const p = plan(lineinfileModule, { path: '/etc/resolv.conf', line: 'nameserver 9.9.9.9' }, node());
    expect(p.status).toBe('changed');
    expect(p.ops).toEqual([{ op: 'write', path: STUB, content: resolv + 'nameserver 9.9.9.9\n', expectSha256: fileState(STUB, resolv).sha256, via: '/etc/resolv.conf' }]);
    expect(unifiedDiff(p.diffs[0]!)).toContain(`--- before: /etc/resolv.conf -> ${STUB} (content)`);
    expect(p.warnings?.[0]).toMatch(/systemd-resolved writes: it will overwrite this change[\s\S]*DNS=\/Domains= in \/etc\/systemd\/resolved.conf/);
    expect(p.warnings?.[0]).toContain('由 systemd-resolved 生成');
    // already there: ok, no warning needed
    const again = plan(lineinfileModule, { path: '/etc/resolv.conf', line: 'search a' }, node());
    expect(again).toMatchObject({ status: 'ok', ops: [] });
    expect(again.warnings).toBeUndefined();
  });

  it('lineinfile state=absent and a dangling link: Ansible\'s messages; create=yes creates the target', () => {
    expect(plan(lineinfileModule, { path: '/etc/resolv.conf', regexp: '^search', state: 'absent' }, node()).ops[0]).toMatchObject({ path: STUB, content: 'nameserver 127.0.0.53\n' });
    const dangling = { '/etc/x.conf': link('/opt/repo/x.conf', '/opt/repo/x.conf') };
    expect(plan(lineinfileModule, { path: '/etc/x.conf', line: 'a' }, dangling)).toMatchObject({ status: 'failed', msg: 'Destination /etc/x.conf does not exist !' });
    const created = plan(lineinfileModule, { path: '/etc/x.conf', line: 'a', create: true }, dangling);
    expect(created.ops).toEqual([{ op: 'write', path: '/opt/repo/x.conf', content: 'a\n', expectSha256: null, via: '/etc/x.conf' }]);
  });

  it('replace and yaml_edit write the target; a link not resolved on the host is refused', () => {
    const r = plan(replaceModule, { path: '/etc/resolv.conf', regexp: '127\\.0\\.0\\.53', replace: '10.0.0.1' }, node());
    expect(r.ops[0]).toMatchObject({ op: 'write', path: STUB, via: '/etc/resolv.conf', content: 'nameserver 10.0.0.1\nsearch a\n' });
    expect(unifiedDiff(r.diffs[0]!)).toContain(`+++ after: /etc/resolv.conf -> ${STUB}\n`);
    expect(r.warnings).toHaveLength(1);
    expect(plan(replaceModule, { path: '/etc/x', regexp: 'a', replace: 'b' }, { '/etc/x': link('/nowhere', '/nowhere') })).toMatchObject({ status: 'failed', msg: 'Path /etc/x does not exist !' });
    const y = plan(yamlEditModule, { path: '/var/lib/kubelet/config.yaml', key: 'a', value: 2 }, {
      '/var/lib/kubelet/config.yaml': link('/opt/config-repo/kubelet.yaml', '/opt/config-repo/kubelet.yaml'),
      '/opt/config-repo/kubelet.yaml': 'a: 1\n',
    });
    expect(y.ops).toEqual([{ op: 'write', path: '/opt/config-repo/kubelet.yaml', content: 'a: 2\n', expectSha256: fileState('/x', 'a: 1\n').sha256, via: '/var/lib/kubelet/config.yaml' }]);
    expect(y.warnings).toBeUndefined();
    expect(plan(replaceModule, { path: '/etc/x', regexp: 'a', replace: 'b' }, { '/etc/x': { type: 'symlink', linkTarget: '/t', content: undefined } })).toMatchObject({ status: 'failed', msg: expect.stringContaining('is a symlink crane-fix did not resolve on the host (a link loop, or one made by an earlier task of this run)') });
  });

  it('a write through a link journals the link and the target (the rollback restores both)', () => {
    const files = filesMap(node());
    const p = lineinfileModule.plan(parseArgs(lineinfileModule, { path: '/etc/resolv.conf', line: 'x' }), ctxOf(files));
    const snaps = new Map<string, Snapshot>();
    snapshotBeforeTouch(p.ops[0]!, snaps, files, 'h');
    expect(snaps.get(STUB)).toMatchObject({ existed: true, type: 'file', mode: 0o640, gid: 1, contentB64: Buffer.from(resolv).toString('base64') });
    expect(snaps.get('/etc/resolv.conf')).toMatchObject({ existed: true, type: 'symlink', linkTarget: '../run/systemd/resolve/stub-resolv.conf' });
  });
});

describe('attributes through a link', () => {
  it('lineinfile/replace/yaml_edit refuse mode/owner/group on a symlinked path (Ansible applies them to the link)', () => {
    for (const [mod, args] of [
      [lineinfileModule, { path: '/etc/resolv.conf', line: 'x', mode: '0600' }],
      [replaceModule, { path: '/etc/resolv.conf', regexp: 'a', replace: 'b', owner: 'root' }],
      [yamlEditModule, { path: '/etc/resolv.conf', key: 'a', value: 1, group: 'root' }],
    ] as const) {
      expect(plan(mod, args, node())).toMatchObject({ status: 'failed', msg: expect.stringContaining(`/etc/resolv.conf is a symlink to ${STUB}: mode/owner/group on a symlinked path are refused`) });
    }
  });

  it('file follow=yes: state=file/touch set the target\'s mode; a dangling link fails as in Ansible', () => {
    const f = plan(fileModule, { path: '/etc/resolv.conf', state: 'file', mode: '0644' }, node());
    expect(f.ops).toEqual([{ op: 'attrs', path: STUB, mode: 0o644 }]);
    const t = plan(fileModule, { path: '/etc/resolv.conf', state: 'touch', mode: '0600' }, node());
    expect(t.ops).toEqual([{ op: 'exec', command: `touch -c -- ${STUB}` }, { op: 'attrs', path: STUB, mode: 0o600 }]);
    const dangling = { '/etc/x': link('/opt/none', '/opt/none') };
    expect(plan(fileModule, { path: '/etc/x', state: 'file' }, dangling)).toMatchObject({ status: 'failed', msg: 'file (/opt/none) is absent, cannot continue' });
    expect(plan(fileModule, { path: '/etc/x', state: 'touch' }, dangling)).toMatchObject({ status: 'failed', msg: "Error while updating modification or access time: [Errno 2] No such file or directory: b'/opt/none'" });
    expect(plan(fileModule, { path: '/etc/x', state: 'directory', mode: '0700' }, dangling).ops).toEqual([{ op: 'mkdir', path: '/opt/none', mode: 0o700 }]);
    expect(plan(fileModule, { path: '/etc/x', state: 'file', follow: false }, dangling)).toMatchObject({ status: 'failed', msg: 'file (/etc/x) is link, cannot continue' });
  });
});

describe('copy on a symlinked dest', () => {
  it('follow=no (default): the link is replaced by a 0644 file, changed even with the same bytes', () => {
    const p = plan(copyModule, { dest: '/etc/resolv.conf', content: 'nameserver 1.1.1.1\n' }, node());
    expect(p.ops).toEqual([
      { op: 'remove', path: '/etc/resolv.conf', expectSha256: null },
      { op: 'write', path: '/etc/resolv.conf', content: 'nameserver 1.1.1.1\n', expectSha256: null, mode: 0o644 },
    ]);
    const same = plan(copyModule, { dest: '/etc/resolv.conf', content: resolv }, node());
    expect(same).toMatchObject({ status: 'changed', diffs: [] });
    expect(plan(copyModule, { dest: '/etc/resolv.conf', content: 'x', force: false }, node())).toMatchObject({ status: 'ok' });
  });

  it('follow=yes: the target is written (mode kept), the same bytes are ok; a dangling link is still replaced', () => {
    const p = plan(copyModule, { dest: '/etc/resolv.conf', content: 'nameserver 1.1.1.1\n', follow: true }, node());
    expect(p.ops).toEqual([{ op: 'write', path: STUB, content: 'nameserver 1.1.1.1\n', expectSha256: fileState(STUB, resolv).sha256, via: '/etc/resolv.conf' }]);
    expect(p.warnings).toHaveLength(1);
    expect(plan(copyModule, { dest: '/etc/resolv.conf', content: resolv, follow: true }, node())).toMatchObject({ status: 'ok', ops: [] });
    const d = plan(copyModule, { dest: '/etc/x', content: 'x\n', follow: true }, { '/etc/x': link('/opt/none', '/opt/none') });
    expect(d.ops.map((o) => o.op)).toEqual(['remove', 'write']);
  });
});
