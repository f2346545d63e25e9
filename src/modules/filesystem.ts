/**
 * community.general.filesystem — create (mkfs) or wipe (wipefs) a filesystem.
 * Facts are read-only: the device's existence, `blkid` (current fs type), `findmnt`
 * (is it mounted?) and /proc/swaps. crane-fix refuses to touch a mounted or active-swap
 * device, whatever `force` says: the mkfs/wipefs op re-checks right before it runs (an
 * earlier task of the same run may unmount the device), and the plan says so when the
 * device is in use at fact time. resizefs and uuid are not supported.
 * Same rules as Ansible otherwise: same fs type and no force → ok; another fs without
 * force → failed "'<dev>' is already used as <fs>, use force=true to overwrite"; mkfs
 * always gets the per-fs force flag (mkfs.ext4 -F, mkfs.xfs -f, …) like Ansible.
 */
import { z } from 'zod';
import { aBool, aChoice, aPath, aStr, defineModule, failed, issue, options } from './common.js';
import { shellJoin, shellQuote } from './shellQuote.js';
import type { CommandResult, ModulePlan } from './types.js';
import { normPath } from './virtualFs.js';

/** fs type -> [mkfs program, force flags, blkid TYPE family] */
const FILESYSTEMS: Record<string, { mkfs: string; force: string[]; family: string }> = {
  ext2: { mkfs: 'mkfs.ext2', force: ['-F'], family: 'ext2' },
  ext3: { mkfs: 'mkfs.ext3', force: ['-F'], family: 'ext3' },
  ext4: { mkfs: 'mkfs.ext4', force: ['-F'], family: 'ext4' },
  ext4dev: { mkfs: 'mkfs.ext4', force: ['-F'], family: 'ext4' },
  xfs: { mkfs: 'mkfs.xfs', force: ['-f'], family: 'xfs' },
  btrfs: { mkfs: 'mkfs.btrfs', force: ['-f'], family: 'btrfs' },
  vfat: { mkfs: 'mkfs.vfat', force: [], family: 'vfat' },
  swap: { mkfs: 'mkswap', force: ['-f'], family: 'swap' },
  f2fs: { mkfs: 'mkfs.f2fs', force: ['-f'], family: 'f2fs' },
  lvm: { mkfs: 'pvcreate', force: ['-f'], family: 'LVM2_member' },
};
// Ansible's FILESYSTEMS maps ext2/ext3/ext4 to different classes: same_fs compares classes
const FAMILY_OF_BLKID: Record<string, string> = { ext4dev: 'ext4' };

const args = options(
  {
    dev: aPath(),
    fstype: aChoice(Object.keys(FILESYSTEMS) as (keyof typeof FILESYSTEMS)[]).optional(),
    state: aChoice(['present', 'absent'] as const).default('present'),
    opts: aStr().optional(),
    force: aBool().default(false),
  },
  { dev: ['device'], fstype: ['type'] },
  (v, ctx) => {
    if (v.state === 'present' && v.fstype === undefined) issue(ctx, 'fstype', 'state is present but all of the following are missing: fstype');
    if (!v.dev.startsWith('/')) issue(ctx, 'dev', 'dev must be an absolute path');
  },
);

type Args = z.output<typeof args>;

const blkidKey = (dev: string) => `blkid:${dev}`;
const findmntKey = (dev: string) => `findmnt:${dev}`;
const SWAPS = 'proc-swaps';

/** Run `command` only if `dev` is neither mounted nor an active swap at that moment. */
export function guardedDeviceCommand(dev: string, command: string): string {
  const d = shellQuote(dev);
  return (
    `if findmnt --mtab --noheadings --source ${d} >/dev/null 2>&1 || awk -v d=${d} '$1 == d { f = 1 } END { exit !f }' /proc/swaps; ` +
    `then echo "crane-fix: ${dev.replace(/[^\w./-]/g, '?')} is mounted or an active swap device: refusing to touch it" >&2; exit 1; fi; ${command}`
  );
}

export const filesystemModule = defineModule<Args>({
  name: 'filesystem',
  aliases: ['community.general.filesystem'],
  args,
  supportsCheck: true,
  supportsDiff: false,
  reversible: false,
  needsConsent: true,
  destructive: true,
  facts: (a) => [
    { kind: 'file', path: normPath(a.dev) },
    { kind: 'command', key: blkidKey(a.dev), command: shellJoin(['blkid', '-c', '/dev/null', '-o', 'value', '-s', 'TYPE', a.dev]) },
    { kind: 'command', key: findmntKey(a.dev), command: shellJoin(['findmnt', '--mtab', '--noheadings', '--output', 'TARGET', '--source', a.dev]) },
    { kind: 'command', key: SWAPS, command: 'cat /proc/swaps' },
  ],
  plan(a, ctx): ModulePlan {
    const dev = a.dev;
    const st = ctx.file(normPath(dev));
    if (!st.exists) {
      const msg = `Device ${dev} not found.`;
      if (a.state === 'present') return failed(msg);
      return { status: 'ok', msg, ops: [], diffs: [], result: { changed: false, msg } };
    }
    const fs = ctx.command(blkidKey(dev)).stdout.trim();
    const mnt = ctx.command(findmntKey(dev));
    const mountpoint = mnt.rc === 0 ? mnt.stdout.split('\n')[0]!.trim() : '';
    const swaps = ctx.command(SWAPS).stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    const inUse = mountpoint ? `mounted on ${mountpoint}` : swaps.includes(dev) ? 'an active swap device' : '';
    if (a.state === 'present') {
      const want = FILESYSTEMS[a.fstype!]!;
      const have = fs ? (FAMILY_OF_BLKID[fs] ?? (fs === 'LVM2_member' ? 'LVM2_member' : fs)) : '';
      const sameFs = !!fs && have === want.family;
      if (sameFs && !a.force) return { status: 'ok', msg: `${dev} already has a ${fs} filesystem`, ops: [], diffs: [], result: { changed: false } };
      if (fs && !sameFs && !a.force) return failed(`'${dev}' is already used as ${fs}, use force=true to overwrite`);
      const mkfs = shellJoin([want.mkfs, ...want.force, ...(a.opts ? a.opts.split(/\s+/).filter(Boolean) : []), dev]);
      const note = inUse ? ` — ${dev} is ${inUse} now: the op refuses to run unless an earlier task frees it` : '';
      const factUpdates: Record<string, CommandResult> = { [blkidKey(dev)]: { rc: 0, stdout: `${want.family}\n`, stderr: '' } };
      return {
        status: 'changed',
        msg: `create ${a.fstype} on ${dev}${fs ? ` (replacing ${fs})` : ''}${note}`,
        ops: [{ op: 'exec', command: guardedDeviceCommand(dev, mkfs) }],
        diffs: [],
        runtimeOutcome: true,
        result: { changed: true },
        factUpdates,
      };
    }
    if (!fs) return { status: 'ok', msg: `${dev} has no filesystem signature`, ops: [], diffs: [], result: { changed: false } };
    const note = inUse ? ` — ${dev} is ${inUse} now: the op refuses to run unless an earlier task frees it` : '';
    return {
      status: 'changed',
      msg: `wipe ${fs} signatures from ${dev}${note}`,
      ops: [{ op: 'exec', command: guardedDeviceCommand(dev, shellJoin(['wipefs', '--all', dev])) }],
      diffs: [],
      runtimeOutcome: true,
      result: { changed: true },
      factUpdates: { [blkidKey(dev)]: { rc: 2, stdout: '', stderr: '' } },
    };
  },
});
