import { describe, expect, it } from 'vitest';
import { copyModule } from '../../src/modules/copy.js';
import { fileModule } from '../../src/modules/file.js';
import { lineinfileModule } from '../../src/modules/lineinfile.js';
import { replaceModule } from '../../src/modules/replace.js';
import { sysctlModule } from '../../src/modules/sysctl.js';
import { systemdModule } from '../../src/modules/systemd.js';
import { yamlEditModule } from '../../src/modules/yamlEdit.js';
import { run } from './modules-helpers.js';

// Planners must not behave differently in check mode except where Ansible does
// (command/shell skipping, copy into a missing directory, lineinfile/file creation details:
// those have their own tests).
const CASES = [
  { mod: replaceModule, args: { path: '/f', regexp: 'a', replace: 'b', mode: '0600' }, files: { '/f': 'aaa\n' } },
  { mod: lineinfileModule, args: { path: '/f', line: 'x=1', regexp: '^x=' }, files: { '/f': 'x=2\n' } },
  { mod: copyModule, args: { content: 'x', dest: '/etc/f', owner: 'kube' }, files: { '/etc': { type: 'directory' as const }, '/etc/f': 'y' } },
  { mod: fileModule, args: { path: '/d', state: 'directory', mode: '0700' }, files: { '/d': { type: 'directory' as const } } },
  { mod: fileModule, args: { path: '/f', state: 'absent' }, files: { '/f': 'x' } },
  { mod: yamlEditModule, args: { path: '/c.yaml', key: 'a.b', value: 2 }, files: { '/c.yaml': 'a:\n  b: 1\n' } },
  { mod: sysctlModule, args: { name: 'vm.swappiness', value: 10 }, files: { '/etc/sysctl.conf': '' }, commands: { 'sysctl:vm.swappiness': { stdout: '60\n' } } },
  {
    mod: systemdModule,
    args: { name: 'kubelet', state: 'restarted' },
    files: {},
    commands: { 'systemd.show:system:kubelet': { stdout: 'LoadState=loaded\nActiveState=active\n' }, 'systemd.is-enabled:system:kubelet': { stdout: 'enabled\n' } },
  },
];

describe('check mode plans equal apply plans', () => {
  for (const c of CASES) {
    it(`${c.mod.name} ${JSON.stringify(c.args)}`, () => {
      const normal = run(c.mod, c.args, c.files, { commands: c.commands });
      const check = run(c.mod, c.args, c.files, { commands: c.commands, checkMode: true });
      expect(normal.plan.status).toBe('changed');
      expect(check.plan).toEqual(normal.plan);
    });
  }
});
