import { affected, clean, DetectorOutputError, hasRec, makeDetector, pathVar, unknown, type Rec } from '../detect.js';
import { shellQuote } from '../shellQuote.js';
import type { CatalogEntry, DetectorResult } from '../types.js';

/** Binaries Crane puts in kubernetes_ctl_path. */
export const CTL_BINARIES = ['ctr', 'crictl', 'kubectl', 'kubeadm', 'kubelet', 'docker', 'containerd', 'runc', 'calicoctl', 'helm'];
const BIN = `(?:${CTL_BINARIES.join('|')})`;

function ctlPath(vars: Record<string, unknown>): string {
  return pathVar(vars, ['kubernetes_ctl_path'], '/usr/local/bin')!;
}

function judge(recs: Rec[], vars: Record<string, unknown>): DetectorResult {
  const dir = ctlPath(vars);
  const p = recs.find((r) => r.tag === 'path');
  if (!p) throw new DetectorOutputError('no PATH record');
  const path = p.body[0] ?? '';
  if (hasRec(recs, 'nodir')) return unknown(`${dir} does not exist`);
  const bins = recs.filter((r) => r.tag === 'bin').map((r) => ({ name: r.args[0] ?? '', found: r.args.slice(1).join(' ') }));
  if (bins.length === 0) return unknown(`none of ${CTL_BINARIES.join(', ')} in ${dir}`);
  const lost = bins.filter((b) => b.found === '-' || b.found === '');
  if (lost.length > 0) {
    return affected(`${lost.map((b) => b.name).join(', ')} in ${dir} not found on the non-login shell PATH (${path || 'empty'})`);
  }
  return clean(`${bins.map((b) => b.name).join(', ')} ${bins.length === 1 ? 'resolves' : 'resolve'} on PATH (${path})`);
}

