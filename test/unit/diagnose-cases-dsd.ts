/**
 * Wordings of docker-storage-driver, xfs-ftype, docker-load-import (helper 18E), third source round (issue 18), one case per format string and release,
 * each built from the printing program's format string; run by diagnose-sources.test.ts.
 * Every `from` was opened with read_file at the commit named (the index keeps one commit per file, not a release tag); the
 * comment says which release line the code is from when the file shows it.
 */
import { dmesg, fmt, journald, logrus, type OtherFailure, type SourceCase } from './log-formats.js';

const MOBY = 'https://github.com/moby/moby/blob';
const ENGINE = 'https://github.com/docker-archive/engine/blob/e20de2bf39a6834d1b711ef387ebcc2b36e451c2';
const CRID = 'https://github.com/Mirantis/cri-dockerd/blob/00d31bf29fea63f82eed3872a5b154a3fcf19244';

/** A devicemapper `docker info` as the Engine API returns it (types.Info: Driver, DriverStatus pairs). */
const DM_STATUS = [
  ['Pool Name', 'docker-253:0-33595034-pool'],
  ['Backing Filesystem', 'xfs'],
  ['Data file', '/dev/loop0'],
  ['Data loop file', '/var/lib/docker/devicemapper/devicemapper/data'],
];

const dsd = (symptom: string, from: string, line: string): SourceCase => ({ entry: 'docker-storage-driver', symptom, from, line });
const xfs = (symptom: string, from: string, line: string): SourceCase => ({ entry: 'xfs-ftype', symptom, from, line });

/** moby overlayutils.ErrDTypeNotSupported (20.10+), for driver and backing filesystem. */
const mobyNoDType = (driver: string, fs: string) =>
  fmt('%s: the backing %s filesystem is formatted without d_type support, which leads to incorrect behavior.', driver, fs) +
  (fs === 'xfs' ? ' Reformat the filesystem with ftype=1 to enable d_type support.' : '') +
  ' Backing filesystems without d_type support are not supported.';
const OVERLAYUTILS = `${MOBY}/8805e3839839eba13d44a5048c1ef3624389dfdf/daemon/graphdriver/overlayutils/overlayutils.go`;
const CSTORAGE = 'https://github.com/containers/storage/blob/012e457b91ffde37376ce5d3598736fc67b87e69/drivers/overlay/overlay.go';
const OVL_SUPER = 'https://github.com/torvalds/linux/blob/00ed905ab8e5622700535cd14258e447ef1e7ba9/fs/overlayfs/super.c';

