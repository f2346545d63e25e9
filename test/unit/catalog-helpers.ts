/**
 * Test helpers for the catalogue: build detector output in the `@@crane` protocol (checked
 * against real sh in catalog-detectors.test.ts), run snippets with sh, and spot writes.
 */
import { spawnSync } from 'node:child_process';

/** A `crane_file` record: content, or null for a missing file, or 'notfile'. */
export function fileOut(label: string, content: string | null | { notfile: true }): string {
  if (content === null) return `@@crane missing ${label}\n`;
  if (typeof content !== 'string') return `@@crane notfile ${label}\n`;
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return `@@crane file ${label}\n${lines.map((l) => `|${l}\n`).join('')}`;
}

/** A `crane_run` record (command substitution drops trailing newlines, as sh does). */
export function runOut(label: string, rc: number, text: string): string {
  const t = text.replace(/\n+$/, '');
  return `@@crane run ${label} ${rc}\n${t === '' ? '' : t.split('\n').map((l) => `|${l}\n`).join('')}`;
}

export function recOut(header: string, body: string[] = []): string {
  return `@@crane ${header}\n${body.map((l) => `|${l}\n`).join('')}`;
}

export const ok = (stdout: string) => ({ rc: 0, stdout, stderr: '' });

export interface ShResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export function runSh(script: string, opts: { env?: NodeJS.ProcessEnv; shell?: string } = {}): ShResult {
  const r = spawnSync(opts.shell ?? 'sh', [], { input: script, encoding: 'utf8', env: opts.env ?? process.env, timeout: 60_000 });
  if (r.error) throw r.error;
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `sh -n`: parse only. Returns stderr ('' when the syntax is fine). */
export function shSyntaxError(script: string, shell = 'sh'): string | undefined {
  const r = spawnSync(shell, ['-n'], { input: script, encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  return r.status === 0 ? undefined : r.stderr || `exit ${r.status}`;
}

export function hasShell(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

// ---------------------------------------------------------------------------------------------
// Read-only check

/** Redirections that cannot write a file: fd duplication and /dev/null. */
const HARMLESS_REDIRECT = /\d?>&\d|\d?>>?\s*\/dev\/null\b/g;

/** Start of a simple command: line start, after ; & | ( { $( ` or a keyword, or crane_run's label. */
const CMD_POS = String.raw`(?:^|[;&|({\x60]|\$\(|\b(?:then|do|else|elif|if|while|until)\b|\bcrane_run\s+\S+)\s*(?:(?:sudo|env|nice|nohup|command|exec|timeout\s+\d+\w?)\s+)*`;

const WRITERS = [
  'rm', 'rmdir', 'mv', 'cp', 'dd', 'tee', 'ln', 'mkdir', 'mknod', 'touch', 'truncate', 'chmod', 'chown', 'chgrp',
  'chattr', 'setfacl', 'mkfs(?:\\.\\w+)?', 'mkswap', 'wipefs', 'parted', 'fdisk', 'sfdisk', 'mount', 'umount',
  'swapon', 'swapoff', 'modprobe', 'insmod', 'rmmod', 'kill', 'pkill', 'killall', 'reboot', 'shutdown', 'halt',
  'poweroff', 'hostnamectl', 'sysctl', 'iptables(?:-restore)?', 'ip6tables(?:-restore)?', 'ipvsadm', 'kubectl',
  'systemctl', 'service', 'crontab', 'useradd', 'usermod', 'userdel', 'passwd', 'install', 'patch', 'sync',
  'xfs_admin', 'xfs_repair', 'xfs_growfs', 'xfs_fsr', 'eval', 'source', 'ctr', 'crictl',
];

const WRITE_PATTERNS: [string, RegExp][] = [
  ['writing command', new RegExp(`${CMD_POS}(?:${WRITERS.join('|')})(?![\\w.-])`, 'm')],
  ['hostname with an argument', new RegExp(`${CMD_POS}hostname[ \\t]+[^\\s;|&)]`, 'm')],
  ['sed -i', /\bsed\b[^;|&\n]*\s(?:-[a-zA-Z]*i|--in-place)/],
  ['ip link/addr/route change', /\bip\s+(?:-\S+\s+)*(?:link|addr|address|route|rule|neigh|tunnel)\s+(?:add|del|delete|set|change|replace|flush)\b/],
  ['docker change', /\bdocker\s+(?:rm|rmi|kill|stop|start|restart|run|exec|system|prune|load|import|pull|volume|network|container|image|tag|commit|cp|save|update)\b/],
  ['find -delete/-exec', /\bfind\b[^\n]*\s-(?:delete|exec|execdir|ok|fprint\w*|fls)\b/],
  ['awk system() or print to file', /\bawk\b[^\n]*(?:\bsystem\s*\(|\|\s*getline|print[^\n]*>)/],
  ['xfs_db -x', /\bxfs_db\b[^\n]*\s-x\b/],
];

/**
 * Reasons a snippet could modify the host; [] when it looks read-only. Single-quoted words are
 * data to sh (that is how vars get in), so they are blanked first — except for awk, whose
 * program is itself single-quoted.
 */
export function writeRisks(script: string): string[] {
  const risks: string[] = [];
  // `\'` is a literal quote outside quotes (shellQuote writes ' as '\''): drop it first.
  const code = script.replace(/\\'/g, '').replace(/'[^']*'/g, "''");
  if (/>/.test(code.replace(HARMLESS_REDIRECT, ''))) risks.push('output redirection');
  for (const [why, re] of WRITE_PATTERNS) if (re.test(why.startsWith('awk') ? script : code)) risks.push(why);
  return risks;
}
