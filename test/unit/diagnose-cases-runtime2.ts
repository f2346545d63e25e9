/**
 * Wordings printed by container runtimes and the kernel, second source round (issue 18, helper 18v): docker/containerd/cri-o
 * storage and image import, runc/crun/youki, XFS/overlay, one case per format string and release; run by diagnose-sources.test.ts.
 * Not every `from` was opened at its tag: the wording was confirmed from source excerpts or from daemon logs found by exact-string
 * search, and the release is where the helper placed it. Treat a `from` here as attribution to check, not as read.
 */
import { dmesg, fmt, journald, logrus, type SourceCase } from './log-formats.js';

const MOBY = 'https://github.com/moby/moby/blob';

export const RUNTIME2_CASES: SourceCase[] = [
  // docker-storage-driver
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v24.0.0/daemon/graphdriver/driver.go`, // checkRemoved: "[graphdriver] ERROR: the %s storage-driver has been deprecated and removed; ..."
    line: journald('dockerd', fmt('failed to start daemon: error initializing graphdriver: [graphdriver] ERROR: the %s storage-driver has been deprecated and removed; visit https://docs.docker.com/go/storage-driver/ for more information: %s', 'aufs', 'aufs')),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v23.0.0/daemon/graphdriver/driver.go`, // New(): log.Infof("[graphdriver] trying configured driver: %s", name)
    line: journald('dockerd', logrus('info', fmt('[graphdriver] trying configured driver: %s', 'devicemapper'))),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v1.12.0/daemon/graphdriver/driver.go`, // logrus.Infof("[graphdriver] using prior storage driver %q", name)
    line: journald('docker', logrus('info', fmt('[graphdriver] using prior storage driver %q', 'aufs'))),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v18.09.0/daemon/graphdriver/driver.go`, // logrus.Infof("[graphdriver] using prior storage driver: %s", name)
    line: fmt('INFO[2019-03-11T22:21:22.300801080+01:00] [graphdriver] using prior storage driver: %s', 'devicemapper'),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v23.0.0/daemon/daemon.go`, // log.WithFields{"version", "commit", "storage-driver"}.Info("Docker daemon")
    line: logrus('info', 'Docker daemon', { commit: 'a5ee5b1', 'storage-driver': 'devicemapper', version: '23.0.6' }).replace('"storage-driver"', 'storage-driver'),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v1.13.0/cli/command/system/info.go`, // the client lived in docker/docker until docker/cli split off at 17.06; // "WARNING: Usage of loopback devices is strongly discouraged ..." after the driver status
    line: ' WARNING: Usage of loopback devices is strongly discouraged for production use. Use `--storage-opt dm.thinpooldev` to specify a custom block storage device.',
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v23.0.0/daemon/graphdriver/devmapper/deviceset.go`, // log.G(ctx).Warn("Usage of loopback devices ...") without the devmapper: prefix
    line: 'WARN[2023-07-17T00:09:12.883829105+08:00] Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man dockerd` to refer to dm.thinpooldev section.',
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v17.03.0-ce/daemon/graphdriver/devmapper/driver.go`, // Status(): {"Data loop file", s.DataLoopback}, printed by docker info as " %s: %s"
    line: fmt(' Data loop file: %s', '/var/lib/docker/devicemapper/devicemapper/data'),
  },
  {
    entry: 'docker-storage-driver',
    symptom: 'docker-info-old-driver',
    from: `${MOBY}/v20.10.0/daemon/config/config.go`, // GraphDriver `json:"storage-driver,omitempty"` in daemon.json
    line: '  "storage-driver": "devicemapper",',
  },
  // docker-load-import
  {
    entry: 'docker-load-import',
    symptom: 'podman-load-unrecognized',
    from: 'https://github.com/containers/common/blob/v0.38.0/libimage/load.go', // errors.New("payload does not match any of the supported image formats (oci, oci-archive, dir, docker-archive)")
    line: 'Error: payload does not match any of the supported image formats (oci, oci-archive, dir, docker-archive)',
  },
  {
    entry: 'docker-load-import',
    symptom: 'podman-load-unrecognized',
    from: 'https://github.com/containers/common/blob/v0.58.0/libimage/load.go', // "payload does not match any of the supported image formats:" + " * %v" lines
    line: 'Error: payload does not match any of the supported image formats:\n * oci: open /tmp/rootfs.tar/index.json: not a directory\n * docker-archive: loading tar component "manifest.json": file does not exist',
  },
  {
    entry: 'docker-load-import',
    symptom: 'podman-load-unrecognized',
    from: 'https://github.com/containers/podman/blob/v4.0.0/pkg/api/handlers/compat/images.go', // docker-compatible API: "failed to load image: %w"
    line: '{"cause":"payload does not match any of the supported image formats","message":"failed to load image: payload does not match any of the supported image formats","response":500}',
  },
  // drop-caches
  {
    entry: 'drop-caches',
    symptom: 'memory-fragmented',
    from: 'https://github.com/torvalds/linux/blob/v4.14/mm/page_alloc.c', // warn_alloc(..., "page allocation stalls for %ums, order:%u", ...)
    line: dmesg(fmt('%s: page allocation stalls for %ums, order:%u, mode:%#x(%s), nodemask=(null)', 'runc:[1:CHILD]', 10024, 2, '0x14000c0', 'GFP_KERNEL')),
  },
  // xfs-ftype
  {
    entry: 'xfs-ftype',
    symptom: 'docker-xfs-no-dtype-any',
    from: 'https://github.com/containers/storage/blob/v1.45.0/drivers/overlay/overlay.go', // Status(): {"Supports d_type", strconv.FormatBool(d.supportsDType)}, YAML in podman info
    line: '    Supports d_type: "false"',
  },
  {
    entry: 'xfs-ftype',
    symptom: 'docker-xfs-no-dtype-any',
    from: 'https://github.com/moby/moby/blob/v20.10.0/daemon/graphdriver/overlay2/overlay.go', // Status() pairs in docker info --format '{{json .DriverStatus}}'
    line: '[["Backing Filesystem","xfs"],["Supports d_type","false"],["Native Overlay Diff","true"]]',
  },
];
