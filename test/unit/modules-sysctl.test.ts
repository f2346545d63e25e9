import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSysctlValue, sysctlModule } from '../../src/modules/sysctl.js';
import { sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { run, runTwice } from './modules-helpers.js';

const KEY = 'sysctl:net.ipv4.ip_forward';
const kernel = (stdout: string | null) => ({ commands: { [KEY]: stdout === null ? { rc: 255, stdout: '', stderr: 'sysctl: cannot stat' } : { rc: 0, stdout } } });
const IPF = { name: 'net.ipv4.ip_forward', value: 1 };

describe('sysctl', () => {
  it('appends the key, reloads the file; normalizes the file like Ansible', () => {
    const before = '# comment\n  vm.swappiness = 10\nvm.swappiness=20\n\n';
    const { plan, facts } = run(sysctlModule, IPF, { '/etc/sysctl.conf': before }, kernel('0\n'));
    expect(facts).toEqual([
      { kind: 'file', path: '/etc/sysctl.conf' },
      { kind: 'command', key: KEY, command: 'sysctl -e -n net.ipv4.ip_forward' },
    ]);
    expect(plan.ops).toEqual([
      { op: 'write', path: '/etc/sysctl.conf', content: '# comment\nvm.swappiness=10\n\nnet.ipv4.ip_forward=1\n', expectSha256: sha256(before) },
      { op: 'exec', command: 'sysctl -p /etc/sysctl.conf' },
    ]);
    expect(plan.status).toBe('changed');
    expect(unifiedDiff(plan.diffs[0]!)).toContain('+net.ipv4.ip_forward=1\n');
    expect(plan.factUpdates).toEqual({ [KEY]: { rc: 0, stdout: '1\n', stderr: '' } });
  });

  it('file and kernel agree: ok, no ops', () => {
    expect(run(sysctlModule, IPF, { '/etc/sysctl.conf': 'net.ipv4.ip_forward = 1\n' }, kernel('1\n')).plan).toMatchObject({ status: 'ok', ops: [] });
  });

  it('file right but kernel wrong: reload only (Ansible reload check)', () => {
    const p = run(sysctlModule, IPF, { '/etc/sysctl.conf': 'net.ipv4.ip_forward=1\n' }, kernel('0\n')).plan;
    expect(p.ops).toEqual([{ op: 'exec', command: 'sysctl -p /etc/sysctl.conf' }]);
    expect(run(sysctlModule, { ...IPF, reload: false }, { '/etc/sysctl.conf': 'net.ipv4.ip_forward=1\n' }, kernel('0\n')).plan.status).toBe('ok');
  });

  it('sysctl_set writes the kernel value with -w (quoted), before the file', () => {
    const p = run(sysctlModule, { name: 'net.ipv4.ip_local_port_range', value: '32768 60999', sysctl_set: true, sysctl_file: '/etc/sysctl.d/99-crane.conf', ignoreerrors: true }, { '/etc/sysctl.d/99-crane.conf': null }, {
      commands: { 'sysctl:net.ipv4.ip_local_port_range': { stdout: '32768\t60000\n' } },
    }).plan;
    expect(p.ops).toEqual([
      { op: 'exec', command: "sysctl -e -w 'net.ipv4.ip_local_port_range=32768 60999'" },
      { op: 'write', path: '/etc/sysctl.d/99-crane.conf', content: 'net.ipv4.ip_local_port_range=32768 60999\n', expectSha256: null },
      { op: 'exec', command: 'sysctl -e -p /etc/sysctl.d/99-crane.conf' },
    ]);
  });

  it('state=absent removes the key', () => {
    const p = run(sysctlModule, { name: 'net.ipv4.ip_forward', state: 'absent', reload: false }, { '/etc/sysctl.conf': 'a=1\nnet.ipv4.ip_forward=1\n' }, kernel('1\n')).plan;
    expect(p.ops).toEqual([{ op: 'write', path: '/etc/sysctl.conf', content: 'a=1\n', expectSha256: sha256('a=1\nnet.ipv4.ip_forward=1\n') }]);
    expect(run(sysctlModule, { name: 'net.ipv4.ip_forward', state: 'absent' }, { '/etc/sysctl.conf': 'a=1\n' }, kernel('1\n')).plan.status).toBe('ok');
  });

  it('booleans become 1/0, values are compared word by word', () => {
    expect(parseSysctlValue('yes')).toBe('1');
    expect(parseSysctlValue('False')).toBe('0');
    expect(parseSysctlValue(' 4096 ')).toBe('4096');
    expect(run(sysctlModule, { name: 'net.ipv4.ip_forward', value: true }, { '/etc/sysctl.conf': 'net.ipv4.ip_forward=1\n' }, kernel('1\n')).plan.status).toBe('ok');
  });

  it('argument rules', () => {
    const ok = (a: object) => sysctlModule.args.safeParse(a).success;
    expect(ok({ name: 'x' })).toBe(false);
    expect(ok({ name: 'x', value: '' })).toBe(false);
    expect(ok({ name: ' ', value: '1' })).toBe(false);
    expect(ok({ key: 'a.b', val: 1 })).toBe(true);
    expect(ok({ name: 'a.b', value: '1\nkernel.x=1' })).toBe(false);
  });

  it('is idempotent once the kernel agrees (property)', () => {
    const line = fc.constantFrom('a=1', ' b = 2 ', '# c', '', 'net.ipv4.ip_forward=0', 'net.ipv4.ip_forward = 1', '; x');
    fc.assert(
      fc.property(fc.option(fc.array(line, { maxLength: 6 }).map((l) => l.join('\n') + '\n')), fc.constantFrom('0', '1', 'yes'), fc.constantFrom('present', 'absent'), (text, value, state) => {
        const raw = { name: 'net.ipv4.ip_forward', value, state };
        const k = kernel(parseSysctlValue(value) + '\n');
        const { second, first } = runTwice(sysctlModule, raw, { '/etc/sysctl.conf': text }, k);
        expect(second.plan.ops).toEqual([]);
        expect(run(sysctlModule, raw, { '/etc/sysctl.conf': text }, k).plan).toEqual(first.plan);
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
