import {
  affected, clean, fileRec, makeDetector, notInstalled, optRunRec, stringVar, unknown, VarError, type Rec,
} from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';

/** The drivers docker is moved off (not overlay2), as the daemon's logs, docker info and daemon.json name them. */
const OLD_DRIVER = '(?:devicemapper|aufs|overlay|vfs)';

function wantedDriver(vars: Record<string, unknown>): string {
  const v = stringVar(vars, ['docker_storage_driver']) ?? 'overlay2';
  if (!/^[a-z0-9_.-]+$/i.test(v)) throw new VarError(`docker_storage_driver is not a driver name: ${JSON.stringify(v)}`);
  return v;
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const want = wantedDriver(vars);
  const f = fileRec(recs, 'daemon');
  if (f.kind === 'notfile') return unknown(`${DAEMON_JSON} is not a regular file`);
  if (f.kind === 'file' && f.text.trim() !== '') {
    let cfg: unknown;
    try {
      // dockerd >= 23.0 ignores a UTF-8 BOM in daemon.json (moby/moby#44770), as does the fix's replace.
      cfg = JSON.parse(f.text.replace(/^\ufeff/, ''));
    } catch {
      return unknown(`${DAEMON_JSON} is not valid JSON (docker would not start with it)`);
    }
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) return unknown(`${DAEMON_JSON} is not a JSON object`);
    const d = (cfg as Record<string, unknown>)['storage-driver'];
    if (typeof d === 'string' && d !== '') {
      return d === want ? clean(`daemon.json storage-driver: ${d}`) : affected(`daemon.json storage-driver: ${d}, want ${want}`);
    }
  }
  // Not configured: docker picks a default, ask it.
  const info = optRunRec(recs, 'info');
  const where = f.kind === 'missing' ? `no ${DAEMON_JSON}` : 'storage-driver not set in daemon.json';
  if (!info) return unknown(`${where}; docker info did not run`);
  if (notInstalled(info)) return clean(`${where}; docker is not installed`);
  const m = /^\s*Storage Driver:\s*(\S+)/m.exec(info.text);
  if (!m) {
    const why = info.lines.find((l) => /error|cannot|denied/i.test(l)) ?? [...info.lines].reverse().find((l) => l.trim()) ?? '';
    return unknown(`${where}; docker info shows no storage driver (rc ${info.rc}): ${why.trim()}`);
  }
  return m[1] === want ? clean(`${where}; docker uses ${m[1]}`) : affected(`${where}; docker uses ${m[1]}, want ${want}`);
}

