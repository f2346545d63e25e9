import { parse as parseYaml } from 'yaml';
import {
  affected, clean, fileRec, hasRec, majorMinor, makeDetector, optRunRec, pathVar, unknown, versionLess, type Rec,
} from '../detect.js';
import { shellQuote } from '../shellQuote.js';
import type { CatalogEntry, DetectorResult } from '../types.js';
import { KUBELET_CONFIG } from './clusterip-dns.js';

/** featureGates.CSIMigration of a KubeletConfiguration: true/false, null when unset, undefined when unreadable. */
export function csiMigrationGate(text: string): boolean | null | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const fg = (doc as Record<string, unknown>).featureGates;
  if (fg === undefined || fg === null) return null;
  if (typeof fg !== 'object' || Array.isArray(fg)) return undefined;
  const v = (fg as Record<string, unknown>).CSIMigration;
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}

function ctlPath(vars: Record<string, unknown>): string {
  return pathVar(vars, ['kubernetes_ctl_path'], '/usr/local/bin')!;
}

function judge(recs: Rec[]): DetectorResult {
  const f = fileRec(recs, 'config');
  if (f.kind !== 'file') return unknown(`${KUBELET_CONFIG} ${f.kind === 'missing' ? 'not found' : 'is not a regular file'}`);
  const gate = csiMigrationGate(f.text);
  if (gate === undefined) return unknown(`${KUBELET_CONFIG} is not a valid KubeletConfiguration`);
  const run = optRunRec(recs, 'version');
  if (!run && !hasRec(recs, 'nokubelet')) return unknown('no kubelet version record');
  const ver = run && run.rc === 0 ? majorMinor(run.text.replace(/^.*?v(?=\d)/s, '')) : undefined;
  const vs = ver ? `kubelet v${ver[0]}.${ver[1]}` : 'kubelet version unknown';
  const shown = gate === null ? 'not set' : String(gate);
  if (ver && versionLess(ver, [1, 14])) {
    if (gate !== null) return unknown(`featureGates.CSIMigration is ${shown} but ${vs} does not know this gate: remove it`);
    return clean(`${vs}: CSIMigration does not exist yet`);
  }
  if (ver && versionLess(ver, [1, 16])) return clean(`${vs}: CSIMigration is off by default (alpha); relevant from 1.16 -> 1.17`);
  if (ver && !versionLess(ver, [1, 25])) {
    if (gate === false) return unknown(`featureGates.CSIMigration: false but ${vs} has it locked to true: remove it`);
    return clean(`${vs}: CSIMigration is GA, nothing to set`);
  }
  if (gate === false) return clean(`featureGates.CSIMigration: false (${vs})`);
  return affected(`featureGates.CSIMigration is ${shown} in ${KUBELET_CONFIG} (${vs})`);
}

