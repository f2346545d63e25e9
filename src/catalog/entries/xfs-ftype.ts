import {
  affected, clean, hasRec, makeDetector, notInstalled, optRunRec, pathVar, runRec, unknown,
  type Rec, type RunRec,
} from '../detect.js';
import { shellQuote } from '../shellQuote.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

type Part = { status: DetectorResult['status']; text: string };

/** ftype from `xfs_info` output: "naming =version 2 bsize=4096 ascii-ci=0, ftype=1". */
export function xfsFtype(xfsInfo: string): 0 | 1 | undefined {
  const m = /^naming\s*=.*\bftype=([01])\b/m.exec(xfsInfo);
  return m ? (Number(m[1]) as 0 | 1) : undefined;
}

function judgeXfsInfo(what: string, r: RunRec): Part {
  if (notInstalled(r)) return { status: 'unknown', text: `${what}: xfs_info not installed (xfsprogs)` };
  if (r.rc !== 0) {
    if (/not a valid XFS filesystem/i.test(r.text)) return { status: 'clean', text: `${what}: not an XFS filesystem` };
    return { status: 'unknown', text: `${what}: xfs_info failed (rc ${r.rc}): ${r.lines[0] ?? ''}` };
  }
  const ft = xfsFtype(r.text);
  if (ft === 0) return { status: 'affected', text: `${what}: XFS ftype=0 (no d_type)` };
  if (ft === 1) return { status: 'clean', text: `${what}: XFS ftype=1` };
  return { status: 'unknown', text: `${what}: xfs_info printed no ftype` };
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const parts: Part[] = [];
  const dirRec = recs.find((r) => r.tag === 'dir');
  const dir = dirRec?.body[0] ?? '?';
  const fs = runRec(recs, 'fstype');
  if (notInstalled(fs)) parts.push({ status: 'unknown', text: 'findmnt not installed' });
  else if (fs.rc !== 0) parts.push({ status: 'unknown', text: `findmnt failed for ${dir}: ${fs.lines[0] ?? ''}` });
  else {
    const fstype = (fs.lines[0] ?? '').trim();
    if (fstype !== 'xfs') parts.push({ status: 'clean', text: `${dir} is on ${fstype || 'an unknown filesystem'}` });
    else {
      const x = optRunRec(recs, 'dirxfs');
      parts.push(x ? judgeXfsInfo(dir, x) : { status: 'unknown', text: `${dir}: no xfs_info output` });
    }
  }
  const dev = pathVar(vars, ['xfs_device']);
  if (dev !== undefined) {
    if (hasRec(recs, 'nodev')) parts.push({ status: 'unknown', text: `xfs_device ${dev} does not exist` });
    else parts.push(judgeXfsInfo(dev, runRec(recs, 'devxfs')));
  }
  const text = parts.map((p) => p.text).join('; ');
  if (parts.some((p) => p.status === 'affected')) return affected(text);
  if (parts.some((p) => p.status === 'unknown')) return unknown(text);
  return clean(text);
}

