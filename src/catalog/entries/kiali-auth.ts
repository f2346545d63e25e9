import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'kiali-auth',
  level: 'cluster',
  title: {
    en: "Changing Kiali's authentication strategy",
    zh: '修改 Kiali 的认证方式',
  },
  explanation: {
    en:
      'Kiali (1.12 and later) supports four authentication strategies: anonymous (free access), openid (login ' +
      'through a third-party service), openshift (OpenShift authentication) and token (a Kubernetes ServiceAccount ' +
      'token). When the Kiali Operator manages Kiali, the strategy is set in the Kiali custom resource; edits made ' +
      'elsewhere are reverted by the operator. Note that installing the Kiali Operator does not install the Kiali server.',
    zh:
      'Kiali（1.12）现支持 4 种认证协议：anonymous（无需认证即可访问）、openid（通过第三方认证服务登录）、openshift' +
      '（通过 OpenShift 认证）、token（使用 Kubernetes ServiceAccount token）。由 Kiali Operator 管理时，修改 auth 需要修改 ' +
      'kiali-operator 管理的 Kiali 资源配置，在其他地方的修改会被 operator 覆盖。注意：仅安装 Kiali Operator 不会安装 Kiali Server。',
  },
  action: {
    en:
      '  kubectl edit kiali -n istio-system kiali\n' +
      'and set:\n' +
      '  spec:\n' +
      '    auth:\n' +
      '      strategy: token      # anonymous | openid | openshift | token',
    zh:
      '  kubectl edit kiali -n istio-system kiali\n' +
      '修改为：\n' +
      '  spec:\n' +
      '    auth:\n' +
      '      strategy: token      # anonymous | openid | openshift | token',
  },
  symptoms: [],
  reversible: true,
  references: ['https://kiali.io/documentation/latest/configuration/authentication/'],
};