export const DSD_CASES: SourceCase[] = [
  // docker-storage-driver
  // 18.09-20.10 engine: logDeprecatedWarning, logged whenever a deprecated driver is picked
  dsd('docker-info-old-driver', `${ENGINE}/daemon/graphdriver/driver.go`,
    journald('dockerd', logrus('warning', fmt('[graphdriver] WARNING: the %s storage-driver is deprecated, and will be removed in a future release', 'overlay')))),
  // New(): the prior driver's data is there but the driver no longer starts (aufs module gone after a kernel update)
  dsd('docker-info-old-driver', `${ENGINE}/daemon/graphdriver/driver.go`,
    journald('dockerd', logrus('error', fmt('[graphdriver] prior storage driver %s failed: %s', 'aufs', 'driver not supported')))),
  dsd('docker-info-old-driver', `${ENGINE}/daemon/graphdriver/driver.go`, fmt('[graphdriver] prior storage driver %s failed: %s', 'devicemapper', 'devmapper: Base Device UUID and Filesystem verification failed')),
  dsd('docker-info-old-driver', `${ENGINE}/daemon/graphdriver/driver.go`,
    journald('dockerd', fmt('failed to start daemon: error initializing graphdriver: %s contains several valid graphdrivers: %s; Please cleanup or explicitly choose storage driver (-s <DRIVER>)', '/var/lib/docker', 'overlay2, devicemapper'))),
  // 23.0-dev daemon/info.go fillDriverInfo: the 20.10+ warning, in the Engine API /info JSON (Warnings, with its leading \n)
  dsd('docker-info-old-driver', `${MOBY}/026e1c9baf3fda09edc818838cd468e2ab84ba84/daemon/info.go`,
    JSON.stringify({ Driver: 'aufs', Warnings: [fmt('\nWARNING: The %s storage-driver is deprecated, and will be removed in a future release.\n         Refer to the documentation for more information: https://docs.docker.com/go/storage-driver/', 'aufs')] }).slice(20)),
  // info_unix.go fillDriverWarnings: the 18.09+ loop-device warning that names the driver
  dsd('docker-info-old-driver', `${MOBY}/af45cbfbf6408d3abf7e1b8719f1561d72708f9d/daemon/info_unix.go`,
    fmt('WARNING: %s: usage of loopback devices is strongly discouraged for production use.', 'devicemapper')),
  // the DriverStatus pairs of the same info as `docker system info --format '{{json .DriverStatus}}'` prints them
  dsd('docker-info-old-driver', `${MOBY}/af45cbfbf6408d3abf7e1b8719f1561d72708f9d/daemon/info_unix.go`, JSON.stringify(DM_STATUS)),
  // 18.09 daemon/daemon.go NewDaemon: the start line's field is "graphdriver(s)"
  dsd('docker-info-old-driver', `${MOBY}/0023abbad34282762d5bd17302776d2a8521fffc/daemon/daemon.go`,
    journald('dockerd', logrus('info', 'Docker daemon', { commit: '4d60db4', 'graphdriver(s)': 'devicemapper', version: '18.09.7' }).replace('"graphdriver(s)"', 'graphdriver(s)'))),
  // daemon/config findConfigurationConflicts: a --storage-driver flag (docker-storage-setup's DOCKER_STORAGE_OPTIONS)
  // against daemon.json, either way round
  dsd('docker-info-old-driver', `${MOBY}/759e79c4a007bb89541807e0fb1a4595e3eec287/daemon/config/config.go`,
    journald('dockerd', `unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives are specified both as a flag and in the configuration file: ${fmt('%s: (from flag: %v, from file: %v)', 'storage-driver', 'devicemapper', 'overlay2')}`)),
  dsd('docker-info-old-driver', `${MOBY}/759e79c4a007bb89541807e0fb1a4595e3eec287/daemon/config/config.go`,
    `unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives are specified both as a flag and in the configuration file: ${fmt('%s: (from flag: %v, from file: %v)', 'storage-driver', 'overlay2', 'aufs')}`),
  // cri-dockerd logs the daemon's Info struct with %+v at start-up
  dsd('docker-info-old-driver', `${CRID}/core/docker_service.go`,
    logrus('debug', fmt('Docker Info: %+v', `&{ID:7TRN:IPZB:QYBB:VPBQ:UWNQ:KKO7:JIHB:4FQ3:ZMSG:FJ6L Containers:12 ContainersRunning:9 ContainersPaused:0 ContainersStopped:3 Images:31 Driver:devicemapper DriverStatus:[${DM_STATUS.map(([k, v]) => `[${k} ${v}]`).join(' ')}] SystemStatus:[] Plugins:{Volume:[local]}}`))),

  // xfs-ftype
  // 20.10+ ErrDTypeNotSupported, fatal at start ("Backing filesystems without d_type support are not supported.")
  xfs('docker-xfs-no-dtype', OVERLAYUTILS,
    journald('dockerd', fmt('failed to start daemon: error initializing graphdriver: %s', mobyNoDType('overlay2', 'xfs')))),
  // the same error from the prior-driver path of graphdriver.New (18.09-20.10 engine): overlay2 is the wanted driver
  xfs('docker-xfs-no-dtype', `${ENGINE}/daemon/graphdriver/driver.go`,
    logrus('error', fmt('[graphdriver] prior storage driver %s failed: %s', 'overlay2', mobyNoDType('overlay2', 'xfs')))),
  // docker info's own warning (info_unix.go fillDriverWarnings), split over lines as the CLI prints it
  xfs('docker-xfs-no-dtype', `${MOBY}/af45cbfbf6408d3abf7e1b8719f1561d72708f9d/daemon/info_unix.go`,
    fmt('WARNING: %s: the backing %s filesystem is formatted without d_type support, which leads to incorrect behavior.\n         Reformat the filesystem with ftype=1 to enable d_type support.\n         Running without d_type support will not be supported in future releases.', 'overlay2', 'xfs')),
  // containers/storage supportsOverlay returns ErrDTypeNotSupported("overlay", backingFs) before its test mount; CRI-O
  // and podman wrap it ("kernel does not support overlay fs: %w"). c/storage's overlayutils file was not opened: its
  // "Running without d_type is not supported." ending is confirmed from pasted CRI-O logs.
  xfs('docker-xfs-no-dtype', CSTORAGE,
    journald('crio', 'Validating root config: failed to get store to set defaults: kernel does not support overlay fs: overlay: the backing xfs filesystem is formatted without d_type support, which leads to incorrect behavior. Reformat the filesystem with ftype=1 to enable d_type support. Running without d_type is not supported.: driver not supported')),
  // containerd 1.0 snapshots/overlay NewSnapshotter, logged by a standalone containerd when the plugin fails to load
  xfs('containerd-no-dtype', 'https://github.com/containerd/containerd/blob/c776b6d8d9a3086dac331109baa3ccbd60f97a8d/snapshots/overlay/overlay.go',
    journald('containerd', logrus('warning', 'failed to load plugin io.containerd.snapshotter.v1.overlayfs', {
      error: fmt('%s does not support d_type. If the backing filesystem is xfs, please reformat with ftype=1 to enable d_type support', '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs'),
    }))),
  // the kernel (4.13 ovl_fill_super; the same text through pr_fmt in 5.x/6.x ovl_make_workdir), as dmesg -T prints it
  xfs('kernel-overlay-dtype', OVL_SUPER, dmesg('overlayfs: upper fs needs to support d_type.', true)),
];