export const entry: CatalogEntry = {
  id: 'kubelet-csimigration',
  level: 'host',
  title: {
    en: 'Upgrading 1.16 -> 1.17: kube-proxy may not start (kubelet needs CSIMigration: false)',
    zh: '升级时 kube-proxy 可能无法正常启动（kubelet 需关闭 CSIMigration）',
  },
  explanation: {
    en:
      'kubelet 1.17 turns the CSIMigration feature gate on by default and has to initialise its node\'s CSINode ' +
      'object. While the control plane still runs 1.16 this fails ("Failed to initialize CSINode: error updating ' +
      'CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested ' +
      'resource"): the node stays NotReady and its Pods, kube-proxy included, don\'t start. Adding CSIMigration: false ' +
      'to the kubelet configuration avoids it. This applies to kubelet 1.16-1.24 only: kubelets before 1.14 refuse an ' +
      'unknown gate, and from 1.25 the gate is locked to true.',
    zh:
      'kubelet 1.17 默认开启 CSIMigration 特性，启动时需要初始化本节点的 CSINode 对象。控制面仍为 1.16 时初始化失败' +
      '（“Failed to initialize CSINode: error updating CSINode annotation: timed out waiting for the condition; ' +
      'caused by: the server could not find the requested resource”），节点一直 NotReady，kube-proxy 等 Pod 无法正常启动。' +
      '此问题一般会发生在 1.16 升级 1.17 时，需要在 kubelet 配置中添加 CSIMigration: false。仅适用于 kubelet 1.16–1.24：' +
      '1.14 之前的 kubelet 不认识该开关会拒绝启动，1.25 起该开关被锁定为 true。',
  },
  action: {
    en:
      'Add to /var/lib/kubelet/config.yaml (merge into an existing featureGates block):\n' +
      '  featureGates:\n' +
      '    CSIMigration: false\n' +
      'then:\n' +
      '  systemctl restart kubelet\n' +
      'Remove the line again before upgrading kubelet to 1.25 or later.',
    zh:
      '在 /var/lib/kubelet/config.yaml 中添加如下配置（已有 featureGates 时合并进去）：\n' +
      '  featureGates:\n' +
      '    CSIMigration: false\n' +
      '然后执行：\n' +
      '  systemctl restart kubelet\n' +
      '将 kubelet 升级到 1.25 及以上之前，需要再删除这一配置。',
  },
  symptoms: [
    {
      id: 'csinode-init-failed',
      // pkg/volume/csi/csi_plugin.go: klog.Errorf("Failed to initialize CSINodeInfo: %v") (1.17), "...CSINode: %v" (1.18+;
      // `" err="` in case it is logged structured), and Init's log("failed to initialize CSINode: %v") behind the
      // "kubernetes.io/csi: " prefix. The error is nodeinfomanager's "error updating CSINode annotation: %v; caused by:
      // %v"; caused by the kubelet's own Node missing ("nodes \"x\" not found") it is a registration problem, not this one.
      // Still klog.Errorf (not ErrorS) in a 1.3x tree, whose Ready condition reads "failed to initialize CSINode: %v" (hence /i).
      pattern: /Failed to initialize CSINode(?:Info)?(?:: |" err=")error updating CSINode annotation(?![^;]*; caused by: nodes? "[^"]*" not found)/i,
      example:
        'KubeletNotReady              Failed to initialize CSINodeInfo: error updating CSINode annotation: timed out waiting for the condition; caused by: the server could not find the requested resource',
      source: 'kubernetes/kubernetes#86094',
      reason: { en: 'kubelet (1.17+, CSIMigration on) cannot update its CSINode; a 1.16 control plane does not serve it.', zh: 'kubelet（1.17+，CSIMigration 开启）无法更新 CSINode；1.16 的控制面不支持。' },
    },
    {
      id: 'csinode-init-fatal',
      // klog.Fatalf("Failed to initialize CSINodeInfo after retrying") (1.17), "CSINode" (1.18+)
      pattern: /Failed to initialize CSINode(?:Info)? after retrying/,
      example: 'F1209 16:53:47.296081    2264 csi_plugin.go:281] Failed to initialize CSINodeInfo after retrying',
      source: 'kubelet (pkg/volume/csi/csi_plugin.go)',
      reason: { en: 'kubelet gave up initialising its CSINode (same cause: CSIMigration against an older control plane).', zh: 'kubelet 初始化 CSINode 重试后放弃（原因同上：CSIMigration 对应旧版控制面）。' },
    },
  ],
  detector: makeDetector({
    helpers: ['file', 'run'],
    script: (vars) =>
      [
        `crane_file config ${KUBELET_CONFIG}`,
        `p=${shellQuote(ctlPath(vars))}`,
        'if [ -x "$p/kubelet" ]; then crane_run version "$p/kubelet" --version',
        'elif command -v kubelet >/dev/null 2>&1; then crane_run version kubelet --version',
        'else echo "@@crane nokubelet"; fi',
      ].join('\n'),
    judge,
  }),
  playbook: 'kubelet-csimigration.yaml',
  reversible: true,
  vars: [
    {
      name: 'kubernetes_ctl_path',
      description: {
        en: "Where Crane installed the Kubernetes binaries (used to find kubelet's version).",
        zh: 'Crane 安装 Kubernetes 二进制的目录（用于获取 kubelet 版本）。',
      },
      default: '/usr/local/bin',
    },
  ],
  references: ['https://github.com/kubernetes/kubernetes/issues/86094'],
};
