import { affected, clean, DetectorOutputError, fileRec, majorMinor, makeDetector, unknown, versionLess, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

export const MIN_KERNEL: [number, number] = [4, 14];

/** Whether the pids controller is available: /proc/cgroups (v1 and v2) or cgroup.controllers (v2). */
export function hasPidsCgroup(procCgroups: string | undefined, controllers: string | undefined): boolean {
  if (controllers !== undefined && controllers.split(/\s+/).includes('pids')) return true;
  if (procCgroups === undefined) return false;
  return procCgroups.split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[0] === 'pids' && f[3] === '1';
  });
}

function judge(recs: Rec[]): DetectorResult {
  const k = recs.find((r) => r.tag === 'kernel');
  if (!k) throw new DetectorOutputError('no kernel record');
  const release = (k.body[0] ?? '').trim();
  const ver = majorMinor(release);
  if (!ver) return unknown(`cannot read the kernel version from ${JSON.stringify(release)}`);
  const v1 = fileRec(recs, 'cgroups');
  const v2 = fileRec(recs, 'cgroup2');
  const pids = hasPidsCgroup(v1.kind === 'file' ? v1.text : undefined, v2.kind === 'file' ? v2.text : undefined);
  const problems: string[] = [];
  if (versionLess(ver, MIN_KERNEL)) problems.push(`kernel ${release} is older than ${MIN_KERNEL.join('.')}`);
  if (!pids) {
    if (v1.kind !== 'file' && v2.kind !== 'file') problems.push('cannot read /proc/cgroups');
    else problems.push('no pids cgroup controller');
  }
  if (problems.length === 0) return clean(`kernel ${release}, pids cgroup available`);
  if (problems.length === 1 && problems[0] === 'cannot read /proc/cgroups') return unknown(`kernel ${release}; cannot read /proc/cgroups`);
  return affected(problems.join('; '));
}

/** A kernel release older than 4.14 (MIN_KERNEL), as uname, kubeadm and dmesg print it. */
const OLD_RELEASE = '(?:2\\.6|3\\.\\d+|4\\.(?:\\d|1[0-3]))\\.\\d+';

