import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../src/inventory/index.js';
import { expectErrorAt, inputError, tmpTree } from './inventory.helpers.js';

const cwd = tmpTree({
  'vars.yaml': 'region: eu\nreplicas: 3\nnested: {a: 1}\n',
  'sub/more.json': '{"replicas": 5, "flag": true}',
  'list.yml': '- a\n- b\n',
  'empty.yml': '# nothing\n',
  'dup.yml': 'a: 1\nb: 2\na: 3\n',
  'broken.yml': 'a: [1, 2\n',
});

function eError(values: string[], detail: RegExp) {
  const err = inputError(() => parseExtraVars(values, cwd));
  expect(err.where).toEqual({ flag: '-e' });
  expect(err.message.startsWith('-e: ')).toBe(true);
  expect(err.detail).toMatch(detail);
}

describe('parseExtraVars', () => {
  it('k=v pairs are strings, split on spaces, with quotes and escapes handled', () => {
    expect(parseExtraVars(['a=1 b=true c="x y" d=\'q\' e=k=v f=line\\nbreak'], cwd)).toEqual({
      a: '1',
      b: 'true',
      c: 'x y',
      d: 'q',
      e: 'k=v',
      f: 'line\nbreak',
    });
  });

  it('keeps a Jinja expression with spaces in one value', () => {
    expect(parseExtraVars(['msg={{ a | default("x y") }} n=1'], cwd)).toEqual({ msg: '{{ a | default("x y") }}', n: '1' });
  });

  it('inline JSON and YAML keep their types', () => {
    expect(parseExtraVars(['{"json": 1, "l": [1, "a"]}', '{yaml: yes}'], cwd)).toEqual({ json: 1, l: [1, 'a'], yaml: true });
  });

  it('@file loads YAML or JSON relative to cwd; later values override earlier ones', () => {
    expect(parseExtraVars(['@vars.yaml', 'region=us', '@sub/more.json', ''], cwd)).toEqual({
      region: 'us',
      replicas: 5,
      nested: { a: 1 },
      flag: true,
    });
    expect(parseExtraVars([`@${join(cwd, 'vars.yaml')}`], '/')).toMatchObject({ region: 'eu' });
  });

  it('rejects malformed values with the -e flag', () => {
    eError(['novalue'], /expected key=value, got 'novalue'/);
    eError(['a=1 =2'], /expected key=value, got '=2'/);
    eError(['msg="unclosed'], /unclosed " quote/);
    eError(['x={{ oops'], /unclosed Jinja block/);
    eError(['./vars.yaml'], /prepend it with '@'/);
    eError(['/etc/vars.yaml'], /prepend it with '@'/);
    eError(['@'], /missing file name after '@'/);
    eError(['[1, 2]'], /must be a mapping, got a list/);
    eError(['{"a": 1,, }'], /invalid JSON\/YAML at column \d+/);
    eError(['{"a": 1, "a": 2}'], /invalid JSON\/YAML at column 10: duplicate key 'a'/);
  });

  it('rejects bad @files with the file position', () => {
    expectErrorAt(() => parseExtraVars(['@list.yml'], cwd), join(cwd, 'list.yml'), 1, 1, /must contain a mapping, got a list/);
    expectErrorAt(() => parseExtraVars(['@dup.yml'], cwd), join(cwd, 'dup.yml'), 3, 1, /duplicate key 'a'/);
    expectErrorAt(() => parseExtraVars(['@broken.yml'], cwd), join(cwd, 'broken.yml'), 2, 1, /./);
    const empty = inputError(() => parseExtraVars(['@empty.yml'], cwd));
    expect(empty.detail).toMatch(/must contain a mapping, got nothing/);
    const missing = inputError(() => parseExtraVars(['@nope.yml'], cwd));
    expect(missing.message).toBe(`${join(cwd, 'nope.yml')}: cannot read file: no such file`);
  });
});
