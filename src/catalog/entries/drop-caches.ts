import { fileRec, makeDetector, unknown, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

function mib(lines: string[], key: string): number | undefined {
  for (const l of lines) {
    const m = /^(\S+):\s+(\d+) kB$/.exec(l.trim());
    if (m && m[1] === key) return Math.round(Number(m[2]) / 1024);
  }
  return undefined;
}

/** There is no state to look at: the problem only shows in runtime errors. Report memory as context. */
function judge(recs: Rec[]): DetectorResult {
  const f = fileRec(recs, 'meminfo');
  const tail = 'look for "exit status 40" in docker/kubelet logs (crane-fix diagnose)';
  if (f.kind !== 'file') return unknown(`cannot read /proc/meminfo; ${tail}`);
  const avail = mib(f.lines, 'MemAvailable') ?? mib(f.lines, 'MemFree');
  const cached = mib(f.lines, 'Cached');
  if (avail === undefined || cached === undefined) return unknown(`/proc/meminfo has no MemAvailable/Cached; ${tail}`);
  return unknown(`not detectable from node state (available ${avail} MiB, page cache ${cached} MiB); ${tail}`);
}

export const entry: CatalogEntry = {
  id: 'drop-caches',
  level: 'host',
  title: {
    en: 'Containers fail to start with OCI runtime "exit status 40" (memory)',
    zh: '启动容器报 OCI runtime “exit status 40”（系统内存问题）',
  },
  explanation: {
    en:
      'With some kernel and docker versions (seen with docker 17.12.1-ce) runc cannot start the container\'s init ' +
      'process: "running exec setns process for init caused \\"exit status 40\\"". It is a system memory problem — ' +
      'the kernel cannot get memory for the new process while much of it is held by the page cache. Dropping the page ' +
      'cache clears it. It is a workaround and can come back.',
    zh:
      '在部分内核与 docker 版本上（如 docker 17.12.1-ce），runc 无法启动容器的 init 进程：' +
      '“running exec setns process for init caused \\"exit status 40\\"”。此问题属于系统内存 Bug——大量内存被页缓存占用时，' +
      '内核无法为新进程分配内存，执行内存清除命令即可解决。这只是临时规避，之后可能再次出现。',
  },
  action: {
    en:
      '  sync\n' +
      '  echo 1 > /proc/sys/vm/drop_caches\n' +
      'This drops only clean page cache: nothing is lost, reads are slower for a while, and there is nothing to undo. ' +
      'If it keeps coming back, keep more memory free (sysctl -w vm.min_free_kbytes=1048576, and persist it in ' +
      '/etc/sysctl.conf) or upgrade the kernel and docker.',
    zh:
      '  sync\n' +
      '  echo 1 > /proc/sys/vm/drop_caches\n' +
      '只会释放干净的页缓存：不会丢数据，短时间内磁盘读取会变慢，无需也无法回滚。如果反复出现，可以让系统保留更多空闲内存' +
      '（sysctl -w vm.min_free_kbytes=1048576，并写入 /etc/sysctl.conf 持久化），或升级内核与 docker。',
  },
  symptoms: [
    {
      id: 'oci-exit-status-40',
      pattern: /running exec setns process for init caused:? \\*"?exit status 40/,
      example:
        '/usr/local/bin/docker: Error response from daemon: OCI runtime create failed: container_linux.go:348: starting container process caused "process_linux.go:301: running exec setns process for init caused \\"exit status 40\\"": unknown.',
      source: 'notes',
      reason: { en: 'runc\'s init failed joining the namespaces (exit status 40): no memory for it while the page cache holds much.', zh: 'runc 的 init 进程加入命名空间失败（exit status 40）：页缓存占用大量内存，新进程分配不到内存。' },
    },
    {
      id: 'memory-fragmented',
      // Kernel: "page allocation failure. order:%d" (2.6.x, e.g. RHEL 6), ": order:%d" (3.x+, mm/page_alloc.c warn_alloc);
      // v4.9-v4.14 also warn_alloc("page allocation stalls for %ums, order:%u") for a stalled one.
      // order >= 1 is a request for contiguous pages. runc's nsexec pr_perror()/bail() append %m: "Unable to unshare
      // namespaces" (0.1), "unable to unshare namespaces" (1.0.0-rc1/rc2), "failed to unshare namespaces" (rc3..rc92),
      // "failed to unshare remaining namespaces (except cgroupns)" (1.0+; later without the parenthesis), "Unable to
      // fork"/"unable to fork: <fn>"/"unable to spawn stage-N" for the clone that follows, and "Failed to setns to
      // <path>" / "failed to setns to <path>" for joining an existing namespace (setns ENOMEM: no memory for the copy).
      // crun (libcrun/linux.c) prints "crun: <step>: %m" for the same steps: "clone", "unshare", "setns `<ns>`".
      pattern:
        /page allocation failure[.:] order:[1-9]|page allocation stalls for \d+ms, order:[1-9]|nsenter: (?:unable|failed) to unshare namespaces: Cannot allocate memory|failed to unshare remaining namespaces(?: \(except cgroupns\))?: Cannot allocate memory|unable to (?:fork|spawn stage-\d)(?:: \w+)?: Cannot allocate memory|failed to setns to \S+: Cannot allocate memory|crun: (?:clone|unshare|setns `\w+`): Cannot allocate memory|\/merged\/dev\/console: cannot allocate memory/i,
      example: 'page allocation failure: order:4',
      source: 'unix.stackexchange.com/questions/385266',
      reason: { en: 'The kernel found no contiguous memory for a new container (page cache, fragmentation).', zh: '内核无法为新容器分配连续内存（页缓存占用、内存碎片）。' },
      weight: 1,
    },
  ],
  detector: makeDetector({
    helpers: ['file'],
    script: () => 'crane_file meminfo /proc/meminfo',
    judge,
  }),
  playbook: 'drop-caches.yaml',
  reversible: false,
  destructive: false,
  references: ['https://github.com/opencontainers/runc/issues/1740'],
};
