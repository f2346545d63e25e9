import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/modules/virtualFs.js';
import { visibleDiff } from '../../src/modules/visibleDiff.js';
import { colorDiff } from '../../src/guide/render.js';

const plain = { bold: (s: string) => s, green: (s: string) => s, red: (s: string) => s, cyan: (s: string) => s, dim: (s: string) => s } as never;

describe('visibleDiff: the human diff shows what a terminal would hide', () => {
  it('a change of line endings only is a visible change: CR shown as ^M, the raw diff keeps the bytes', () => {
    const raw = unifiedDiff({ path: '/etc/x', before: 'a=1\r\nb=2\r\n', after: 'a=1\nb=2\r\n' });
    expect(raw).toBe('--- before: /etc/x\n+++ after: /etc/x\n@@ -1,2 +1,2 @@\n-a=1\r\n+a=1\n b=2\r\n\n');
    expect(visibleDiff(raw)).toBe('--- before: /etc/x\n+++ after: /etc/x\n@@ -1,2 +1,2 @@\n-a=1^M\n+a=1\n b=2^M\n\n');
  });

  it('a BOM is shown as <U+FEFF>, where it is', () => {
    const raw = unifiedDiff({ path: '/etc/x', before: '\ufeffa=1\n', after: 'a=1\n' });
    expect(visibleDiff(raw)).toBe('--- before: /etc/x\n+++ after: /etc/x\n@@ -1 +1 @@\n-<U+FEFF>a=1\n+a=1\n\n');
  });

  it('escape sequences and other control or invisible characters cannot drive the terminal; tab and LF are kept', () => {
    expect(visibleDiff('+\x1b[2Jx\x00\x7f\ty\n')).toBe('+^[[2Jx^@^?\ty\n');
    expect(visibleDiff('+a\u202eb\u200bc\u0085d\u2028\n')).toBe('+a<U+202E>b<U+200B>c<U+0085>d<U+2028>\n');
  });

  it('text with nothing hidden is returned unchanged (UTF-8 letters included)', () => {
    const s = '--- before: /etc/x\n+++ after: /etc/x\n@@ -1 +1 @@\n-名字=1\n+名字=2 é\t#\n\\ No newline at end of file\n';
    expect(visibleDiff(s)).toBe(s);
  });

  it("the guide's preview uses it too", () => {
    expect(colorDiff('-a=1\r\n+a=1\n', plain)).toEqual(['-a=1^M', '+a=1']);
  });
});
