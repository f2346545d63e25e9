import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote, shlexSplit } from '../../src/modules/shellQuote.js';
import { oracle, oracleAvailable } from './modules-oracle/oracle.js';

/** Run `printf '<%s>\n' <quoted words>` under /bin/sh and return what the program received. */
function received(words: string[]): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '<%s>\\n' ${shellJoin(words)}`], { encoding: 'utf8' });
  // each word is printed as <word>\n; words may contain newlines themselves
  const res: string[] = [];
  const re = /<([\s\S]*?)>\n(?=<|$)/g;
  for (let m = re.exec(out); m; m = re.exec(out)) res.push(m[1]!);
  return res;
}

const HOSTILE = [
  '',
  ' ',
  'plain',
  'two words',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/crane-pwned)',
  '`touch /tmp/crane-pwned`',
  '$HOME',
  '${HOME}',
  'a;b',
  'a && b || c',
  'a|b',
  'line1\nline2',
  '\n',
  'tab\there',
  '-rf',
  '--help',
  '-',
  '*',
  '?',
  '[a-z]',
  '~',
  '~root',
  'back\\slash',
  '\\',
  "'\"'\"'",
  '#comment',
  '!',
  'a=b',
  '>out',
  '<in',
  '2>&1',
  '(sub)',
  '{a,b}',
  'ünïcödé ✓',
  '\x01\x7f',
];

describe('shellQuote', () => {
  it('leaves safe words bare and quotes everything else like shlex.quote', () => {
    expect(shellQuote('kubelet')).toBe('kubelet');
    expect(shellQuote('/etc/sysctl.d/99-crane.conf')).toBe('/etc/sysctl.d/99-crane.conf');
    expect(shellQuote('net.ipv4.ip_forward=1')).toBe('net.ipv4.ip_forward=1');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote('-rf')).toBe('-rf');
    expect(shellQuote('$(x)')).toBe("'$(x)'");
  });

  it('delivers hostile strings to the program literally (sh -c)', () => {
    expect(received(HOSTILE)).toEqual(HOSTILE);
  }, 60_000);

  it('never lets a command substitution run', () => {
    const marker = `/tmp/crane-quote-test-${process.pid}`;
    received([`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `\ntouch ${marker}\n`]);
    expect(() => execFileSync('test', ['-e', marker])).toThrow();
  }, 60_000);

  it('round-trips arbitrary strings through sh (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '$', '`', '\\', '\n', ';', '-', '*', '(', ')', '|', '&', '#', '~', 'é') }), { minLength: 1, maxLength: 5 }), (words) => {
        expect(received(words)).toEqual(words);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('matches Python shlex.quote', () => {
    if (!oracleAvailable()) return;
    const ans = oracle(HOSTILE.map((s) => ({ kind: 'quote', s })));
    expect(HOSTILE.map(shellQuote)).toEqual(ans.map((a) => a.out));
  }, 60_000);
});

describe('shlexSplit', () => {
  it('splits like Python shlex.split', () => {
    expect(shlexSplit('ls -l "/tmp/a b" c\\ d \'e f\'')).toEqual(['ls', '-l', '/tmp/a b', 'c d', 'e f']);
    expect(shlexSplit('echo "a\\"b" \'\'')).toEqual(['echo', 'a"b', '']);
    expect(shlexSplit('  ')).toEqual([]);
    expect(() => shlexSplit('echo "unterminated')).toThrow(/No closing quotation/);
    expect(() => shlexSplit('echo \\')).toThrow(/No escaped character/);
  });

  it('agrees with Python shlex.split on tricky inputs', () => {
    if (!oracleAvailable()) return;
    const inputs = ['a "b c" d', "a 'b\\c' d", 'a "b\\c" d', 'a "b\\\\c" d', 'a\\ b', 'x"y z"w', 'a\tb\nc', '"\\$HOME"', "'it'\\''s'", 'a""b', '#notcomment x', ''];
    const ans = oracle(inputs.map((s) => ({ kind: 'shlex', s })));
    inputs.forEach((s, i) => expect(shlexSplit(s), s).toEqual(ans[i].out));
  }, 60_000);
});
