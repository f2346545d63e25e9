import { affected, clean, DetectorOutputError, makeDetector, unknown, type Rec } from '../detect.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

export const ISTIO_INIT_FILTER = 'label!=io.kubernetes.container.name=istio-init';
export const PRUNE_COMMAND = `docker system prune -af --volumes --filter "${ISTIO_INIT_FILTER}"`;

const PRUNE = /\bdocker\s+(?:system|container)\s+prune\b/;
const KEEPS = /label!=io\.kubernetes\.container\.name=istio-init\b/;

const CRON_FILES = [
  '/etc/crontab', '/etc/cron.d/*', '/etc/cron.hourly/*', '/etc/cron.daily/*', '/etc/cron.weekly/*',
  '/var/spool/cron/*', '/var/spool/cron/crontabs/*',
];

function judge(recs: Rec[]): DetectorResult {
  const cron = recs.find((r) => r.tag === 'cron');
  if (!cron) throw new DetectorOutputError('no cron record');
  const jobs = cron.body
    .map((l) => {
      const i = l.indexOf(':');
      return i > 0 ? { file: l.slice(0, i), line: l.slice(i + 1).trim() } : undefined;
    })
    .filter((j): j is { file: string; line: string } => j !== undefined && !j.line.startsWith('#') && PRUNE.test(j.line));
  if (jobs.length === 0) return unknown('no scheduled docker system/container prune found in cron (other schedulers are not checked)');
  const bad = jobs.filter((j) => !KEEPS.test(j.line));
  if (bad.length > 0) return affected(`prune without the istio-init filter: ${bad.map((j) => `${j.file}: ${j.line}`).join('; ')}`);
  return clean(`${jobs.length} scheduled prune job${jobs.length === 1 ? '' : 's'}, all keep istio-init`);
}

/** A paste that is istio-init's: it names its chains, itself or its rules file (context for iptables' generic lines). */
const ISTIO_INIT_PASTE = /\bISTIO_[A-Z_]+\b|istio-init|istio-iptables|ip6?tables-restore --noflush \/tmp\/iptables-rules-\d+/;
const istioInitPaste = (example: string) => ({ pattern: ISTIO_INIT_PASTE, example });
const RULES_REFUSED = { en: 'istio-init could not load its iptables rules, as when it runs again over its own chains.', zh: 'istio-init 无法写入 iptables 规则，常见于它在自己已建的规则链上再次运行。' };

