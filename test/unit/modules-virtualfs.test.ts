import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pySplitlinesKeepends, pyUnifiedDiff } from '../../src/modules/difflib.js';
import type { FileState, Op } from '../../src/modules/types.js';
import { applyOps, normPath, sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { oracle, oracleAvailable } from './modules-oracle/oracle.js';

const f = (path: string, content: string, extra: Partial<FileState> = {}): FileState => ({ path, exists: true, type: 'file', mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root', content, sha256: sha256(content), ...extra });

describe('applyOps', () => {
  it('write creates or replaces content, keeps mode/owner unless given, never mutates its input', () => {
    const files = new Map([['/etc/a', f('/etc/a', 'old\n', { mode: 0o600 })]]);
    const snapshot = JSON.stringify([...files]);
    const out = applyOps(files, [
      { op: 'write', path: '/etc/a', content: 'new\n', expectSha256: sha256('old\n') },
      { op: 'write', path: '/etc/b', content: 'b', expectSha256: null, mode: 0o640 },
    ]);
    expect(JSON.stringify([...files])).toBe(snapshot);
    expect(out.get('/etc/a')).toEqual({ path: '/etc/a', exists: true, type: 'file', mode: 0o600, uid: 0, gid: 0, owner: 'root', group: 'root', content: 'new\n', sha256: sha256('new\n') });
    expect(out.get('/etc/b')).toEqual({ path: '/etc/b', exists: true, type: 'file', mode: 0o640, content: 'b', sha256: sha256('b') });
  });

  it('remove, recursive remove, mkdir, attrs, symlink, exec', () => {
    const files = new Map<string, FileState>([
      ['/d', { path: '/d', exists: true, type: 'directory', mode: 0o755 }],
      ['/d/x', f('/d/x', 'x')],
      ['/e', f('/e', 'e')],
    ]);
    const ops: Op[] = [
      { op: 'remove', path: '/d', expectSha256: null, recursive: true },
      { op: 'remove', path: '/e', expectSha256: sha256('e') },
      { op: 'mkdir', path: '/n/', mode: 0o700 },
      { op: 'attrs', path: '/n', owner: 'kube', gid: 5 },
      { op: 'symlink', path: '/l', target: '../t' },
      { op: 'exec', command: 'true' },
    ];
    const out = applyOps(files, ops);
    expect(out.get('/d')!.exists).toBe(false);
    expect(out.get('/d/x')!.exists).toBe(false);
    expect(out.get('/e')).toEqual({ path: '/e', exists: false });
    expect(out.get('/n')).toEqual({ path: '/n', exists: true, type: 'directory', mode: 0o700, owner: 'kube', gid: 5 });
    expect(out.get('/l')).toEqual({ path: '/l', exists: true, type: 'symlink', linkTarget: '../t', mode: 0o777 });
    expect(out.size).toBe(5);
  });

  it('attrs by uid drops a now-unknown owner name', () => {
    const out = applyOps(new Map([['/a', f('/a', '')]]), [{ op: 'attrs', path: '/a', uid: 1000, mode: 0o600 }]);
    expect(out.get('/a')).toMatchObject({ uid: 1000, mode: 0o600, group: 'root' });
    expect(out.get('/a')!.owner).toBeUndefined();
  });

  it('normPath', () => {
    expect(normPath('/etc//kubernetes/../sysctl.d/')).toBe('/etc/sysctl.d');
    expect(normPath('/')).toBe('/');
  });
});

describe('unifiedDiff (Ansible callback format)', () => {
  it('renders headers, hunks and the no-newline marker like ansible-playbook', () => {
    const d = unifiedDiff({ path: '/etc/x', before: 'a\nb\nc\n', after: 'a\nB\nc' });
    expect(d).toBe(
      ['--- before: /etc/x', '+++ after: /etc/x', '@@ -1,3 +1,3 @@', ' a', '-b', '-c', '+B', '+c', '\\ No newline at end of file', '', ''].join('\n'),
    );
  });

  it('uses custom headers, or none', () => {
    expect(unifiedDiff({ path: '/x', before: '', after: 'l\n', beforeHeader: null, afterHeader: '/x (content)' })).toBe('--- before\n+++ after: /x (content)\n@@ -0,0 +1 @@\n+l\n\n');
  });

  it('is empty when nothing changed', () => {
    expect(unifiedDiff({ path: '/x', before: 'same', after: 'same', attrs: ['mode 0644 -> 0600'] })).toBe('');
  });

  it('splitlines like Python', () => {
    expect(pySplitlinesKeepends('a\r\nb\rc\x0bd\n')).toEqual(['a\r\n', 'b\r', 'c\x0b', 'd\n']);
    expect(pySplitlinesKeepends('')).toEqual([]);
  });

  it('produces the same hunks as Python difflib (property, incl. >200-line autojunk)', () => {
    if (!oracleAvailable()) return;
    const line = fc.constantFrom('a\n', 'b\n', 'c\n', 'x = 1\n', '\n', '# comment\n', 'd\n', 'e\n');
    const doc = fc.array(line, { maxLength: 40 }).map((ls) => ls.join(''));
    const pairs = fc.sample(
      doc.chain((a) => fc.tuple(fc.constant(a), fc.oneof(doc, fc.constant(a), fc.constant(a.replace('a', 'A'))))),
      { numRuns: 200, seed: 7 },
    );
    const big = Array.from({ length: 260 }, (_, i) => (i % 3 === 0 ? 'same\n' : `line ${i % 17}\n`)).join('');
    pairs.push([big, big.replace('line 5\n', 'LINE 5\n').replace(/same\n/, '')]);
    const ans = oracle(pairs.map(([a, b]) => ({ kind: 'difflib', a, b, fromfile: 'before: f', tofile: 'after: f' })));
    pairs.forEach(([a, b], i) => {
      expect(pyUnifiedDiff(pySplitlinesKeepends(a), pySplitlinesKeepends(b), 'before: f', 'after: f').join(''), JSON.stringify([a, b])).toBe(ans[i].out);
    });
  }, 60_000);
});
