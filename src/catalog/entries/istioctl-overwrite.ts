import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'istioctl-overwrite',
  level: 'cluster',
  title: {
    en: 'Use istioctl with care: running it again overwrites the earlier configuration',
    zh: '慎用 istioctl：重复执行会冲掉之前的配置',
  },
  explanation: {
    en:
      'istioctl manifest install installs exactly the configuration given on that command line. Running it again ' +
      'with other --set flags or another file resets everything that is not repeated (add-ons, gateways, ports) to ' +
      'the defaults.',
    zh:
      '使用 istioctl 部署时，每次执行都按本次命令行给出的配置完整安装，重复使用会冲掉之前的配置（未再次指定的组件、网关、端口等会恢复默认），请谨慎使用。',
  },
  action: {
    en:
      'Keep the whole configuration in one IstioOperator file and always pass all of it:\n' +
      '  istioctl manifest install -f ./istio-operator.yaml --set profile=demo\n' +
      'To change an existing installation (for example to add components), use upgrade with the same file:\n' +
      '  istioctl upgrade -f istio-operator.yaml --set profile=demo --set addonComponents.grafana.enabled=true ' +
      '--set addonComponents.kiali.enabled=true --set addonComponents.prometheus.enabled=true ' +
      '--set addonComponents.tracing.enabled=true',
    zh:
      '把完整配置保存在一个 IstioOperator 文件中，每次都完整传入：\n' +
      '  istioctl manifest install -f ./istio-operator.yaml --set profile=demo\n' +
      '对已有安装做修改（如需要添加资源）时建议使用 upgrade，并使用同一个文件：\n' +
      '  istioctl upgrade -f istio-operator.yaml --set profile=demo --set addonComponents.grafana.enabled=true ' +
      '--set addonComponents.kiali.enabled=true --set addonComponents.prometheus.enabled=true ' +
      '--set addonComponents.tracing.enabled=true',
  },
  symptoms: [],
  reversible: true,
};
