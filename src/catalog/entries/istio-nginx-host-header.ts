import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'istio-nginx-host-header',
  level: 'cluster',
  title: {
    en: 'Nginx proxying inside Istio bypasses the VirtualService',
    zh: '在 Istio 中使用 Nginx 代理时 VirtualService 不生效',
  },
  explanation: {
    en:
      'When Nginx in the mesh proxies to a backend Service, the request is not managed by the VirtualService and goes ' +
      'straight to the default Service. Nginx resolves the proxy target to an IP and sends that, not the Service ' +
      'name, as the Host header, while Istio routes by Host. Set the Host header explicitly.',
    zh:
      '如果在 Istio 中使用 Nginx 并通过 proxy 方式代理后端服务，请求无法通过 VirtualService 进行管理，而是直接走默认 Service。' +
      '原因是 Nginx 把 proxy 解析成 IP 进行访问，Host 不再是服务名，与 Istio 基于 Host 的路由方式相冲突。',
  },
  action: {
    en:
      'In each location that proxies to a mesh Service, keep the Service name as Host:\n' +
      '  proxy_set_header Host <svc>;\n' +
      '(<svc> is the host the VirtualService matches, e.g. reviews.default.svc.cluster.local), then:\n' +
      '  nginx -s reload',
    zh:
      '在代理网格内服务的 location 中添加如下配置，强制 Host 为服务名：\n' +
      '  proxy_set_header Host <svc>;\n' +
      '（<svc> 为 VirtualService 匹配的 host，如 reviews.default.svc.cluster.local），然后执行：\n' +
      '  nginx -s reload',
  },
  symptoms: [],
  reversible: true,
  references: ['https://github.com/istio/istio/issues/14450'],
};