/** Lines from the same programs that mean another failure: they must name no entry. */
export const DSD_OTHER_FAILURES: OtherFailure[] = [
  // docker-storage-driver: the same messages about overlay2, the wanted driver
  { why: 'prior overlay2', line: logrus('info', fmt('[graphdriver] using prior storage driver: %s', 'overlay2')) },
  { why: 'prior overlay2 failed', line: logrus('error', fmt('[graphdriver] prior storage driver %s failed: %s', 'overlay2', 'driver not supported')) },
  { why: 'start line overlay2', line: logrus('info', 'Docker daemon', { commit: '4d60db4', 'graphdriver(s)': 'overlay2', version: '18.09.7' }).replace('"graphdriver(s)"', 'graphdriver(s)') },
  { why: 'conflict overlay2 both', line: `unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives are specified both as a flag and in the configuration file: ${fmt('%s: (from flag: %v, from file: %v)', 'storage-driver', 'overlay2', 'overlay2')}` },
  { why: 'Docker Info overlay2', line: logrus('debug', fmt('Docker Info: %+v', '&{ID:7TRN Containers:1 Driver:overlay2 DriverStatus:[[Backing Filesystem extfs] [Supports d_type true] [Native Overlay Diff true]] SystemStatus:[]}')) },
  { why: 'several drivers overlay2 btrfs', line: fmt('failed to start daemon: error initializing graphdriver: %s contains several valid graphdrivers: %s; Please cleanup or explicitly choose storage driver (-s <DRIVER>)', '/var/lib/docker', 'overlay2, btrfs') },
  // a driver that does not start and names no driver (overlay module missing, drone docs), and the unit failing
  { why: 'driver not supported', line: 'level=fatal msg="Error starting daemon: error initializing graphdriver: driver not supported"' },
  { why: 'docker.service failed', line: journald('systemd', 'docker.service: Main process exited, code=exited, status=1/FAILURE') },
  { why: 'docker.service start failed', line: journald('systemd', 'Failed to start Docker Application Container Engine.') },
  // xfs-ftype: overlayfs' other upper-fs checks (super.c) are other missing features, not d_type
  { why: 'overlayfs no tmpfile', line: dmesg('overlayfs: upper fs does not support tmpfile.') },
  { why: 'overlayfs no xattr', line: dmesg('overlayfs: upper fs does not support xattr.') },
  { why: 'overlayfs no file handles', line: dmesg('overlayfs: upper fs does not support file handles, falling back to index=off.') },
  { why: 'overlayfs upper r/o', line: dmesg('overlayfs: upper fs is r/o, try multi-lower layers mount') },
  // containers/storage: the test mount failing comes after its d_type check passed, and a missing overlay module
  { why: 'c/storage test mount failed', line: logrus('error', fmt("'overlay' is not supported over %s at %q", 'xfs', '/var/lib/containers/storage/overlay')) },
  { why: 'c/storage no overlay module', line: logrus('error', "'overlay' not found as a supported filesystem on this host. Please ensure kernel is new enough and has overlay support loaded.") },
  { why: 'c/storage over btrfs', line: fmt("'overlay' is not supported over %s, a mount_program is required: %s", 'overlay', 'backing file system is unsupported for this graph driver') },
  // moby's d_type error on ext4 without the filetype feature (its xfs advice is absent)
  { why: 'extfs without d_type 20.10', line: mobyNoDType('overlay2', 'extfs') },
];
