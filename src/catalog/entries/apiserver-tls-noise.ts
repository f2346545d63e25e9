import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'apiserver-tls-noise',
  level: 'cluster',
  title: {
    en: 'kube-apiserver "TLS handshake error ... connection reset by peer" (harmless)',
    zh: 'apiServer 日志 “TLS handshake error ... connection reset by peer”（可忽略）',
  },
  explanation: {
    en:
      "These lines come from clients that connect to the apiserver's HTTPS port and close the connection without " +
      'finishing TLS — here the kubelet health check that cannot pass the HTTPS verification; TCP health checks of ' +
      'a load balancer (HAProxy) look the same. They can be ignored.',
    zh: '请忽略，这是 kubelet 进行健康检查时无法通过 https 校验产生的报错（负载均衡如 HaProxy 的 TCP 健康检查也会产生同样的日志），可以通过 nc 模拟请求进行查看。',
  },
  action: {
    en:
      'Nothing to fix. To confirm, open and close a plain TCP connection yourself and watch a new line appear:\n' +
      '  nc -zv <apiserver-ip> 5443\n' +
      '  kubectl -n kube-system logs <kube-apiserver-pod> --tail=5',
    zh:
      '无需处理。如需确认，可用 nc 模拟一次 TCP 连接，观察日志中出现一条新的同类记录：\n' +
      '  nc -zv <apiserver-ip> 5443\n' +
      '  kubectl -n kube-system logs <kube-apiserver-pod> --tail=5',
  },
  symptoms: [
    {
      id: 'apiserver-tls-reset',
      pattern: /http: TLS handshake error from \S+: .*connection reset by peer/,
      example:
        'I0722 20:27:25.279953       1 log.go:172] http: TLS handshake error from 10.200.1.127:47606: read tcp 10.200.1.127:5443->10.200.1.127:47606: read: connection reset by peer',
      source: 'notes',
      reason: { en: 'A client (kubelet or a load-balancer health check) dropped the connection before TLS finished; harmless.', zh: '客户端（kubelet 或负载均衡健康检查）在 TLS 握手完成前断开了连接；无害。' },
    },
    {
      id: 'apiserver-tls-eof',
      pattern: /http: TLS handshake error from \S+: EOF\s*$/,
      example: 'I0722 20:27:43.031841       1 log.go:172] http: TLS handshake error from 10.200.1.127:47718: EOF',
      source: 'kube-apiserver (TCP health checks)',
      reason: { en: 'A TCP health check opened the HTTPS port and closed it without TLS; harmless.', zh: 'TCP 健康检查只建立连接、未进行 TLS 握手就关闭；无害。' },
    },
    {
      id: 'etcd-rejected-noise',
      // etcd's own TLS handshake log (tls.Config HandshakeFailure): capnslog "rejected connection from %q (error %q,
      // ServerName %q)" (3.2-3.4, embed/config.go) and zap Warn("rejected connection", remote-addr, server-name, error)
      // (3.4+, embed/config_logging.go). Only EOF or a reset with no ServerName (no ClientHello came): a bad or unknown
      // certificate is a real problem. A whole-line zap JSON reaches signatures as "<msg> <error>".
      pattern:
        /rejected connection from "\S+" \(error "(?:EOF|[^"]*connection reset by peer)", ServerName ""\)|^rejected connection (?:EOF|read tcp \S+: read: connection reset by peer)$|"msg":"rejected connection","remote-addr":"[^"]*","server-name":"","error":"(?:EOF|[^"]*connection reset by peer)"/,
      example: '2019-01-14 10:17:49.123456 I | embed: rejected connection from "10.200.1.127:47718" (error "EOF", ServerName "")',
      source: 'etcd embed/config.go, embed/config_logging.go (TCP health checks of the etcd port)',
      reason: { en: 'etcd: a TCP health check opened the TLS port and closed it before TLS; harmless.', zh: 'etcd：TCP 健康检查打开 TLS 端口后未握手即关闭；无害。' },
      weight: 1,
    },
  ],
  reversible: true,
};
