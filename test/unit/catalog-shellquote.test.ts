import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellArgs, shellQuote } from '../../src/catalog/shellQuote.js';

/** What sh makes of `printf %s <quoted>`. */
function roundTrip(value: string, shell = 'sh'): string {
  const r = spawnSync(shell, ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe('shellQuote', () => {
  it.each([
    ['plain', '/var/lib/docker'],
    ['empty', ''],
    ['single quote', "it's"],
    ['only quotes', "'''"],
    ['double quotes and backslashes', '"a\\b" \\\\'],
    ['command substitution', '$(touch /tmp/x) `id` ${HOME}'],
    ['newlines and tabs', 'a\nb\n\tc\n'],
    ['globs and operators', '* ? [a] ; && || | > < & # ~'],
    ['leading dash', '-rf'],
    ['unicode', '数据盘 /dev/sdb'],
  ])('round-trips through sh: %s', (_n, v) => {
    expect(roundTrip(v)).toBe(v);
  });

  it('round-trips any string without NUL through sh and bash', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')), (v) => {
        expect(roundTrip(v)).toBe(v);
      }),
      { numRuns: 150 },
    );
    expect(roundTrip("x'y\nz", 'bash')).toBe("x'y\nz");
  });

  it('is a single word in single quotes', () => {
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
    expect(shellQuote('')).toBe("''");
  });

  it('refuses NUL bytes and non-strings', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
    expect(() => shellQuote(5 as unknown as string)).toThrow(TypeError);
  });

  it('puts -- before operands so a leading dash stays an operand', () => {
    const cmd = shellArgs('ls', ['-la', "x'y"]);
    expect(cmd).toBe("ls -- '-la' 'x'\\''y'");
    const dir = mkdtempSync(join(tmpdir(), 'crane-quote-'));
    try {
      writeFileSync(join(dir, '-n'), 'hello\n');
      const r = spawnSync('sh', ['-c', shellArgs('cat', ['-n'])], { encoding: 'utf8', cwd: dir });
      expect(r.stdout).toBe('hello\n'); // not "     1\t..." from cat's -n option
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
