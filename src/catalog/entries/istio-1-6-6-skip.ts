import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'istio-1-6-6-skip',
  level: 'cluster',
  title: {
    en: 'Skip Istio 1.6.6 (istio-init bug)',
    zh: '跳过 Istio 1.6.6 版本（istio-init Bug）',
  },
  explanation: {
    en:
      'In Istio 1.6.6 the istio-init failure (istio-init exits abnormally when it runs a second time, see ' +
      'istio-init-prune) breaks the Pods that use the affected sidecar. Skip this version.',
    zh:
      '当使用 Istio 时，可能会发生 Sidecar istio-init 异常退出的问题（见 istio-init-prune）。此问题在 1.6.6 版本中' +
      '会导致使用该 Sidecar 的 Pod 异常，请跳过此版本。',
  },
  action: {
    en:
      'Do not install or upgrade to 1.6.6; use a later patch release. Check what runs:\n' +
      '  istioctl version\n' +
      'Upgrade with the newer istioctl and your IstioOperator file:\n' +
      '  istioctl upgrade -f istio-operator.yaml',
    zh:
      '不要安装或升级到 1.6.6，请使用之后的补丁版本。查看当前版本：\n' +
      '  istioctl version\n' +
      '使用新版本的 istioctl 与 IstioOperator 配置文件升级：\n' +
      '  istioctl upgrade -f istio-operator.yaml',
  },
  symptoms: [],
  reversible: true,
  references: ['https://zhuanlan.zhihu.com/p/166206610'],
};
