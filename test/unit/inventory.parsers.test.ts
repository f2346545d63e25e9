import { describe, expect, it } from 'vitest';
import { fnmatchRegExp, pythonRegExp } from '../../src/inventory/fnmatch.js';
import { expandHostPattern, parseAddress } from '../../src/inventory/hostPattern.js';
import { pyLiteralEval } from '../../src/inventory/pyLiteral.js';
import { pyFloatRepr } from '../../src/inventory/pyValues.js';
import { ShlexError, shlexSplit } from '../../src/inventory/shlex.js';

// Every expectation here was produced by CPython 3.11 / ansible-core 2.14 on the same input.

describe('pyLiteralEval (ast.literal_eval as Ansible uses it)', () => {
  const values: Array<[string, unknown]> = [
    ['1', 1], ['-1', -1], ['+1', 1], ['1.5', 1.5], ['1.', 1], ['.5', 0.5], ['1e5', 100000], ['1_000', 1000],
    ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['00', 0], ['True', true], ['False', false], ['None', null],
    ["'a'", 'a'], ['"b"', 'b'], ["'a' 'b'", 'ab'], ["b'x'", 'x'], ["r'\\n'", '\\n'], ["'\\n'", '\n'],
    ["'\\x41'", 'A'], ["'\\u00e9'", 'é'], ["'\\U0001F600'", '😀'], ["'\\q'", '\\q'], ["'''t'''", 't'], ["u'x'", 'x'],
    ['[1, 2,]', [1, 2]], ['(1)', 1], ['(1,)', [1]], ['()', []], ['1,2', [1, 2]], ['{}', {}], ["{'a':1,'a':2}", { a: 2 }],
    ['{1, 1.0, True}', [1]], ["{1: 'a', 1.0: 'b', True: 'c'}", { '1': 'c' }], ['set()', []], ['{1.5: 2}', { '1.5': 2 }],
    ['{None: 1, True: 2}', { null: 1, true: 2 }], ['1j', '1j'], ['1+2j', '(1+2j)'], ['-1-2.5j', '(-1-2.5j)'],
    ['...', '...'], ['  1', 1], ['1 # comment', 1], ["b'\\777'", '\ufffd'],
  ];
  it.each(values)('%s evaluates', (text, value) => {
    expect(pyLiteralEval(text)).toEqual({ ok: true, value });
  });

  const raw = [
    '--1', '-True', '1+2', '2j+1', '1+-2j', '08', '1e', '0x', '1__0', '1_', '1.5.2', '1 2', '1;2', 'yes', 'hello world',
    'a#b', 'x=1', '[1]+[2]', '1 if 1 else 2', '-(-1)', "ur'x'", "f'x'", "b'x' 'y'", "'\\x4'", "'\\N{DASH}'", 'set(1)',
    '[1', "'abc", '[,]', '{,}', '{1:}', '[*a]', '1..2', '{k:1}', '', "b'é'", '~1', "'a'[0]",
  ];
  it.each(raw)('%j stays a raw string', (text) => {
    expect(pyLiteralEval(text)).toEqual({ ok: false });
  });

  it('reports unhashable set members and dict keys (Ansible fails the file)', () => {
    expect(pyLiteralEval('{[1]: 2}')).toEqual({ ok: false, unhashable: 'list' });
    expect(pyLiteralEval('{{1}}')).toEqual({ ok: false, unhashable: 'set' });
  });

  it('keeps integers JS cannot represent exactly as text, and refuses absurd nesting', () => {
    expect(pyLiteralEval('9007199254740993')).toEqual({ ok: false });
    expect(pyLiteralEval('['.repeat(300) + ']'.repeat(300))).toEqual({ ok: false });
    expect(pyLiteralEval('-'.repeat(100_000) + '1')).toEqual({ ok: false });
  });

  it('formats floats like Python repr', () => {
    expect([1e16, 1e-5, 0.1, 123.0, -0, 1.5e300].map((x) => pyFloatRepr(x))).toEqual(['1e+16', '1e-05', '0.1', '123.0', '-0.0', '1.5e+300']);
  });
});