export const entry: CatalogEntry = {
  id: 'docker-storage-driver',
  level: 'host',
  title: {
    en: 'Docker storage driver is not overlay2 (kubelet: "no PodsandBox found")',
    zh: 'Docker 存储驱动不是 overlay2（kubelet 报 “no PodsandBox found”）',
  },
  explanation: {
    en:
      'kubelet fails to start with "Failed to start ContainerManager failed to build map of initial containers from ' +
      'runtime: no PodsandBox found with Id ..." and the container runtime is reported down (PLEG is not healthy). ' +
      "This is a problem of docker's storage driver (e.g. devicemapper, the old default on CentOS 7); it was solved by " +
      'switching docker to overlay2.',
    zh:
      'kubelet 启动时报 “Failed to start ContainerManager failed to build map of initial containers from runtime: ' +
      'no PodsandBox found with Id ...”，容器运行时被判定为异常（PLEG is not healthy）。问题属于 docker 存储驱动的问题' +
      '（如 CentOS 7 旧默认的 devicemapper），使用 overlay2 后解决。',
  },
  action: {
    en:
      'Switching the driver hides existing images and containers (they stay on disk under the old driver) and the node ' +
      'pulls its images again. Drain the node first:\n' +
      '  kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\n' +
      '  systemctl stop kubelet docker\n' +
      '  # /etc/docker/daemon.json: "storage-driver": "overlay2"\n' +
      '  systemctl start docker kubelet\n' +
      '  docker info | grep "Storage Driver"     # Storage Driver: overlay2\n' +
      '  kubectl uncordon <node>\n' +
      'overlay2 needs d_type on the backing filesystem (see xfs-ftype).',
    zh:
      '切换存储驱动后，原有镜像和容器将不可见（仍以旧驱动格式留在磁盘上），节点需要重新拉取镜像。请先驱逐节点上的 Pod：\n' +
      '  kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\n' +
      '  systemctl stop kubelet docker\n' +
      '  # 在 /etc/docker/daemon.json 中设置 "storage-driver": "overlay2"\n' +
      '  systemctl start docker kubelet\n' +
      '  docker info | grep "Storage Driver"     # 应为 Storage Driver: overlay2\n' +
      '  kubectl uncordon <node>\n' +
      'overlay2 需要底层文件系统支持 d_type（见 xfs-ftype）。',
  },
  symptoms: [
    {
      id: 'kubelet-no-podsandbox',
      pattern: /failed to build map of initial containers from runtime: no PodsandBox found with Id/,
      example:
        "Dec 21 13:01:03 BJ-M8-HADOOP-105-145 kubelet[353352]: F1221 13:01:03.777407  353352 kubelet.go:1383] Failed to start ContainerManager failed to build map of initial containers from runtime: no PodsandBox found with Id 'a69881c50fe65f411010f10309ed653784650f48c1e4586814932b4acf7437e1'",
      source: 'notes',
      reason: { en: 'kubelet cannot find a container\'s pod sandbox in docker; seen with the devicemapper storage driver.', zh: 'kubelet 在 docker 中找不到容器对应的 Pod sandbox；见于 devicemapper 存储驱动。' },
    },
    {
      id: 'docker-info-old-driver',
      // What docker itself says about its driver; each alternative is one wording, from the file named beside it.
      pattern: new RegExp(
        [
          // moby daemon/info.go fillDriverInfo (19.03 "the", 20.10+ "The"), graphdriver/driver.go logDeprecatedWarning
          // ("[graphdriver] WARNING: the %s ..."), checkRemoved (24+ "has been deprecated and removed")
          '\\b[Tt]he (?:devicemapper|aufs|overlay) storage-driver (?:is|has been) deprecated',
          // devmapper deviceset.go (1.12-17 "devmapper: Usage ...", 23+ without it) and info_unix.go fillDriverWarnings
          // ("WARNING: %s: usage of loopback devices ...", 18.09+)
          '\\b[Uu]sage of loopback devices is strongly discouraged',
          // docker info "Storage Driver: %s" and devicemapper's " Data loop file: %s" status line; the same pair in
          // `docker info --format '{{json .}}'`, the Engine API /info and docker inspect ("Driver", "DriverStatus")
          `^\\s*Storage Driver: ${OLD_DRIVER}\\s*$`,
          '^\\s*Data loop file: ',
          '\\["Data loop file", ?"',
          `"Driver": ?"${OLD_DRIVER}"`,
          // the Info struct printed with %+v (cri-dockerd core/docker_service.go "Docker Info: %+v", kubelet dockershim)
          `\\bDriver:${OLD_DRIVER} DriverStatus:\\[`,
          // dockerd's start line: graphdriver= (1.x-17), graphdriver(s)= (17.x-20.10), storage-driver= (23+)
          `\\bgraphdriver(?:s|\\(s\\))?="?${OLD_DRIVER}\\b`,
          `\\bstorage-driver="?${OLD_DRIVER}\\b`,
          // daemon.json, and daemon/config findConfigurationConflicts: "storage-driver: (from flag: %v, from file: %v)"
          `"storage-driver": ?"${OLD_DRIVER}"`,
          `\\bstorage-driver: \\(from flag: ${OLD_DRIVER}\\b`,
          `\\bstorage-driver: \\(from flag: [^,)]*, from file: ${OLD_DRIVER}\\b`,
          // graphdriver/driver.go New(): the driver found in the data root ("using prior storage driver %q" 1.x, ": %s"
          // 17+; containers/storage logs the same for its current driver, so overlay does not count there), the prior
          // driver failing to start ("prior storage driver %s failed: %s"), and data of several drivers in the root
          // ("%s contains several valid graphdrivers: %s; Please cleanup or explicitly choose storage driver (-s <DRIVER>)")
          '\\[graphdriver\\] (?:using prior storage driver:? \\\\*"?|trying configured driver: )(?:devicemapper|aufs)\\b',
          `\\[graphdriver\\] prior storage driver ${OLD_DRIVER} failed`,
          '\\bcontains several valid graphdrivers: [^;\\n]*\\b(?:devicemapper|aufs|overlay)\\b',
        ].join('|'),
      ),
      example: 'WARNING: the devicemapper storage-driver is deprecated, and will be removed in a future release.',
      source: 'docker info (moby daemon/info.go, docker/cli)',
      reason: { en: 'docker runs a storage driver other than overlay2.', zh: 'docker 使用的存储驱动不是 overlay2。' },
    },
  ],
  detector: makeDetector({
    helpers: ['file', 'run'],
    script(vars) {
      wantedDriver(vars);
      return [
        `crane_file daemon ${DAEMON_JSON}`,
        // Only ask docker when daemon.json does not say; `timeout` keeps a hung daemon from hanging the check.
        `if grep -q '"storage-driver"' ${DAEMON_JSON} 2>/dev/null; then :`,
        'elif command -v timeout >/dev/null 2>&1; then crane_run info timeout 20 docker info',
        'else crane_run info docker info; fi',
      ].join('\n');
    },
    judge,
  }),
  playbook: 'docker-storage-driver.yaml',
  reversible: true,
  vars: [
    {
      name: 'docker_storage_driver',
      description: { en: "The storage driver docker should use (Crane's docker_storage_driver).", zh: 'docker 应使用的存储驱动（Crane 的 docker_storage_driver）。' },
      default: 'overlay2',
    },
  ],
  references: ['http://blog.ittour.net/2019/09/25/container-runtime-is-down-pleg-is-not-healthy/'],
};
