import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dropCachesModule } from '../../src/modules/dropCaches.js';
import { filesystemModule, guardedDeviceCommand } from '../../src/modules/filesystem.js';
import { hostnameModule } from '../../src/modules/hostname.js';
import { pyStrip } from '../../src/modules/common.js';
import { sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { run, runTwice } from './modules-helpers.js';

describe('drop_caches', () => {
  it('always runs sync + echo N, and is not reversible', () => {
    const { plan } = run(dropCachesModule, { level: 1 }, {});
    expect(plan).toMatchObject({ status: 'changed', ops: [{ op: 'exec', command: 'sync; echo 1 > /proc/sys/vm/drop_caches' }] });
    expect(run(dropCachesModule, {}, {}).plan.ops).toEqual([{ op: 'exec', command: 'sync; echo 3 > /proc/sys/vm/drop_caches' }]);
    expect(dropCachesModule.reversible).toBe(false);
    expect(dropCachesModule.destructive).toBe(false);
    for (const bad of [0, 4, '3; reboot', 'x']) expect(dropCachesModule.args.safeParse({ level: bad }).success).toBe(false);
  });
});

describe('filesystem', () => {
  const dev = '/dev/vdb';
  const facts = (blkid: string, mounted = '', swaps = '') => ({
    commands: {
      [`blkid:${dev}`]: { rc: blkid ? 0 : 2, stdout: blkid ? blkid + '\n' : '' },
      [`findmnt:${dev}`]: { rc: mounted ? 0 : 1, stdout: mounted ? mounted + '\n' : '' },
      'proc-swaps': { stdout: 'Filename\tType\tSize\tUsed\tPriority\n' + swaps },
    },
  });
  const blockdev = { [dev]: { type: 'other' as const } };

  it('creates with the fs force flag and quoted opts', () => {
    const { plan, facts: f } = run(filesystemModule, { dev, fstype: 'ext4', opts: '-L data -m 0' }, blockdev, facts(''));
    expect(f[1]).toEqual({ kind: 'command', key: `blkid:${dev}`, command: 'blkid -c /dev/null -o value -s TYPE /dev/vdb' });
    expect(plan.ops).toEqual([{ op: 'exec', command: guardedDeviceCommand(dev, 'mkfs.ext4 -F -L data -m 0 /dev/vdb') }]);
    expect(plan.factUpdates).toEqual({ [`blkid:${dev}`]: { rc: 0, stdout: 'ext4\n', stderr: '' } });
    expect(filesystemModule.destructive).toBe(true);
    expect(filesystemModule.reversible).toBe(false);
  });

  it('same fs: ok; other fs without force: fails like Ansible', () => {
    expect(run(filesystemModule, { dev, fstype: 'ext4' }, blockdev, facts('ext4')).plan).toMatchObject({ status: 'ok', ops: [] });
    expect(run(filesystemModule, { dev, fstype: 'xfs' }, blockdev, facts('ext4')).plan).toMatchObject({ status: 'failed', msg: "'/dev/vdb' is already used as ext4, use force=true to overwrite" });
    expect(run(filesystemModule, { dev, fstype: 'xfs', force: true }, blockdev, facts('ext4')).plan.ops).toEqual([{ op: 'exec', command: guardedDeviceCommand(dev, 'mkfs.xfs -f /dev/vdb') }]);
  });

  it('a device mounted at fact time: planned, but the op refuses unless an earlier task unmounted it', () => {
    const p = run(filesystemModule, { dev, fstype: 'xfs', force: true }, blockdev, facts('ext4', '/var/lib/docker')).plan;
    expect(p.status).toBe('changed');
    expect(p.msg).toBe('create xfs on /dev/vdb (replacing ext4) — /dev/vdb is mounted on /var/lib/docker now: the op refuses to run unless an earlier task frees it');
    expect(run(filesystemModule, { dev, state: 'absent' }, blockdev, facts('swap', '', '/dev/vdb partition 1 0 -2\n')).plan.msg).toMatch(/is an active swap device now/);
  });

  it('the runtime guard refuses a mounted device and runs otherwise (sh)', () => {
    let rootSrc = '';
    try {
      rootSrc = execFileSync('findmnt', ['-n', '-o', 'SOURCE', '/'], { encoding: 'utf8' }).trim();
    } catch {
      return; // no findmnt here
    }
    const sh = (c: string) => {
      try {
        return { rc: 0, out: execFileSync('/bin/sh', ['-c', c], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
      } catch (e) {
        return { rc: (e as { status: number }).status, out: '' };
      }
    };
    if (rootSrc) expect(sh(guardedDeviceCommand(rootSrc, 'echo FORMATTED'))).toEqual({ rc: 1, out: '' });
    expect(sh(guardedDeviceCommand('/dev/crane-not-a-device', 'echo FORMATTED'))).toEqual({ rc: 0, out: 'FORMATTED\n' });
    expect(sh(guardedDeviceCommand("/dev/x'$(touch /tmp/crane-fs-pwned)", 'echo ok')).rc).toBe(0);
    expect(() => execFileSync('test', ['-e', '/tmp/crane-fs-pwned'])).toThrow();
  });

  it('state=absent wipes signatures; a missing device', () => {
    expect(run(filesystemModule, { dev, state: 'absent' }, blockdev, facts('xfs')).plan.ops).toEqual([{ op: 'exec', command: guardedDeviceCommand(dev, 'wipefs --all /dev/vdb') }]);
    expect(run(filesystemModule, { dev, state: 'absent' }, blockdev, facts('')).plan.status).toBe('ok');
    expect(run(filesystemModule, { dev, fstype: 'ext4' }, {}, facts('')).plan).toMatchObject({ status: 'failed', msg: 'Device /dev/vdb not found.' });
    expect(filesystemModule.args.safeParse({ dev }).success).toBe(false);
    expect(filesystemModule.args.safeParse({ dev, fstype: 'ext4', resizefs: true }).success).toBe(false);
  });
});

describe('hostname', () => {
  const cur = (name: string) => ({ commands: { hostname: { stdout: name + '\n' } } });
  it('sets the running name and /etc/hostname, with Ansible\'s pseudo-diff', () => {
    const { plan } = run(hostnameModule, { name: 'node-2' }, { '/etc/hostname': 'node-1\n' }, cur('node-1'));
    expect(plan.ops).toEqual([
      { op: 'exec', command: 'hostname node-2' },
      { op: 'write', path: '/etc/hostname', content: 'node-2\n', expectSha256: sha256('node-1\n') },
    ]);
    expect(unifiedDiff(plan.diffs[0]!)).toBe('--- before\n+++ after\n@@ -1 +1 @@\n-hostname = node-1\n+hostname = node-2\n\n');
    expect(plan.result).toMatchObject({ ansible_facts: { ansible_hostname: 'node-2', ansible_nodename: 'node-2' } });
    expect(hostnameModule.destructive).toBe(true);
    expect(plan.factUpdates).toEqual({ hostname: { rc: 0, stdout: 'node-2\n', stderr: '' } });
  });

  it('only what differs; ok when both match', () => {
    expect(run(hostnameModule, { name: 'n' }, { '/etc/hostname': ' n \n' }, cur('n')).plan).toMatchObject({ status: 'ok', ops: [] });
    expect(run(hostnameModule, { name: 'n' }, { '/etc/hostname': 'n\n' }, cur('m')).plan.ops).toEqual([{ op: 'exec', command: 'hostname n' }]);
    const { second } = runTwice(hostnameModule, { name: 'n' }, { '/etc/hostname': 'm\n' }, cur('n'));
    expect(second.plan.ops).toEqual([]);
  });

  it("a BOM in /etc/hostname is not whitespace (as in Python's strip): the file is rewritten, as Ansible does", () => {
    // systemd would not read "\ufeffn" as a valid hostname either; CR and spaces are stripped.
    expect(run(hostnameModule, { name: 'n' }, { '/etc/hostname': '\ufeffn\n' }, cur('n')).plan.ops).toEqual([{ op: 'write', path: '/etc/hostname', content: 'n\n', expectSha256: sha256('\ufeffn\n') }]);
    expect(run(hostnameModule, { name: 'n' }, { '/etc/hostname': 'n\r\n' }, cur('n')).plan.status).toBe('ok');
  });

  it('rejects names a shell or kubelet would choke on', () => {
    for (const bad of ['', 'a b', '-x', 'a;reboot', 'x'.repeat(65), 'a\nb', '$(id)']) expect(hostnameModule.args.safeParse({ name: bad }).success, bad).toBe(false);
    // the accepted alphabet needs no quoting
    expect(execFileSync('/bin/sh', ['-c', 'echo node-1.example.com'], { encoding: 'utf8' })).toBe('node-1.example.com\n');
  });
});

describe('pyStrip', () => {
  it("strips exactly Python's str.isspace() characters (list recorded from python3)", () => {
    const py = [0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      expect(pyStrip(`${ch}x${ch}`) === 'x', c.toString(16)).toBe(py.includes(c));
    }
  });
});