export const entry: CatalogEntry = {
  id: 'kernel-min-version',
  level: 'host',
  title: {
    en: 'Kernel older than 4.14 or without the pids cgroup',
    zh: '内核版本低于 4.14 或缺少 pids cgroup',
  },
  explanation: {
    en:
      "On old kernels such as CentOS 7's 3.10.0-327, kubelet cannot find the pids cgroup (\"failed to find subsystem " +
      'mount for required subsystem: pids"), fails to set up the QoS cgroups, and containers crash after the services ' +
      'have started. On the same kind of kernel docker 19.03 cannot start containers during build or run ("getting the ' +
      "final child's pid from pipe caused \\\"EOF\\\"\", moby/moby#40835). Upgrading the kernel to 4.14 or later fixes both.",
    zh:
      '在较旧的内核上（如 CentOS 7 的 3.10.0-327），kubelet 找不到 pids cgroup（“failed to find subsystem mount for ' +
      'required subsystem: pids”），QoS cgroup 配置失败，会导致服务启动后容器异常崩溃。同类内核上 docker 19.03 在 build ' +
      '和 run 时也会报 “getting the final child\'s pid from pipe caused \\"EOF\\"”（moby/moby#40835）。升级内核至 4.14 以上即可解决。',
  },
  action: {
    en:
      'Upgrade the kernel to 4.14 or later and reboot. On CentOS 7, for example, with the ELRepo repository installed:\n' +
      '  yum --enablerepo=elrepo-kernel install -y kernel-ml   # or kernel-lt if its version is >= 4.14\n' +
      '  grub2-set-default 0\n' +
      '  reboot\n' +
      'Afterwards check: uname -r; grep pids /proc/cgroups\n' +
      'crane-fix only detects this; it does not change kernels.',
    zh:
      '升级内核至 4.14 以上并重启。例如 CentOS 7 上（已安装 ELRepo 源）：\n' +
      '  yum --enablerepo=elrepo-kernel install -y kernel-ml   # 或版本 >= 4.14 的 kernel-lt\n' +
      '  grub2-set-default 0\n' +
      '  reboot\n' +
      '重启后检查：uname -r; grep pids /proc/cgroups\n' +
      'crane-fix 只做检测，不会更换内核。',
  },
  symptoms: [
    {
      id: 'memcg-3-10-leak',
      // CentOS/RHEL 7's 3.10 kernels leak memory cgroups (kmem accounting): after enough pods a new memory cgroup cannot
      // be made, "mkdir /sys/fs/cgroup/memory/kubepods/...: cannot allocate memory" (or "no space left on device", the
      // memcg ID limit) while the node has free memory (kubernetes/kubernetes#96701, #61937). A newer kernel fixes it.
      pattern: /mkdir \/sys\/fs\/cgroup\/memory\/\S+: (?:cannot allocate memory|no space left on device)/,
      example: 'mkdir /sys/fs/cgroup/memory/kubepods/besteffort/podbfeaeabc-c36c-4a99-87b2-881b379de2c9: cannot allocate memory',
      source: 'kubernetes/kubernetes#96701',
      reason: { en: "The old kernel's memory cgroups leaked (3.10 kmem accounting): no new memory cgroup can be made.", zh: '旧内核（3.10 的 kmem 记账）泄漏 memory cgroup：无法再创建新的 memory cgroup。' },
    },
    {
      id: 'kubelet-no-pids-cgroup',
      pattern: /failed to find subsystem mount for required subsystem: pids/i,
      example:
        'Dec 24 10:30:08 BJ-M8-HADOOP-105-144 kubelet[350845]: W1224 10:30:08.150199  350845 qos_container_manager_linux.go:138] [ContainerManager] Failed to reserve QoS requests: failed to set supported cgroup subsystems for cgroup [kubepods burstable]: failed to find subsystem mount for required subsystem: pids',
      source: 'notes',
      reason: { en: 'The kernel has no pids cgroup, which kubelet needs; old kernels such as 3.10.0-327 lack it.', zh: '内核没有 kubelet 需要的 pids cgroup；3.10.0-327 等旧内核不提供。' },
    },
    {
      id: 'pids-cgroup-missing-other',
      // kubeadm preflight SystemVerification (k8s.io/system-validators cgroup_validator.go): the error "missing required
      // cgroups: %s" and its report line "CGROUPS_PIDS: missing"; dockerd (daemon/daemon_unix.go) and podman warn
      // "Your kernel does not support pids limit capabilities ..." (moby < 20.10 and podman; "PIDs limit" since 20.10).
      pattern: /missing required cgroups: (?:\S+ )*pids\b|^CGROUPS_PIDS: missing|Your kernel does not support pids limit capabilities or the cgroup is not mounted/i,
      example: '\t[ERROR SystemVerification]: missing required cgroups: pids',
      source: 'kubeadm preflight (system-validators), dockerd/podman container create',
      reason: { en: 'The kernel offers no pids cgroup (old kernels such as 3.10.0-327 lack it).', zh: '内核不提供 pids cgroup（3.10.0-327 等旧内核没有）。' },
    },
    {
      id: 'runc-child-pid-eof',
      pattern: /getting the final child's pid from pipe caused \\*"EOF\\*"/,
      example:
        'OCI runtime create failed: container_linux.go:349: starting container process caused "process_linux.go:319: getting the final child\'s pid from pipe caused \\"EOF\\"": unknown',
      source: 'notes (moby/moby#40835)',
      reason: { en: 'runc could not start the container\'s init (docker 19.03 on an old 3.10 kernel).', zh: 'runc 无法启动容器的 init 进程（旧 3.10 内核上的 docker 19.03）。' },
    },
    {
      id: 'runc-child-pid-eof-new',
      // Newer runc appends "; runc init error(s): nsexec-1[..]: <step>: <errno>": with ENOMEM there the cause is memory
      // (drop-caches), not the kernel.
      pattern: /(?:getting the final child's pid from pipe caused: EOF|can't get final child's PID from pipe: EOF)(?!; runc init error\(s\):.*Cannot allocate memory)/i,
      example: "OCI runtime create failed: runc create failed: unable to start container process: can't get final child's PID from pipe: EOF: unknown",
      source: 'concourse/concourse#8792',
      reason: { en: "runc could not start the container's init; on 3.10 kernels this is the missing kernel support.", zh: 'runc 无法启动容器的 init 进程；在 3.10 内核上通常是内核功能不足。' },
      weight: 1,
    },
    {
      id: 'uname-old-kernel',
      pattern: new RegExp(`^Linux \\S+ ${OLD_RELEASE}\\S* #\\d+`),
      example:
        'Linux ip-10-200-1-206.ap-southeast-1.compute.internal 3.10.0-1127.el7.x86_64 #1 SMP Tue Mar 31 23:36:51 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux',
      source: 'notes (uname -a)',
      reason: { en: 'uname shows a kernel older than 4.14.', zh: 'uname 显示内核版本低于 4.14。' },
    },
    {
      id: 'kubeadm-old-kernel',
      // system-validators kernel_validator.go (and test/e2e_node/system before it): the report line "KERNEL_VERSION: %s",
      // the error "unsupported kernel release: %s" and, in releases with SuggestedVersions, the warning "unsuggested
      // kernel release: %s" (kubeadm preflight SystemVerification); kubeadm 1.32+ words it "kernel release %s is unsupported.
      // Recommended LTS version from the 4.x series is 4.19. ..." (4.18 fails there too: only releases older than 4.14 count).
      pattern: new RegExp(`(?:^KERNEL_VERSION: |uns(?:upported|uggested) kernel release: )${OLD_RELEASE}|kernel release ${OLD_RELEASE}\\S* is unsupported`),
      example: '\t[ERROR SystemVerification]: unsupported kernel release: 2.6.32-754.el6.x86_64',
      source: 'kubeadm preflight (system-validators kernel_validator.go)',
      reason: { en: 'kubeadm\'s system check read a kernel older than 4.14.', zh: 'kubeadm 的系统检查读到的内核版本低于 4.14。' },
    },
    {
      id: 'kube-proxy-ipvs-old-kernel',
      // kube-proxy's IPVS proxier leaves net/ipv4/vs/conn_reuse_mode alone on kernels older than 4.1
      // (connReuseMinSupportedKernelVersion): klog.Errorf("can't set sysctl %s, kernel version must be at least %s")
      // up to 1.20, then ErrorS/logger.Error("Can't set sysctl, kernel version doesn't satisfy minimum version requirements").
      pattern:
        /can't set sysctl net\/ipv4\/vs\/conn_reuse_mode, kernel version must be at least 4\.1\b|Can't set sysctl, kernel version doesn't satisfy minimum version requirements/i,
      example:
        'E0611 11:12:15.485477       1 proxier.go:377] "Can\'t set sysctl, kernel version doesn\'t satisfy minimum version requirements" sysctl="net/ipv4/vs/conn_reuse_mode" minimumKernelVersion="4.1"',
      source: 'kube-proxy pkg/proxy/ipvs/proxier.go',
      reason: { en: 'kube-proxy (IPVS) found a kernel older than 4.1.', zh: 'kube-proxy（IPVS 模式）检测到内核版本低于 4.1。' },
    },
    {
      id: 'cilium-old-kernel',
      // cilium-agent's CheckMinRequirements (pkg/datapath/linux/requirements.go): log.Fatalf("kernel version: NOT OK:
      // minimal supported kernel version is %s; kernel version that is running is: %s") and "clang (%s) and kernel (%s)
      // version: NOT OK: please upgrade your kernel version to at least %s"; only a running kernel older than 4.14 counts.
      pattern: new RegExp(
        `kernel version: NOT OK: minimal supported kernel version is [^;]+; kernel version that is running is: ${OLD_RELEASE}|clang \\(\\S+\\) and kernel \\(${OLD_RELEASE}\\) version: NOT OK`,
      ),
      example: 'level=fatal msg="kernel version: NOT OK: minimal supported kernel version is >= 4.8.0; kernel version that is running is: 4.4.0" subsys=daemon',
      source: 'cilium-agent (pkg/datapath/linux/requirements.go)',
      reason: { en: 'Cilium refused to start on a kernel older than 4.14.', zh: 'Cilium 在低于 4.14 的内核上拒绝启动。' },
    },
    {
      id: 'dmesg-old-kernel',
      pattern: new RegExp(`\\bLinux version ${OLD_RELEASE}`),
      example:
        '[    0.000000] Linux version 3.10.0-327.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.3 20140911 (Red Hat 4.8.3-9) (GCC) ) #1 SMP Thu Nov 19 22:10:57 UTC 2015',
      source: 'kernel boot log (dmesg)',
      reason: { en: 'The boot log shows a kernel older than 4.14.', zh: '启动日志显示内核版本低于 4.14。' },
    },
  ],
  detector: makeDetector({
    helpers: ['file'],
    script: () =>
      [
        `echo "@@crane kernel"; printf '|%s\\n' "$(uname -r)"`,
        'crane_file cgroups /proc/cgroups',
        'crane_file cgroup2 /sys/fs/cgroup/cgroup.controllers',
      ].join('\n'),
    judge,
  }),
  reversible: true,
  references: ['https://github.com/moby/moby/issues/40835'],
};
