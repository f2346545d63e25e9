import { affected, clean, fileRec, makeDetector, pathVar, unknown, type Rec } from '../detect.js';
import { shellQuote } from '../shellQuote.js';
import type { CatalogEntry, CatalogVar, DetectorResult } from '../types.js';

/** glibc's MAXNS; kubelet enforces the same limit for Pods. */
export const MAX_NAMESERVERS = 3;

/** nameserver addresses in a resolv.conf, as kubelet reads them (comments start with # or ;). */
export function resolvNameservers(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '');
    const f = line.trim().split(/\s+/);
    if (f[0] === 'nameserver' && f.length >= 2) out.push(f[1]!);
  }
  return out;
}

/**
 * /etc/resolv.conf as a symlink into /run/systemd/resolve/ (systemd-resolved): the fixes edit
 * the link's target, as Ansible does, and systemd-resolved rewrites it — say how to make it last.
 */
export const RESOLVED_HINT = {
  en:
    'If /etc/resolv.conf is a symlink into /run/systemd/resolve/ (systemd-resolved; `readlink /etc/resolv.conf`), the fix ' +
    'edits the file it points to and systemd-resolved overwrites it when it restarts. To make it last: set DNS= and ' +
    'Domains= in /etc/systemd/resolved.conf, then `systemctl restart systemd-resolved`; or point kubelet\'s resolvConf ' +
    'at a file you own (e.g. /etc/kubernetes/resolv.conf) and restart kubelet.',
  zh:
    '如果 /etc/resolv.conf 是指向 /run/systemd/resolve/ 的符号链接（systemd-resolved；`readlink /etc/resolv.conf` 可查看），' +
    '修复会修改它指向的文件，而 systemd-resolved 重启时会覆盖该文件。要长期生效：在 /etc/systemd/resolved.conf 中设置 DNS= 和 ' +
    'Domains=，然后执行 `systemctl restart systemd-resolved`；或让 kubelet 的 resolvConf 指向一个由你维护的文件' +
    '（如 /etc/kubernetes/resolv.conf）并重启 kubelet。',
};

export const resolvConfVar: CatalogVar = {
  name: 'resolv_conf',
  description: {
    en: 'The resolv.conf kubelet and CoreDNS read on this node (kubelet resolvConf).',
    zh: '该节点上 kubelet 与 CoreDNS 读取的 resolv.conf（kubelet 的 resolvConf）。',
  },
  default: '/etc/resolv.conf',
};

export function resolvScript(vars: Record<string, unknown>): string {
  return `crane_file resolv ${shellQuote(pathVar(vars, ['resolv_conf'], '/etc/resolv.conf')!)}`;
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const path = pathVar(vars, ['resolv_conf'], '/etc/resolv.conf')!;
  const f = fileRec(recs, 'resolv');
  if (f.kind === 'missing') return clean(`${path} missing (0 nameservers)`);
  if (f.kind !== 'file') return unknown(`${path} is not a regular file`);
  const ns = resolvNameservers(f.text);
  if (ns.length > MAX_NAMESERVERS) {
    return affected(`${ns.length} nameservers in ${path}: ${ns.join(' ')} (only the first ${MAX_NAMESERVERS} are used)`);
  }
  return clean(`${ns.length} nameserver${ns.length === 1 ? '' : 's'} in ${path}`);
}

export const entry: CatalogEntry = {
  id: 'resolv-conf-trim',
  level: 'host',
  title: {
    en: 'More than 3 nameservers in /etc/resolv.conf',
    zh: '/etc/resolv.conf 中 nameserver 超过 3 个',
  },
  explanation: {
    en:
      'The resolver uses at most 3 nameservers. kubelet builds each Pod\'s DNS settings from the node\'s resolv.conf; ' +
      'with more than 3 it drops the rest and keeps logging "Nameserver limits were exceeded, some nameservers have been ' +
      'omitted, the applied nameserver line is: ...".',
    zh:
      '系统解析器最多只使用 3 个 nameserver。kubelet 根据宿主机的 resolv.conf 生成 Pod 的 DNS 配置，超过 3 个时会丢弃多余的地址，' +
      '并不断报错 “Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ...”。',
  },
  action: {
    en:
      'Keep at most 3 nameserver lines in /etc/resolv.conf (the first 3 are the ones in use):\n' +
      "  grep -n '^nameserver' /etc/resolv.conf\n" +
      '  vi /etc/resolv.conf\n' +
      'If the file is generated (NetworkManager, dhclient, systemd-resolved), change its source as well, or the extra ' +
      'nameservers come back.\n' + RESOLVED_HINT.en,
    zh:
      '修改 /etc/resolv.conf，使 nameserver 数量 <= 3（生效的是前 3 个）：\n' +
      "  grep -n '^nameserver' /etc/resolv.conf\n" +
      '  vi /etc/resolv.conf\n' +
      '如果该文件由 NetworkManager、dhclient、systemd-resolved 等生成，需同时修改其来源配置，否则多余的 nameserver 会再次出现。\n' +
      RESOLVED_HINT.zh,
  },
  symptoms: [
    {
      id: 'kubelet-nameserver-limits',
      pattern: /Nameserver limits (?:were )?exceeded/,
      example:
        'Dec 24 11:13:31 BJ-M8-HADOOP-105-144 kubelet[3680]: E1224 11:13:31.677889    3680 dns.go:135] Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.100.20.105 10.100.105.11 10.100.21.240',
      source: 'notes',
      reason: { en: 'The node\'s resolv.conf has more than 3 nameservers; kubelet dropped the rest for Pods.', zh: '节点的 resolv.conf 中 nameserver 超过 3 个，kubelet 为 Pod 丢弃了多余的。' },
    },
    {
      id: 'resolver-writer-too-many-dns',
      // The comment systemd-resolved writes into its resolv.conf before the 4th nameserver (MAXNS):
      // "...may be ignored" (v213-v228, src/resolve/resolved-manager.c), "...may be ignored." (v229+, resolved-resolv-conf.c).
      // NetworkManager writes its own before the 4th: "NOTE: the libc resolver may not support more than 3 nameservers." and
      // "The nameservers listed below may not be recognized." (src/dns/nm-dns-manager.c; translatable up to 1.1x).
      pattern: /Too many DNS servers configured, the following entries may be ignored|the libc resolver may not support more than 3 nameservers|The nameservers listed below may not be recognized/,
      example: '# Too many DNS servers configured, the following entries may be ignored.',
      source: 'systemd-resolved (src/resolve/resolved-resolv-conf.c), NetworkManager (src/dns/nm-dns-manager.c)',
      reason: {
        en: 'systemd-resolved or NetworkManager wrote more than 3 nameservers into resolv.conf; kubelet keeps only the first 3 for Pods.',
        zh: 'systemd-resolved 或 NetworkManager 向 resolv.conf 写入了超过 3 个 nameserver；kubelet 只为 Pod 保留前 3 个。',
      },
      weight: 2,
    },
  ],
  detector: makeDetector({ helpers: ['file'], script: resolvScript, judge }),
  playbook: 'resolv-conf-trim.yaml',
  reversible: true,
  vars: [resolvConfVar],
};