describe('shlexSplit (shlex.split(posix=True, comments=True))', () => {
  const cases: Array<[string, string[]]> = [
    ['h1 a=1 b="x y"', ['h1', 'a=1', 'b=x y']],
    ['a#b c', ['a']],
    ['x # comment', ['x']],
    ['a"b c"d', ['ab cd']],
    ["mysecret=\"'03#pa33w0rd'\"", ["mysecret='03#pa33w0rd'"]],
    ['"a\\"b" \'c\\d\'', ['a"b', 'c\\d']],
    ['"a\\x"', ['a\\x']],
    ['a\\ b', ['a b']],
    ["'' x", ['', 'x']],
  ];
  it.each(cases)('%j', (line, tokens) => {
    expect(shlexSplit(line).map((t) => t.value)).toEqual(tokens);
  });

  it('reports token starts and errors with positions', () => {
    expect(shlexSplit('  ab  "c d"').map((t) => t.start)).toEqual([2, 6]);
    expect(() => shlexSplit('a "bc')).toThrow(new ShlexError('No closing quotation', 2));
    expect(() => shlexSplit('a \\')).toThrow('No escaped character');
  });
});

describe('host patterns (parse_address / expand_hostname_range)', () => {
  const cases: Array<[string, string[], number | undefined]> = [
    ['web1:22', ['web1'], 22],
    ['node[1:3]:2222', ['node1', 'node2', 'node3'], 2222],
    ['[fe80::1]:22', ['fe80::1'], 22],
    ['fe80::1', ['fe80::1'], undefined],
    ['host_:22', ['host_:22'], undefined], // not a valid hostname: used verbatim, no port
    ['a[3:1]', [], undefined], // empty numeric range
    ['a[-1:1]', ['a-1', 'a0', 'a1'], undefined],
  ];
  it.each(cases)('%s', (p, names, port) => {
    expect(expandHostPattern(p)).toEqual({ names, port });
  });

  it('letter ranges follow string.ascii_letters (a-z then A-Z)', () => {
    expect(expandHostPattern('x[y:B]').names).toEqual(['xy', 'xz', 'xA', 'xB']);
    expect(() => expandHostPattern('x[B:y]')).toThrow('begin <= end');
  });

  it('validates addresses like Ansible, including its IPv6 regex quirk', () => {
    expect(parseAddress('192.168.6.96:22')).toEqual({ host: '192.168.6.96', port: 22 });
    expect(parseAddress('db::web')).toEqual({ host: 'db::web', port: undefined });
    expect(() => parseAddress('we::db')).toThrow('Not a valid network hostname');
  });

  it('plain ASCII names (the fast path) are accepted exactly when the full rules accept them', () => {
    expect(parseAddress('node01')).toEqual({ host: 'node01', port: undefined });
    expect(parseAddress('web-1.example.com')).toEqual({ host: 'web-1.example.com', port: undefined });
    expect(parseAddress('10.0.0.1')).toEqual({ host: '10.0.0.1', port: undefined });
    // Not plain: left to the full rules, which still decide as before.
    expect(parseAddress('a_b')).toEqual({ host: 'a_b', port: undefined });
    expect(parseAddress('_x')).toEqual({ host: '_x', port: undefined });
    expect(() => parseAddress('x-')).toThrow('Not a valid network hostname');
    expect(() => parseAddress('x_')).toThrow('Not a valid network hostname');
    expect(() => parseAddress('a..b')).toThrow('Not a valid network hostname');
    expect(parseAddress('node01:2222')).toEqual({ host: 'node01', port: 2222 });
  });
});

describe('fnmatch / Python regex', () => {
  const cases: Array<[string, string, boolean]> = [
    ['kube-*', 'kube-node', true],
    ['kube-*', 'kube', false],
    ['w?', 'w1', true],
    ['db0[!1]', 'db01', false],
    ['db0[!1]', 'db02', true],
    ['[]a]', ']', true],
    ['a[', 'a[', true],
    ['[z-a]x', 'ax', false],
    ['[a-c-e]', '-', true],
    ['[!]', '!]', false],
    ['[!]', '[!]', true],
    ['*', 'anything\nat all', true],
  ];
  it.each(cases)('%s ~ %j -> %s', (pat, name, want) => {
    expect(fnmatchRegExp(pat).test(name)).toBe(want);
  });

  it('applies ~regex with re.match semantics', () => {
    expect(pythonRegExp('web').test('webserver')).toBe(true);
    expect(pythonRegExp('web').test('myweb')).toBe(false);
    expect(pythonRegExp('web\\Z').test('webserver')).toBe(false);
    expect(pythonRegExp('(?P<x>a)(?P=x)').test('aa')).toBe(true);
    expect(() => pythonRegExp('(?x) a')).toThrow('verbose');
  });
});
