import { describe, expect, it } from 'vitest';
import { assertModule, debugModule, failModule, setFactModule } from '../../src/modules/control.js';
import { allModuleNames, findModule, getModule, moduleNames, moduleOptions } from '../../src/modules/index.js';
import { run } from './modules-helpers.js';

const vars = { rc: 0, out: 'active', results: { failed: false, changed: true }, items: [1, 2] };

describe('assert', () => {
  it('passes with Ansible\'s default message, fails on the first false condition', () => {
    expect(run(assertModule, { that: ['rc == 0', "out == 'active'"] }, {}, { vars }).plan).toMatchObject({ status: 'ok', msg: 'All assertions passed', ops: [] });
    const p = run(assertModule, { that: ['rc == 0', 'items | length > 5', 'undefined_thing'], fail_msg: 'too few' }, {}, { vars }).plan;
    expect(p).toMatchObject({ status: 'failed', msg: 'too few', result: { failed: true, evaluated_to: false, assertion: 'items | length > 5' } });
    expect(run(assertModule, { that: 'results is succeeded and results is changed', success_msg: 'fine' }, {}, { vars }).plan.msg).toBe('fine');
  });

  it('an undefined variable fails with the conditional error', () => {
    const p = run(assertModule, { that: 'nope == 1' }, {}, { vars }).plan;
    expect(p.status).toBe('failed');
    expect(p.msg).toBe("The conditional check 'nope == 1' failed. The error was: error while evaluating conditional (nope == 1): 'nope' is undefined");
  });

  it('needs that; rejects unknown options', () => {
    expect(assertModule.args.safeParse({}).success).toBe(false);
    expect(assertModule.args.safeParse({ that: 'x', foo: 1 }).success).toBe(false);
  });
});

describe('fail / debug / set_fact', () => {
  it('fail', () => {
    expect(run(failModule, {}, {}).plan).toMatchObject({ status: 'failed', msg: 'Failed as requested from task' });
    expect(run(failModule, { msg: 'node is cordoned' }, {}).plan.msg).toBe('node is cordoned');
  });

  it('debug msg / var / verbosity', () => {
    expect(run(debugModule, {}, {}).plan).toMatchObject({ status: 'ok', msg: 'Hello world!' });
    expect(run(debugModule, { msg: 'hi' }, {}).plan.result).toEqual({ changed: false, msg: 'hi' });
    expect(run(debugModule, { var: 'items' }, {}, { vars }).plan.result).toEqual({ changed: false, items: [1, 2] });
    expect(run(debugModule, { var: 'missing' }, {}, { vars }).plan.result).toEqual({ changed: false, missing: 'VARIABLE IS NOT DEFINED!' });
    expect(run(debugModule, { msg: 'x', verbosity: 2 }, {}).plan.status).toBe('skipped');
    expect(debugModule.args.safeParse({ msg: 'a', var: 'b' }).success).toBe(false);
  });

  it('set_fact returns the facts themselves (the engine merges them), bool-ish strings converted', () => {
    const p = run(setFactModule, { node_ok: 'yes', count: 3, name: 'x', cacheable: true }, {}).plan;
    expect(p).toMatchObject({ status: 'ok', ops: [] });
    expect(p.result).toEqual({ node_ok: true, count: 3, name: 'x' });
    expect(setFactModule.args.safeParse({ 'bad-name': 1 }).success).toBe(false);
    expect(setFactModule.args.safeParse({}).success).toBe(false);
  });
});

describe('module registry', () => {
  it('resolves short names, ansible.builtin/legacy FQCNs and collection names', () => {
    expect(getModule('ansible.builtin.lineinfile').name).toBe('lineinfile');
    expect(getModule('ansible.legacy.command').name).toBe('command');
    expect(getModule('ansible.posix.sysctl').name).toBe('sysctl');
    expect(getModule('community.general.filesystem').name).toBe('filesystem');
    expect(getModule('systemd_service').name).toBe('systemd');
    expect(getModule('ansible.builtin.service').name).toBe('service');
    expect(findModule('ansible.builtin.nope')).toBeUndefined();
    expect(() => getModule('nope')).toThrow(/unknown module/);
    expect(moduleNames().sort()).toEqual(
      ['assert', 'command', 'copy', 'debug', 'drop_caches', 'fail', 'file', 'filesystem', 'hostname', 'lineinfile', 'replace', 'service', 'set_fact', 'shell', 'sysctl', 'systemd', 'yaml_edit'].sort(),
    );
    expect(allModuleNames().length).toBeGreaterThan(40);
    expect(moduleOptions(getModule('lineinfile'))!.aliases).toMatchObject({ dest: 'path', regex: 'regexp', value: 'line' });
  });

  it('every module has a strict schema, facts and a pure plan', () => {
    for (const n of moduleNames().filter((x) => x !== 'set_fact')) {
      const m = getModule(n);
      expect(m.args.safeParse({ definitely_not_an_option_123: 1 }).success, n).toBe(false);
      expect(typeof m.facts).toBe('function');
      expect(typeof m.plan).toBe('function');
    }
  });
});
