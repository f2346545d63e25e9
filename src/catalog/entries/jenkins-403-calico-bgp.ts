import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'jenkins-403-calico-bgp',
  level: 'cluster',
  title: {
    en: 'Jenkins behind an Ingress returns 403 when starting a build',
    zh: 'Jenkins 通过 Ingress 访问并构建时出现 403 错误',
  },
  explanation: {
    en:
      "After Jenkins is deployed and exposed through an Ingress, starting a build fails with 403. Jenkins' CSRF " +
      'protection ties its crumb to the client address; with Calico in IPIP mode the source address Jenkins sees can ' +
      'differ between requests, so the crumb is rejected ("No valid crumb was included in the request"). Switching ' +
      'Calico to BGP mode solved it.',
    zh:
      '部署 Jenkins 后通过 Ingress 暴露服务访问并构建时，存在 403 错误。Jenkins 的 CSRF 防护会把 crumb 与客户端地址绑定，' +
      'Calico IPIP 模式下 Jenkins 看到的来源地址在不同请求间可能不同，crumb 校验失败（“No valid crumb was included in the request”）。' +
      '请使用 Calico 的 BGP 模式解决。',
  },
  action: {
    en:
      "Switch Calico to BGP (Crane: calico_type: Off). On a running cluster:\n" +
      "  calicoctl patch ippool default-ipv4-ippool -p '{\"spec\": {\"ipipMode\": \"Never\"}}'\n" +
      'then remove tunl0 on every node (see calico-tunl0).\n' +
      'If that is not possible, tick "Enable proxy compatibility" under Manage Jenkins -> Configure Global Security -> ' +
      'CSRF Protection, which leaves the client address out of the crumb.',
    zh:
      '把 Calico 切换为 BGP（Crane 中把 calico_type 改为 Off）。对正在使用的集群：\n' +
      "  calicoctl patch ippool default-ipv4-ippool -p '{\"spec\": {\"ipipMode\": \"Never\"}}'\n" +
      '然后在每个节点上删除 tunl0（见 calico-tunl0）。\n' +
      '如果暂时无法切换，可在 Manage Jenkins -> Configure Global Security -> CSRF Protection 中勾选 “Enable proxy compatibility”，' +
      '使 crumb 不再绑定客户端地址。',
  },
  symptoms: [
    {
      id: 'jenkins-no-valid-crumb',
      pattern: /No valid crumb was included in (?:the )?request/,
      example:
        '2020-07-24 02:37:20.320+0000 [id=11]\tWARNING\thudson.security.csrf.CrumbFilter#doFilter: No valid crumb was included in request for /job/demo/build by admin. Returning 403.',
      source: 'Jenkins CrumbFilter log',
      reason: { en: 'Jenkins rejected the request\'s CSRF crumb; with Calico IPIP the client address it sees can change.', zh: 'Jenkins 拒绝了请求中的 CSRF crumb；Calico IPIP 模式下它看到的客户端地址可能变化。' },
    },
    {
      id: 'jenkins-invalid-crumb',
      // hudson/security/csrf/CrumbFilter.java: "Found invalid crumb {0}.  Will check remaining parameters for a valid one..."
      // (older), "Found invalid crumb {0}. If you are calling this URL with a script, ..." (newer). Jenkins 1.x logs through
      // java.util.logging's two-line format, so the message line carries no "CrumbFilter#doFilter".
      pattern: /CrumbFilter#doFilter: Found invalid crumb|Found invalid crumb \S+\.\s+(?:Will check remaining parameters for a valid one|If you are calling this URL with a script)/,
      example:
        '2021-03-01 11:13:10.571+0000 [id=11]    WARNING hudson.security.csrf.CrumbFilter#doFilter: Found invalid crumb 5d3b4f3e0c8a1b2c. If you are calling this URL with a script, please use the API Token instead. More information: https://jenkins.io/redirect/crumb-cannot-be-used-for-script',
      source: 'Jenkins CrumbFilter log',
      reason: { en: 'Jenkins got a crumb that does not match the client, as when the source address changed between requests.', zh: 'Jenkins 收到的 crumb 与客户端不匹配，如来源地址在请求之间发生了变化。' },
    },
  ],
  reversible: true,
};
