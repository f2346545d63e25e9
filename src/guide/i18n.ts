/**
 * Every sentence `crane-fix guide` shows, in English and Chinese. Placeholders are `{name}`;
 * both languages of a message use the same placeholders (a unit test holds us to that).
 * Our users read Chinese first: the zh text is written as a Chinese operator would say it,
 * not word for word.
 */
import type { Lang } from '../catalog/types.js';

export const messages = {
  title: { en: 'crane-fix guide — fix a node problem step by step', zh: 'crane-fix 向导 —— 一步步修复节点问题' },
  inventorySummary: { en: 'Inventory {file}: {hosts} host(s), groups: {groups}', zh: 'Inventory {file}：共 {hosts} 台主机，分组：{groups}' },
  ctrlcHint: {
    en: 'Press Ctrl-C at any question to leave. Nothing is changed until you confirm.',
    zh: '在任何提问处按 Ctrl-C 即可退出。在你确认之前，不会对主机做任何修改。',
  },
  becomePassQ: { en: 'BECOME (sudo) password:', zh: 'BECOME（sudo）密码：' },
  needTty: {
    en: 'guide is interactive and needs a terminal; for scripts use: crane-fix apply -i {inventory} <fix-id> --dry-run',
    zh: 'guide 是交互式命令，需要在终端中运行；脚本中请使用：crane-fix apply -i {inventory} <fix-id> --dry-run',
  },

  // 1. where to start
  startQ: { en: 'How do you want to start?', zh: '从哪里开始？' },
  startPaste: { en: 'Paste an error message or log lines', zh: '粘贴报错信息或日志' },
  startScan: { en: 'Scan the nodes for known problems (read-only)', zh: '扫描节点上的已知问题（只读）' },
  startCatalog: { en: 'Pick a problem from the catalogue', zh: '从问题目录中选择' },
  quit: { en: 'Quit', zh: '退出' },
  back: { en: '← Back', zh: '← 返回' },

  pasteQ: { en: 'Paste the error message, then press Enter on an empty line:', zh: '请粘贴报错信息，粘贴完后在空行上按回车：' },
  pasteEmpty: { en: 'Nothing was pasted.', zh: '没有粘贴任何内容。' },
  diagNone: { en: 'No known problem matches these lines.', zh: '这些内容没有匹配到已知问题。' },
  diagUnexplained: { en: 'Lines that look like errors but match no known problem:', zh: '以下行看起来是报错，但没有匹配到已知问题：' },
  diagFound: { en: 'Known problems matching what you pasted ({count}):', zh: '与粘贴内容匹配的已知问题（{count} 个）：' },
  diagEvidence: { en: 'line {line}: {text}', zh: '第 {line} 行：{text}' },
  pickMatchQ: { en: 'Which problem do you want to fix?', zh: '要修复哪个问题？' },
  pasteAgain: { en: 'Paste something else', zh: '重新粘贴' },

  scanning: { en: 'Scanning {count} host(s), read-only…', zh: '正在扫描 {count} 台主机（只读）……' },
  scanDone: { en: 'Scan finished in {seconds} s.', zh: '扫描完成，用时 {seconds} 秒。' },
  scanUnreachable: { en: '{host}: unreachable — {error}', zh: '{host}：无法连接 —— {error}' },
  scanNothing: { en: 'No known problem found on these hosts.', zh: '这些主机上没有发现已知问题。' },
  scanPickQ: { en: 'Problems found — which one do you want to fix?', zh: '发现以下问题，要修复哪一个？' },
  scanChoice: { en: '{id} — {title} ({count} host(s): {hosts})', zh: '{id} —— {title}（{count} 台：{hosts}）' },
  catalogPickQ: { en: 'Which problem?', zh: '选择要处理的问题：' },

  adviceOnly: { en: 'crane-fix has no automatic fix for this problem. What to do:', zh: 'crane-fix 没有针对这个问题的自动修复。处理方法：' },
  tagIrreversible: { en: 'cannot be undone', zh: '不可回滚' },
  tagDestructive: { en: 'DESTRUCTIVE', zh: '破坏性操作' },
  tagAdvice: { en: 'advice only', zh: '仅提供建议' },
  entryHeader: { en: 'Fix {id}: {title}', zh: '修复 {id}：{title}' },
  entryIrreversible: { en: 'Note: this fix cannot be undone by rollback.', zh: '注意：这个修复无法通过回滚撤销。' },
  entryDestructive: {
    en: 'Warning: this fix is destructive; you will type the host or device name to confirm it.',
    zh: '警告：这是破坏性操作，确认时需要输入主机名或设备名。',
  },

  // 2. hosts
  hostsQ: { en: 'On which hosts?', zh: '在哪些主机上修复？' },
  hostsAffected: { en: 'Only the affected hosts ({count}: {hosts})', zh: '仅受影响的主机（{count} 台：{hosts}）' },
  hostsScanFor: { en: 'Scan for this problem and take only the affected hosts', zh: '先扫描这个问题，只选受影响的主机' },
  hostsAll: { en: 'All hosts ({count})', zh: '全部主机（{count} 台）' },
  hostsGroups: { en: 'By group', zh: '按分组选择' },
  hostsPick: { en: 'Pick hosts one by one', zh: '逐台选择主机' },
  hostsPattern: { en: 'Type a host pattern (like --limit)', zh: '输入主机匹配模式（与 --limit 相同）' },
  groupsQ: { en: 'Which groups?', zh: '选择分组：' },
  groupChoice: { en: '{group} ({count}): {hosts}', zh: '{group}（{count} 台）：{hosts}' },
  pickHostsQ: { en: 'Which hosts?', zh: '选择主机：' },
  patternQ: { en: 'Host pattern, e.g. kube-node:!node03 or node0*:', zh: '主机匹配模式，例如 kube-node:!node03 或 node0*：' },
  patternMatches: { en: 'matches {count} host(s): {hosts}', zh: '匹配到 {count} 台主机：{hosts}' },
  needOne: { en: 'Choose at least one.', zh: '请至少选择一项。' },
  noAffected: { en: 'No host is affected by {id}.', zh: '没有主机受 {id} 影响。' },
  selectedHosts: { en: 'Selected {count} host(s): {hosts}', zh: '已选择 {count} 台主机：{hosts}' },
  useHostsQ: { en: 'Use these hosts?', zh: '就用这些主机吗？' },

  // 3. vars, preview, confirmation
  varsHeader: { en: 'Variables of this fix:', zh: '该修复使用的变量：' },
  varRequiredQ: { en: '{name} (required) — {description}', zh: '{name}（必填）—— {description}' },
  varFromInventory: { en: '{name} = {value} (from the inventory)', zh: '{name} = {value}（来自 inventory）' },
  varDefault: { en: '{name} = {value} (default) — {description}', zh: '{name} = {value}（默认值）—— {description}' },
  varsChangeQ: { en: 'Change any of these values?', zh: '需要修改这些值吗？' },
  varQ: { en: '{name} — {description}', zh: '{name} —— {description}' },
  varRequiredError: { en: 'A value is required.', zh: '此项必填。' },
  previewing: {
    en: 'Working out the changes on {count} host(s) (dry-run: nothing is changed)…',
    zh: '正在计算 {count} 台主机上的改动（dry-run，不做任何修改）……',
  },
  previewHeader: { en: 'What the fix would change:', zh: '修复将做出以下改动：' },
  previewHosts: { en: '{count} host(s): {hosts}', zh: '{count} 台主机：{hosts}' },
  previewNoChange: { en: 'Nothing to change on {count} host(s): {hosts}', zh: '{count} 台主机无需修改：{hosts}' },
  previewFailed: { en: 'The dry-run failed on {count} host(s); they will be left out:', zh: '{count} 台主机 dry-run 失败，将不会处理：' },
  previewError: { en: 'The preview could not run: {error}', zh: '无法生成预览：{error}' },
  nothingToDo: { en: 'Nothing to change: the selected hosts are already fixed.', zh: '无需修改：选中的主机都已经修复。' },
  markIrreversible: { en: '⚠ cannot be undone', zh: '⚠ 不可回滚' },
  markWarning: { en: '⚠ warning:', zh: '⚠ 注意：' },
  applyQ: { en: 'Apply this fix to {count} host(s)?', zh: '在这 {count} 台主机上执行修复吗？' },
  irreversibleQ: {
    en: 'Steps marked "cannot be undone" will run on {count} host(s). Continue?',
    zh: '标记为“不可回滚”的步骤将在 {count} 台主机上执行，确定继续吗？',
  },
  typeBackQ: { en: 'Type {expect} to confirm the destructive step on {host}:', zh: '请输入 {expect}，确认在 {host} 上执行破坏性操作：' },
  typeBackCountQ: {
    en: 'Type the number of hosts ({expect}) to confirm the destructive step:',
    zh: '请输入主机数量（{expect}），确认执行破坏性操作：',
  },
  typeBackWrong: { en: 'That does not match.', zh: '输入不一致。' },
  notApplied: { en: 'Not applied — nothing was changed.', zh: '未执行 —— 没有做任何修改。' },

  // 4. apply, recap, rollback
  applying: {
    en: 'Applying {id} on {count} host(s). Ctrl-C stops safely: each host finishes its current step, then is restored.',
    zh: '正在 {count} 台主机上执行 {id}。按 Ctrl-C 可安全停止：每台主机完成当前步骤后恢复原状。',
  },
  progressLine: { en: '{status} {host} {kind} [{task}]{detail}', zh: '{status} {host} {kind}【{task}】{detail}' },
  previewTask: { en: '{status} {kind} [{task}]{mark}', zh: '{status}{kind}【{task}】{mark}' },
  willChange: { en: 'will change', zh: '将修改' },
  runStarted: { en: 'run {runId} started on {count} host(s); journal {journal}', zh: '运行 {runId} 已开始，共 {count} 台主机；日志目录 {journal}' },
  playStarted: { en: 'play: {name} ({count} host(s))', zh: '剧本：{name}（{count} 台主机）' },
  noteIrreversible: { en: 'these steps cannot be undone by rollback: {steps}', zh: '以下步骤无法通过回滚撤销：{steps}' },
  progressRestore: { en: '{status} {host} [{task}]{detail}', zh: '{status} {host}【{task}】{detail}' },
  kindTask: { en: 'step', zh: '步骤' },
  kindHandler: { en: 'handler', zh: '触发操作' },
  kindVerify: { en: 'verify', zh: '验证' },
  kindRollbackHook: { en: 'rollback hook', zh: '回滚操作' },
  progressNote: { en: 'note {host}: {note}', zh: '提示 {host}：{note}' },
  progressUnreachable: { en: '{host}: unreachable — {error}', zh: '{host}：无法连接 —— {error}' },
  progressRolledBack: { en: '{host}: restored — its files are as they were before the run', zh: '{host}：已恢复 —— 文件已还原到执行前的状态' },
  stillWorking: { en: '… still working: {done}/{total} host(s) finished', zh: '……仍在执行：{done}/{total} 台主机已完成' },
  stillWorkingBusy: { en: '… still working: {done}/{total} host(s) finished — {busy}', zh: '……仍在执行：{done}/{total} 台主机已完成 —— {busy}' },
  hostPhase: { en: '{host}: {phase}', zh: '{host}：{phase}' },
  phaseLine: { en: '… {host}: {phase}', zh: '…… {host}：{phase}' },
  'phase.connecting': { en: 'connecting', zh: '正在连接' },
  'phase.gathering': { en: 'reading the current state', zh: '正在读取当前状态' },
  'phase.applying': { en: 'applying {what}', zh: '正在执行 {what}' },
  'phase.verify': { en: 'verifying: {what}', zh: '正在验证：{what}' },
  'phase.restoring': { en: 'restoring {count} file(s)', zh: '正在恢复 {count} 个文件' },
  signalStopping: {
    en: 'Stopping: each host finishes its current step, then what this run changed is restored (press Ctrl-C again to quit at once).',
    zh: '正在停止：每台主机完成当前步骤后，恢复本次运行所做的修改（再按一次 Ctrl-C 立即退出）。',
  },
  recapHeader: { en: 'Recap of run {runId}:', zh: '运行 {runId} 的结果：' },
  recapLine: { en: '{host}: {status}, {changed} change(s){error}', zh: '{host}：{status}，{changed} 处修改{error}' },
  recapTotals: {
    en: 'hosts: {changed} changed, {ok} unchanged, {failed} failed, {rolledBack} restored, {unreachable} unreachable',
    zh: '主机：已修改 {changed}，无变化 {ok}，失败 {failed}，已恢复 {rolledBack}，无法连接 {unreachable}',
  },
  verifyFailed: {
    en: 'Verification failed on {count} host(s); crane-fix restored them already: {hosts}',
    zh: '{count} 台主机验证未通过，crane-fix 已将其恢复原状：{hosts}',
  },
  interrupted: {
    en: 'Interrupted. Hosts that were part-way through were restored; hosts that had finished keep the fix.',
    zh: '已中断。执行到一半的主机已恢复原状，已完成的主机保留修复结果。',
  },
  undoHint: { en: 'To undo this run later: {command}', zh: '如需撤销本次运行：{command}' },
  afterFailQ: {
    en: 'Not every host succeeded. Roll back the whole run, including the hosts that succeeded?',
    zh: '并非所有主机都成功。是否回滚整次运行（包括已成功的主机）？',
  },
  afterOkQ: { en: 'Done. Keep the changes?', zh: '执行完成。是否保留这些修改？' },
  keep: { en: 'Keep the changes', zh: '保留修改' },
  rollbackNow: { en: 'Roll back this run now', zh: '立即回滚本次运行' },
  rollingBack: { en: 'Rolling back run {runId}…', zh: '正在回滚运行 {runId}……' },
  rolledBack: {
    en: 'Rollback finished: {restored} host(s) restored, {failed} failed, {unreachable} unreachable.',
    zh: '回滚完成：已恢复 {restored} 台，失败 {failed} 台，无法连接 {unreachable} 台。',
  },
  rollbackFailed: { en: 'Rollback failed: {error}', zh: '回滚失败：{error}' },

  // 5. the command for next time
  equivalentHeader: { en: 'Next time, without the questions:', zh: '下次可以直接运行（无需交互）：' },
  equivalentPreview: { en: 'preview', zh: '预览' },
  equivalentApply: { en: 'apply', zh: '执行' },
  equivalentYes: {
    en: 'It will ask before steps that cannot be undone; scripts add --yes.',
    zh: '遇到不可回滚的步骤时它会先询问；在脚本中使用请加 --yes。',
  },

  cancelled: { en: 'Cancelled — nothing was changed.', zh: '已取消 —— 没有做任何修改。' },
  bye: { en: 'Bye — nothing was changed.', zh: '再见 —— 没有做任何修改。' },

  // statuses
  'st.ok': { en: 'ok', zh: '无变化' },
  'st.changed': { en: 'changed', zh: '已修改' },
  'st.skipped': { en: 'skipped', zh: '已跳过' },
  'st.failed': { en: 'FAILED', zh: '失败' },
  'st.unreachable': { en: 'UNREACHABLE', zh: '无法连接' },
  'st.rolled-back': { en: 'restored', zh: '已恢复' },
  'st.affected': { en: 'affected', zh: '受影响' },
  'st.unknown': { en: 'unknown', zh: '无法判断' },

  // words used by the prompts themselves
  yes: { en: 'Yes', zh: '是' },
  no: { en: 'No', zh: '否' },
  'key.navigate': { en: 'navigate', zh: '移动' },
  'key.select': { en: 'select', zh: '选择' },
  'key.all': { en: 'all', zh: '全选' },
  'key.invert': { en: 'invert', zh: '反选' },
  'key.submit': { en: 'submit', zh: '确认' },
  more: { en: '… and {count} more', zh: '……另有 {count} 台' },
} as const satisfies Record<string, { en: string; zh: string }>;

export type MessageKey = keyof typeof messages;
export type Params = Record<string, string | number>;
export type T = (key: MessageKey, params?: Params) => string;

/** The placeholders a text uses, sorted: `{a} {b}` -> ['a', 'b']. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
}

export function format(text: string, params: Params = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translator(lang: Lang): T {
  return (key, params) => format(messages[key][lang], params);
}