export const entry: CatalogEntry = {
  id: 'istio-init-prune',
  level: 'host',
  title: {
    en: 'Scheduled container cleanup removes istio-init (istio-init exits abnormally)',
    zh: '定时清理容器时删除了 istio-init（Sidecar istio-init 异常退出）',
  },
  explanation: {
    en:
      "A scheduled `docker system prune` also deletes the exited istio-init init containers. kubelet then starts " +
      'istio-init again inside the running Pod, where its iptables chains already exist: iptables-restore fails ' +
      '("iptables-restore: line 2 failed"), istio-init panics, istio-proxy cannot start properly and the Pod breaks ' +
      '(seen with Istio 1.7.1). Scheduled cleanups must keep istio-init.',
    zh:
      '问题一般是由于 istio-init 被异常清理导致的：定时执行的 docker system prune 会把已退出的 istio-init 初始化容器一并删除，' +
      'kubelet 随后在仍在运行的 Pod 中重复启动 istio-init，而 iptables 规则链已经存在，iptables-restore 失败' +
      '（“iptables-restore: line 2 failed”），istio-init 异常退出（panic），istio-proxy 无法正常启动导致 Pod 异常（Istio 1.7.1）。' +
      '如果是定时清理，需要保留 istio-init。',
  },
  action: {
    en:
      'Make the scheduled cleanup keep istio-init (replace the existing prune job with this command):\n' +
      `  ${PRUNE_COMMAND}\n` +
      'Note that -a removes every unused image and --volumes every unused volume. Pods that already broke recover ' +
      'when they are re-created:\n' +
      '  kubectl -n <namespace> delete pod <pod>',
    zh:
      '定时清理时保留 istio-init（用以下命令替换原有的清理任务）：\n' +
      `  ${PRUNE_COMMAND}\n` +
      '注意 -a 会删除所有未使用的镜像，--volumes 会删除所有未使用的数据卷。已经异常的 Pod 需重建后恢复：\n' +
      '  kubectl -n <namespace> delete pod <pod>',
  },
  symptoms: [
    {
      id: 'istio-init-iptables-restore',
      // iptables(-legacy)/xtables-restore: "%s: line %u failed" with the program name (ip6tables-restore for IPv6 rules);
      // anchored, since kube-proxy quotes the same stderr in its own errors.
      pattern: /^\s*ip6?tables-restore: line \d+ failed\s*$/,
      // It prints this for any rejected rule file (a hand-run restore on a kube-proxy node, kubernetes#24357): it
      // points at istio-init only in a paste that is istio-init's, which names its chains, itself or its rules file.
      context: istioInitPaste('iptables-restore --noflush /tmp/iptables-rules-1605843213716566540.txt699852508'),
      example: 'iptables-restore: line 2 failed',
      source: 'notes (istio-init, Istio 1.7.1)',
      reason: RULES_REFUSED,
    },
    {
      id: 'istio-init-chain-exists-bare',
      // iptables' own "iptables: Chain already exists." (any `iptables -N` of an existing chain): istio-init's only
      // beside its chains or its name in the same paste.
      pattern: /^\s*ip6?tables: Chain already exists\.?\s*$/,
      context: istioInitPaste('+ iptables -t nat -N ISTIO_REDIRECT'),
      example: 'iptables: Chain already exists.',
      source: 'iptables (libiptc), istio/istio#2605',
      reason: { en: 'istio-init ran again over the chains its first run left.', zh: 'istio-init 再次运行时，首次运行留下的规则链已存在。' },
    },
    {
      id: 'istio-command-error-output',
      // Istio 1.8+ (tools/istio-iptables/pkg/dependencies/implementation.go) logs the stderr as "Command error output: %v";
      // transformToXTablesErrorMessage rewrites "<prog>: <hint>" to "xtables other problem: <hint>" (exit status 1), which
      // releases that print stderr bare (fmt.Fprintln) show without the prefix. Either way a line only istio-init prints.
      pattern: /(?:Command error output: ip6?tables-restore|xtables other problem): line \d+ failed/,
      example: 'Command error output: xtables other problem: line 2 failed',
      source: 'istio tools/istio-iptables (1.8+)',
      reason: RULES_REFUSED,
    },
    {
      id: 'istio-iptables-runorfail',
      pattern: /istio-iptables\/pkg\/dependencies\.\(\*RealDependencies\)\.RunOrFail/,
      example:
        'istio.io/istio/tools/istio-iptables/pkg/dependencies.(*RealDependencies).RunOrFail(0x51d3150, 0x2ec4603, 0x10, 0xc00071c1e0, 0x2, 0x2)',
      source: 'notes (istio-init panic stack)',
      reason: { en: 'istio-init panicked on a failed iptables command.', zh: 'istio-init 因 iptables 命令失败而 panic。' },
    },
    {
      id: 'istio-init-chain-exists',
      // iptables -N on an existing chain: "iptables: Chain already exists." (legacy), with the program's version in 1.8;
      // Istio's "Running command: iptables -t nat -N ISTIO_..." and the error land on two lines, which diagnose joins.
      pattern: /-N ISTIO_\w+\b.{0,160}?Chain already exists|istio-iptables\/pkg\/dependencies\/implementation\.go/,
      example: 'istio.io/istio/tools/istio-iptables/pkg/dependencies/implementation.go:44 +0x96',
      source: 'istio/istio#25792',
      reason: { en: 'istio-init ran again over the rules its first run left.', zh: 'istio-init 再次运行时，首次运行留下的 iptables 规则已存在。' },
      weight: 2,
    },
    {
      id: 'istio-init-nft-chain-exists',
      // iptables-nft (1.8.x) reports a restore that creates an existing chain as
      // "line %u: CHAIN_USER_ADD failed (File exists): chain %s" (iptables/nft.c); ISTIO_* chains are istio-init's own.
      pattern: /CHAIN_USER_ADD failed \(File exists\): chain ISTIO_\w+/,
      example: 'iptables-restore v1.8.4 (nf_tables): line 2: CHAIN_USER_ADD failed (File exists): chain ISTIO_INBOUND',
      source: 'iptables-nft (iptables/nft.c)',
      reason: { en: 'istio-init ran again over the ISTIO_* chains its first run left (iptables-nft wording).', zh: 'istio-init 再次运行时，首次运行留下的 ISTIO_* 规则链已存在（iptables-nft 的报错）。' },
      weight: 2,
    },
    {
      id: 'istio-iptables-failed-to-execute',
      // Istio 1.8+ RunOrFail: log.Errorf("Failed to execute: %s %s, %v", cmd, args, err) then exit, instead of the 1.7 panic.
      // Only exit status 1 (xtables OTHER_PROBLEM: a rule or chain the table refused, as on a re-run): 2 is a parameter
      // problem and 4 a resource one (no permission, no kernel module), other failures of istio-init (istio/istio#42157).
      pattern: /Failed to execute: ip6?tables(?:-restore\b| .*-N ISTIO_\w+)(?!.*exit status [2-9])/i,
      example: '2021-03-01T11:13:10.571590Z\terror\tFailed to execute: iptables-restore --noflush /tmp/iptables-rules-1614597190571590423.txt1583024907, exit status 1',
      source: 'istio (tools/istio-iptables/pkg/dependencies/implementation.go, 1.8+)',
      reason: { en: 'istio-init could not load its iptables rules (Istio 1.8+ wording), as when it runs again over its own chains.', zh: 'istio-init 无法写入 iptables 规则（Istio 1.8+ 的报错），常见于它在自己已建的规则链上再次运行。' },
    },
    {
      id: 'istio-iptables-no-reconcile',
      // Istio 1.2x tools/istio-iptables/pkg/capture/run.go executeCommands: VerifyIptablesState found ISTIO_* rules
      // left by an earlier run that differ from the ones it would write, and --reconcile is off, so they stay.
      pattern: /reconcile is recommended but no-reconcile flag is set\. Unexpected behavior may occur due to preexisting iptables rules/,
      example: '2024-08-25T10:50:29.240073Z\tinfo\treconcile is recommended but no-reconcile flag is set. Unexpected behavior may occur due to preexisting iptables rules',
      source: 'istio tools/istio-iptables/pkg/capture/run.go (1.2x)',
      reason: { en: 'istio-init ran again over the iptables rules its first run left and did not clean them up.', zh: 'istio-init 再次运行时发现首次运行留下的 iptables 规则，且未清理。' },
    },
  ],
  detector: makeDetector({
    helpers: [],
    script: () =>
      [
        'echo "@@crane cron"',
        `for f in ${CRON_FILES.join(' ')}; do`,
        `  [ -f "$f" ] && grep -H 'prune' "$f" 2>/dev/null`,
        `done | while IFS= read -r l; do printf '|%s\\n' "$l"; done`,
      ].join('\n'),
    judge,
  }),
  playbook: 'istio-init-prune.yaml',
  reversible: false,
  destructive: false,
  references: ['https://zhuanlan.zhihu.com/p/166206610'],
};