export const entry: CatalogEntry = {
  id: 'xfs-ftype',
  level: 'host',
  title: {
    en: 'XFS without d_type (ftype=0) under the container runtime data directory',
    zh: '容器运行时数据盘为 XFS 且未开启 d_type（ftype=0）',
  },
  explanation: {
    en:
      'The CRI uses the overlay (overlay2) storage driver by default, and overlay needs d_type support from the ' +
      'backing filesystem. XFS only has it when it was formatted with ftype=1. Current xfsprogs does that by default, ' +
      'but disks formatted by older tools (early CentOS 7, for example) often have ftype=0. On such a disk docker ' +
      'warns or refuses to start: "overlay2: the backing xfs filesystem is formatted without d_type support, which ' +
      'leads to incorrect behavior". ftype cannot be changed in place: the disk has to be formatted again.',
    zh:
      '因 CRI 默认使用 Overlay（overlay2）作为存储驱动，需要磁盘（如 xfs）支持 d_type。XFS 只有在格式化时指定 ' +
      'ftype=1 才支持 d_type；新版 xfsprogs 默认即为 ftype=1，但较早的系统（如早期 CentOS 7）上格式化的磁盘常为 ftype=0。' +
      '此时 docker 会告警或拒绝启动：“overlay2: the backing xfs filesystem is formatted without d_type support, ' +
      'which leads to incorrect behavior”。ftype 无法在线修改，需重新初始化（格式化）磁盘后才可以正常使用。',
  },
  action: {
    en:
      'Formatting erases everything on the device. Drain the node and stop the runtime first:\n' +
      '  kubectl drain <node> --ignore-daemonsets --delete-emptydir-data   # kubectl < 1.20: --delete-local-data\n' +
      '  systemctl stop kubelet docker\n' +
      '  umount <xfs_device>                        # only if it is mounted\n' +
      '  mkfs.xfs -f -n ftype=1 <xfs_device>\n' +
      '  mount <xfs_device> <docker_data_dir>       # keep or add the /etc/fstab entry\n' +
      '  systemctl start docker kubelet\n' +
      '  kubectl uncordon <node>\n' +
      'Check: xfs_info <docker_data_dir> | grep ftype   # must show ftype=1',
    zh:
      '格式化会清空该设备上的全部数据。请先驱逐节点上的 Pod 并停止容器运行时：\n' +
      '  kubectl drain <node> --ignore-daemonsets --delete-emptydir-data   # kubectl 1.20 以前用 --delete-local-data\n' +
      '  systemctl stop kubelet docker\n' +
      '  umount <xfs_device>                        # 仅在已挂载时执行\n' +
      '  mkfs.xfs -f -n ftype=1 <xfs_device>\n' +
      '  mount <xfs_device> <docker_data_dir>       # 保留或补上 /etc/fstab 中的挂载项\n' +
      '  systemctl start docker kubelet\n' +
      '  kubectl uncordon <node>\n' +
      '检查：xfs_info <docker_data_dir> | grep ftype   # 应为 ftype=1',
  },
  symptoms: [
    {
      id: 'docker-xfs-no-dtype',
      pattern: /overlay2?: the backing xfs filesystem is formatted without d_type support/,
      example:
        'WARN[0001] overlay: the backing xfs filesystem is formatted without d_type support, which leads to incorrect behavior. Reformat the filesystem with ftype=1 to enable d_type support. Running without d_type support will no longer be supported in Docker 17.12.',
      source: 'moby/moby#29873 (dockerd)',
      reason: { en: 'dockerd\'s overlay storage sits on an XFS formatted with ftype=0 (no d_type).', zh: 'dockerd 的 overlay 存储所在的 XFS 使用 ftype=0 格式化（不支持 d_type）。' },
    },
    {
      id: 'docker-xfs-no-dtype-any',
      pattern: /backing (?:xfs )?filesystem (?:xfs )?is (?:formatted|not configured to support d_type)|Supports d_type"?: ?"?false\b|\[\s*"Supports d_type",\s*"false"\s*\]|^naming\s*=version \d.*\bftype=0\b/,
      example: "WARN[0001] overlay2 won't work properly because the backing filesystem xfs is not configured to support d_type.",
      source: 'moby/moby#27433',
      reason: { en: 'overlay on an XFS formatted with ftype=0 (no d_type).', zh: 'overlay 所在的 XFS 使用 ftype=0 格式化（不支持 d_type）。' },
      weight: 2,
    },
    {
      id: 'containerd-no-dtype',
      pattern: /does not support d_type\. If the backing filesystem is xfs, please reformat with ftype=1/,
      example:
        'Apr 3 15:31:11 Docker dockerd: time="2018-04-03T15:31:11+08:00" level=warning msg="failed to load plugin io.containerd.snapshotter.v1.overlayfs" error="/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs does not support d_type. If the backing filesystem is xfs, please reformat with ftype=1 to enable d_type support" module=containerd',
      source: 'containerd overlayfs snapshotter (dockerd syslog)',
      reason: { en: 'containerd\'s overlayfs snapshotter sits on a filesystem without d_type (XFS ftype=0).', zh: 'containerd 的 overlayfs snapshotter 所在文件系统不支持 d_type（XFS ftype=0）。' },
    },
    {
      id: 'kernel-overlay-dtype',
      pattern: /overlayfs: upper fs needs to support d_type/,
      example: '[21859.703520] overlayfs: upper fs needs to support d_type.',
      source: 'kernel (dmesg), rkt/rkt#3040',
      reason: { en: 'The kernel refuses overlayfs on an upper filesystem without d_type (XFS ftype=0).', zh: '内核拒绝在不支持 d_type 的上层文件系统（XFS ftype=0）上挂载 overlayfs。' },
    },
  ],
  detector: makeDetector({
    helpers: ['run'],
    script(vars) {
      const dir = pathVar(vars, ['docker_data_dir', 'docker_data_root'], '/var/lib/docker')!;
      const dev = pathVar(vars, ['xfs_device']);
      return [
        `d=${shellQuote(dir)}`,
        `dev=${shellQuote(dev ?? '')}`,
        // A data dir that does not exist yet will be created on its parent's filesystem.
        `while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname -- "$d"); done`,
        `echo "@@crane dir"; printf '|%s\\n' "$d"`,
        `crane_run fstype findmnt -n -o FSTYPE -T "$d"`,
        `if [ "$(findmnt -n -o FSTYPE -T "$d" 2>/dev/null)" = xfs ]; then crane_run dirxfs xfs_info "$(findmnt -n -o TARGET -T "$d")"; fi`,
        `if [ -n "$dev" ]; then if [ -e "$dev" ]; then crane_run devxfs xfs_info "$dev"; else echo "@@crane nodev"; fi; fi`,
      ].join('\n');
    },
    judge,
  }),
  playbook: 'xfs-ftype.yaml',
  reversible: false,
  destructive: true,
  vars: [
    {
      name: 'docker_data_dir',
      description: {
        en: "The container runtime's data directory whose filesystem is checked (Crane's docker_data_root is accepted too).",
        zh: '需要检查所在文件系统的容器运行时数据目录（也接受 Crane 的 docker_data_root）。',
      },
      default: '/var/lib/docker',
    },
    {
      name: 'xfs_device',
      description: {
        en: 'Block device to check and, for the fix, to format with ftype=1 (e.g. /dev/sdb or a loop device). An XFS V4 (ftype=0) disk may not be mountable on newer kernels, so it is named here rather than found through the data directory.',
        zh: '需要检查、修复时以 ftype=1 重新格式化的块设备（如 /dev/sdb 或 loop 设备）。新内核可能无法挂载 XFS V4（ftype=0）磁盘，因此在这里直接指定设备，而不是通过数据目录查找。',
      },
      required: false,
    },
  ],
  references: ['https://github.com/moby/moby/issues/29873', 'https://docs.docker.com/storage/storagedriver/overlayfs-driver/'],
};
