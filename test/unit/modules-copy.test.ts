import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { copyModule, copySrcCandidates } from '../../src/modules/copy.js';
import { sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { run, runTwice } from './modules-helpers.js';
import fc from 'fast-check';

const PB_DIR = fileURLToPath(new URL('../fixtures/playbooks', import.meta.url));
const dir = { type: 'directory' as const, mode: 0o755 };

describe('copy', () => {
  it('creates a new file from content with mode 0644 by default', () => {
    const { plan } = run(copyModule, { content: 'hello\n', dest: '/etc/motd' }, { '/etc': dir, '/etc/motd': null });
    expect(plan.status).toBe('changed');
    expect(plan.ops).toEqual([{ op: 'write', path: '/etc/motd', content: 'hello\n', expectSha256: null, mode: 0o644 }]);
    expect(unifiedDiff(plan.diffs[0]!)).toBe('--- before\n+++ after: /etc/motd\n@@ -0,0 +1 @@\n+hello\n\n');
    expect(plan.result).toMatchObject({ changed: true, dest: '/etc/motd', checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f' });
  });

  it('replaces differing content, keeping the mode unless asked, and sets owner', () => {
    const { plan } = run(copyModule, { content: 'new\n', dest: '/etc/x', mode: '0600', owner: 'kube', group: '0' }, { '/etc': dir, '/etc/x': { content: 'old\n', mode: 0o644, gid: 0 } });
    expect(plan.ops).toEqual([
      { op: 'write', path: '/etc/x', content: 'new\n', expectSha256: sha256('old\n'), mode: 0o600 },
      { op: 'attrs', path: '/etc/x', owner: 'kube' },
    ]);
    expect(plan.diffs[0]!.attrs).toEqual(['mode 0644 -> 0600', 'owner root -> kube']);
  });

  it('same content: ok, or only attributes (as Ansible\'s file module diff)', () => {
    expect(run(copyModule, { content: 'x\n', dest: '/etc/x' }, { '/etc': dir, '/etc/x': 'x\n' }).plan).toMatchObject({ status: 'ok', ops: [] });
    const { plan } = run(copyModule, { content: 'x\n', dest: '/etc/x', mode: '0400' }, { '/etc': dir, '/etc/x': 'x\n' });
    expect(plan.ops).toEqual([{ op: 'attrs', path: '/etc/x', mode: 0o400 }]);
    expect(unifiedDiff(plan.diffs[0]!)).toBe('--- before\n+++ after\n@@ -1,4 +1,4 @@\n {\n-    "mode": "0644",\n+    "mode": "0400",\n     "path": "/etc/x"\n }\n\n');
  });

  it('force=no never overwrites', () => {
    expect(run(copyModule, { content: 'new', dest: '/etc/x', force: 'no' }, { '/etc': dir, '/etc/x': 'old' }).plan).toMatchObject({ status: 'ok', ops: [] });
  });

  it('dest ending in / puts src inside it and creates missing directories', () => {
    const { plan, facts } = run(copyModule, { src: '99-k8s.conf', dest: '/etc/sysctl.d/new/' }, { '/etc': dir, '/etc/sysctl.d': dir }, { playbookDir: PB_DIR });
    expect(facts.map((f) => (f as { path: string }).path)).toEqual(['/etc/sysctl.d/new/99-k8s.conf', '/etc/sysctl.d/new', '/etc/sysctl.d', '/etc']);
    expect(plan.ops).toEqual([
      { op: 'mkdir', path: '/etc/sysctl.d/new' },
      { op: 'write', path: '/etc/sysctl.d/new/99-k8s.conf', content: 'net.ipv4.ip_forward = 1\n', expectSha256: null, mode: 0o644 },
    ]);
    expect(plan.diffs[0]!.afterHeader).toBe(`${PB_DIR}/files/99-k8s.conf`);
  });

  it('a src with a BOM is copied with its BOM (TextDecoder would drop it); the same file is ok, a dest without it changes', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'crane-fix-copy-bom-'));
    try {
      writeFileSync(join(tmp, 'bom.txt'), '\ufeffa=1\r\n');
      const lf = run(copyModule, { src: 'bom.txt', dest: '/etc/x' }, { '/etc': dir, '/etc/x': 'a=1\r\n' }, { playbookDir: tmp }).plan;
      expect(lf).toMatchObject({ status: 'changed', ops: [{ op: 'write', content: '\ufeffa=1\r\n' }] });
      expect(run(copyModule, { src: 'bom.txt', dest: '/etc/x' }, { '/etc': dir, '/etc/x': '\ufeffa=1\r\n' }, { playbookDir: tmp }).plan.status).toBe('ok');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('an existing directory dest receives src inside it', () => {
    const { plan } = run(copyModule, { src: '99-k8s.conf', dest: '/etc/sysctl.d' }, { '/etc': dir, '/etc/sysctl.d': dir }, { playbookDir: PB_DIR });
    expect(plan.ops[0]).toMatchObject({ op: 'write', path: '/etc/sysctl.d/99-k8s.conf' });
    expect(run(copyModule, { content: 'x', dest: '/etc/sysctl.d' }, { '/etc': dir, '/etc/sysctl.d': dir }).plan).toMatchObject({ status: 'failed', msg: 'can not use content with a dir as dest' });
  });

  it('missing parent directory: fails at apply, "changed" in check mode (like Ansible)', () => {
    expect(run(copyModule, { content: 'x', dest: '/nope/x' }, {}).plan).toMatchObject({ status: 'failed', msg: 'Destination directory /nope does not exist' });
    expect(run(copyModule, { content: 'x', dest: '/nope/x' }, {}, { checkMode: true }).plan.status).toBe('changed');
  });

  it('src lookup order and a missing src', () => {
    expect(copySrcCandidates('a.conf', '/pb')).toEqual(['/pb/files/a.conf', '/pb/a.conf']);
    expect(copySrcCandidates('/abs/a.conf', '/pb')).toEqual(['/abs/a.conf']);
    const { plan } = run(copyModule, { src: 'missing.conf', dest: '/etc/x' }, { '/etc': dir }, { playbookDir: PB_DIR });
    expect(plan.status).toBe('failed');
    expect(plan.msg).toMatch(/^Could not find or access 'missing.conf'/);
  });

  it('dict content is json.dumps()ed like the action plugin', () => {
    const { plan } = run(copyModule, { content: { a: 1, b: [true, null, 'é'] }, dest: '/etc/x.json' }, { '/etc': dir });
    expect((plan.ops[0] as { content: string }).content).toBe('{"a": 1, "b": [true, null, "\\u00e9"]}');
  });

  it('argument rules', () => {
    const ok = (a: object) => copyModule.args.safeParse(a).success;
    expect(ok({ dest: '/x' })).toBe(false);
    expect(ok({ dest: '/x', src: 'a', content: 'b' })).toBe(false);
    expect(ok({ dest: '/x/', content: 'b' })).toBe(false);
    expect(ok({ dest: '/x', content: 'b', remote_src: true })).toBe(false);
  });

  it('is idempotent and deterministic (property)', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 30 })), fc.string({ maxLength: 30 }), fc.constantFrom(undefined, '0600', 'u=rw,g=r,o=', 0o640), fc.boolean(), (before, want, mode, check) => {
        const raw = { content: want, dest: '/etc/x', ...(mode !== undefined ? { mode } : {}) };
        const files = { '/etc': dir, '/etc/x': before };
        const { first, second } = runTwice(copyModule, raw, files, { checkMode: check });
        expect(second.plan.status).toBe('ok');
        expect(second.plan.ops).toEqual([]);
        expect(run(copyModule, raw, files, { checkMode: check }).plan).toEqual(first.plan);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