export const entry: CatalogEntry = {
  id: 'ctl-path',
  level: 'host',
  title: {
    en: 'Binaries in kubernetes_ctl_path are not on PATH ("ctr: command not found")',
    zh: 'kubernetes_ctl_path 下的二进制不在 PATH 中（“ctr: command not found”）',
  },
  explanation: {
    en:
      'Crane downloads the components (ctr, kubectl, kubelet, ...) to /usr/local/bin by default ({{ kubernetes_ctl_path }}). ' +
      "Non-login shells — the /bin/sh Ansible runs over SSH, or sudo with secure_path — often don't have /usr/local/bin " +
      'on PATH, so a task fails with "/bin/sh: ctr: command not found" (rc 127). Crane now prefixes every binary it ' +
      'calls with {{ kubernetes_ctl_path }}; other scripts and hand-run commands still hit this.',
    zh:
      '因 Crane 默认把组件（ctr、kubectl、kubelet 等）下载到 /usr/local/bin（{{ kubernetes_ctl_path }}），而非登录 shell' +
      '（Ansible 通过 SSH 执行的 /bin/sh、带 secure_path 的 sudo）的 PATH 中常常没有 /usr/local/bin，任务会报错 ' +
      '“/bin/sh: ctr: command not found”（rc 127）。Crane 目前已经把所有涉及二进制的命令加入了 {{ kubernetes_ctl_path }} 参数头，' +
      '其他脚本或手工执行的命令仍可能遇到此问题，如还发现类似问题请按下述方式处理。',
  },
  action: {
    en:
      'Call the binary by its full path:\n' +
      '  /usr/local/bin/ctr -n k8s.io i import /tmp/crane/kubernetes.tar.gz\n' +
      'or link it into a directory that is on the non-login PATH:\n' +
      '  ln -s /usr/local/bin/ctr /usr/bin/ctr\n' +
      "or add /usr/local/bin to sudo's secure_path (visudo):\n" +
      '  Defaults    secure_path = /sbin:/bin:/usr/sbin:/usr/bin:/usr/local/bin',
    zh:
      '使用完整路径调用：\n' +
      '  /usr/local/bin/ctr -n k8s.io i import /tmp/crane/kubernetes.tar.gz\n' +
      '或者在非登录 shell 的 PATH 目录中建立软链接：\n' +
      '  ln -s /usr/local/bin/ctr /usr/bin/ctr\n' +
      '或者把 /usr/local/bin 加入 sudo 的 secure_path（visudo）：\n' +
      '  Defaults    secure_path = /sbin:/bin:/usr/sbin:/usr/bin:/usr/local/bin',
  },
  symptoms: [
    {
      id: 'ctl-command-not-found',
      // bash "<name>: command not found" (also as /bin/sh, "line N:" when not interactive, and under sudo; Fedora's PackageKit
      // handler adds "..."), dash "/bin/sh: 1: <name>: not found", busybox ash "sh: <name>: not found", mksh "<name>: not
      // found" and, in later releases (Android's /system/bin/sh), "<name>: inaccessible or not found".
      pattern: new RegExp(`(?:^|[\\s"'\\[/:])${BIN}: (?:command |inaccessible or )?not found`),
      example:
        'fatal: [192.168.6.96]: FAILED! => {"changed": true, "cmd": "ctr -n k8s.io i import /tmp/crane/kubernetes.tar.gz", "delta": "0:00:00.018852", "end": "2020-12-22 15:54:19.290911", "msg": "non-zero return code", "rc": 127, "start": "2020-12-22 15:54:19.272059", "stderr": "/bin/sh: ctr: command not found", "stderr_lines": ["/bin/sh: ctr: command not found"], "stdout": "", "stdout_lines": []}',
      source: 'notes',
      reason: { en: 'The shell that ran the command (non-login, e.g. Ansible\'s) does not have the binary on its PATH.', zh: '执行命令的 shell（非登录 shell，如 Ansible 使用的）的 PATH 中没有该二进制。' },
    },
    {
      id: 'ctl-exec-not-in-path',
      pattern: new RegExp(`exec: "${BIN}": executable file not found in \\$PATH`),
      example: 'crictl is required for container runtime: exec: "crictl": executable file not found in $PATH',
      source: 'saltstack-formulas/kubernetes-formula#46',
      reason: { en: 'The binary is not on the PATH of this (non-login) shell.', zh: '该二进制不在当前（非登录）shell 的 PATH 中。' },
      weight: 1,
    },
    {
      id: 'ctl-not-found-other-shells',
      // zsh Src/exec.c zerr("command not found: %s"); fish "Unknown command: %s" (3.x) and "Unknown command '%s'" (2.x)
      // which(1): "which: no kubectl in (<PATH>)", which also shows the PATH that lacks the directory. tcsh/csh (sh.err.c
      // stderror ERR_NAME|ERR_NOTFOUND): "<name>: Command not found." with a capital C and a final period.
      pattern: new RegExp(`\\bzsh: command not found: ${BIN}\\b|\\bfish: Unknown command:? '?${BIN}\\b|\\bwhich: no ${BIN} in \\(|(?:^|[\\s"'\\[/:])${BIN}: Command not found\\.`),
      example: 'zsh: command not found: crictl',
      source: 'zsh (Src/exec.c), fish (src/parse_execution.cpp)',
      reason: { en: 'This shell does not have the binary on its PATH.', zh: '当前 shell 的 PATH 中没有该二进制。' },
    },
    {
      id: 'ctl-distro-command-not-found',
      // Ubuntu/Debian's command-not-found handler (CommandNotFound.py, run by bash's command_not_found_handle): the snap-era
      // releases say "Command '%s' not found, but can be installed with:" / ", did you mean:" / ", but there are %s similar
      // ones."; the older ones "No command '%s' found, did you mean:" (/ "..., but there are %s similar ones"), "The program
      // '%s' is currently not installed." and "The program '%s' can be found in the following packages:". When the binary is
      // in one of its prefixes (/usr/local/bin among them) but not on PATH, every release says so outright: "Command '%s' is
      // available in '%s'" (or "... in the following places") then "The command could not be located because '%s' is not
      // included in the PATH environment variable." - that line names no binary, so only the default ctl path counts.
      // Fedora/RHEL's PackageKit handler (contrib/command-not-found/pk-command-not-found.c), after its "bash: %s: command not
      // found...": "Install package '%s' to provide command '%s'?". Its "Similar command is: '%s'" is a typo, left alone.
      pattern: new RegExp(
        `\\bCommand '${BIN}' (?:not found|is available in (?:'|the following places))|\\bNo command '${BIN}' found|\\bThe program '${BIN}' (?:is currently not installed|can be found in the following packages)|` +
          `\\bto provide command '${BIN}'\\?|` +
          `\\bThe command could not be located because '(?:[^']*:)?/usr/local/bin(?::[^']*)?' is not included in the PATH`,
      ),
      example: "Command 'kubectl' is available in '/usr/local/bin/kubectl'",
      source: 'command-not-found (CommandNotFound/CommandNotFound.py), PackageKit (contrib/command-not-found)',
      reason: {
        en: "The distribution's command-not-found handler ran: the shell did not find the binary on its PATH.",
        zh: '发行版的 command-not-found 处理程序被触发：shell 在其 PATH 中没有找到该二进制。',
      },
    },
    {
      id: 'ctl-exec-enoent-other-programs',
      // Programs that execvp() the name themselves and report ENOENT: coreutils nohup/timeout ("failed to run command
      // %s" with quoteaf: 'kubectl' since 8.25, `kubectl' before) and env ("%s" quote(argv[optind])); Java's
      // ProcessBuilder.start ("Cannot run program \"%s\"" [+ " (in directory ...)"] + ": error=2, No such file or
      // directory", as Jenkins prints it); Node's child_process ("spawn <file> ENOENT").
      pattern: new RegExp(
        `\\bfailed to run command [\u2018'\`]${BIN}'?[\u2019']?: No such file or directory|\\benv: [\u2018'\`]?${BIN}[\u2019']?: No such file or directory|` +
          `Cannot run program "${BIN}"(?: \\(in directory "[^"]*"\\))?: error=2, No such file or directory|\\bspawn ${BIN} ENOENT\\b`,
      ),
      example: "nohup: failed to run command 'kubectl': No such file or directory",
      source: 'coreutils (src/nohup.c, src/timeout.c, src/env.c), OpenJDK (java/lang/ProcessBuilder.java), Node.js (lib/internal/child_process.js)',
      reason: {
        en: 'The program looked the binary up on its own PATH and did not find it (ENOENT): that PATH lacks its directory.',
        zh: '该程序在自己的 PATH 中查找该二进制未找到（ENOENT）：该 PATH 中没有它所在的目录。',
      },
    },
    {
      id: 'ctl-python-enoent',
      // Ansible's command module runs argv without a shell (module_utils/basic.py run_command: fail_json(rc=e.errno,
      // msg=to_native(e), cmd=...)): Python 3 names the file, "[Errno 2] No such file or directory: b'ctr'"; Python 2
      // does not, and only the sorted "cmd" field before "msg" says which binary it was.
      pattern: new RegExp(`\\[Errno 2\\] No such file or directory: b?'${BIN}'|"cmd": ?\\[?"${BIN}\\b[^}]*"msg": ?"\\[Errno 2\\] No such file or directory"`),
      example: 'fatal: [node1]: FAILED! => {"changed": false, "cmd": "ctr -n k8s.io i import /tmp/crane/kubernetes.tar.gz", "msg": "[Errno 2] No such file or directory: b\'ctr\'", "rc": 2}',
      source: 'ansible (lib/ansible/module_utils/basic.py run_command)',
      reason: { en: 'Ansible ran the binary by name and the module\'s PATH does not have it.', zh: 'Ansible 按名字执行该二进制，而模块的 PATH 中没有它。' },
    },
    {
      id: 'ctl-sudo-not-found',
      // sudo resets PATH to secure_path (no /usr/local/bin on RHEL/CentOS): "sudo: <name>: command not found" for a
      // binary the user's own shell finds. Not limited to Crane's binaries: minikube, helm or k9s installed into
      // /usr/local/bin fail the same way (kubernetes/minikube#5547). kubeadm preflight's "crictl not found in system
      // path" is left out on purpose: it mostly means crictl is not installed at all (kubernetes/kubeadm#613).
      pattern: /(?:^|[\s"'\[])sudo: [^\s:'"]+: command not found/,
      example: 'sudo: minikube: command not found',
      source: 'kubernetes/minikube#5547',
      reason: { en: "sudo replaced PATH with its secure_path, which lacks the binary's directory (often /usr/local/bin).", zh: 'sudo 把 PATH 换成了 secure_path，其中没有该二进制所在目录（通常是 /usr/local/bin）。' },
    },
  ],
  detector: makeDetector({
    helpers: [],
    script: (vars) =>
      [
        `p=${shellQuote(ctlPath(vars))}`,
        `echo "@@crane path"; printf '|%s\\n' "$PATH"`,
        'if [ -d "$p" ]; then for b in ' + CTL_BINARIES.join(' ') + '; do',
        '  if [ -x "$p/$b" ]; then echo "@@crane bin $b $(command -v "$b" 2>/dev/null || echo -)"; fi',
        'done; else echo "@@crane nodir"; fi',
      ].join('\n'),
    judge,
  }),
  playbook: 'ctl-path.yaml',
  reversible: true,
  vars: [
    {
      name: 'kubernetes_ctl_path',
      description: {
        en: "Where Crane installs the Kubernetes binaries (Crane's kubernetes_ctl_path).",
        zh: 'Crane 安装 Kubernetes 二进制的目录（Crane 的 kubernetes_ctl_path）。',
      },
      default: '/usr/local/bin',
    },
  ],
};
