import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'istio-operator-ingressgateway',
  level: 'cluster',
  title: {
    en: 'Deploy the IstioOperator and declare every ingressgateway in it',
    zh: '部署 Istio 后一定要部署 IstioOperator 并配置 ingressgateway',
  },
  explanation: {
    en:
      'Without the IstioOperator controller and a spec that lists every ingressgateway, any later change ' +
      '(istioctl install or upgrade with another configuration) can overwrite or remove a gateway.',
    zh: '部署 Istio 后一定要部署 IstioOperator 并配置 ingressgateway，否则任意的修改都可能导致 ingressgateway 被篡改（被覆盖或删除）。',
  },
  action: {
    en:
      'Install the operator and deploy from one configuration file:\n' +
      '  istioctl operator init\n' +
      '  istioctl manifest install -f ./istio-operator.yaml --set profile=demo\n' +
      'List every gateway under spec.components.ingressGateways (name, enabled, label, k8s.service ports and ' +
      "nodePorts). Point the Gateway resource's selector at the custom gateway's label (e.g. istio: aws-ingressgateway) " +
      'and name that Gateway in VirtualServices, e.g.:\n' +
      '  gateways:\n' +
      '    - istio-system/ireader-mobi-gateway',
    zh:
      '安装 operator，并通过同一个配置文件部署：\n' +
      '  istioctl operator init\n' +
      '  istioctl manifest install -f ./istio-operator.yaml --set profile=demo\n' +
      '在 spec.components.ingressGateways 下列出所有 ingressgateway（name、enabled、label、k8s.service 的 ports 与 nodePort）。' +
      'Gateway 资源的 selector 指向自定义 ingressgateway 的 label（如 istio: aws-ingressgateway），VirtualService 中使用时写入对应的 Gateway 名称，例如：\n' +
      '  gateways:\n' +
      '    - istio-system/ireader-mobi-gateway',
  },
  symptoms: [],
  reversible: true,
  references: ['https://istio.io/latest/zh/docs/reference/config/istio.operator.v1alpha1/'],
};
