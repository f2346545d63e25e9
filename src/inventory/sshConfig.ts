/**
 * A minimal OpenSSH client config reader (ssh_config(5)) covering what decides where and
 * as whom we connect: Host, HostName, User, Port, IdentityFile, ProxyJump. Semantics
 * follow readconf.c: settings before the first Host apply to every host; a Host line is
 * active if any pattern matches and no `!pattern` matches; for each keyword the *first*
 * value obtained wins (IdentityFile accumulates, we use the first); `Keyword=value` and
 * quoted arguments are accepted; `#` starts a comment at the start of a word.
 *
 * Deliberately not evaluated: `Include` (would need glob + recursion and is rarely used
 * for the few keys we read — it is skipped), and `Match` blocks other than `Match all`
 * (their criteria such as `exec` cannot be evaluated here, so they are treated as not
 * matching). Other keywords are valid ssh options we do not need and are ignored.
 */
import { statSync } from 'node:fs';
import { InputError, type SourcePos } from '../errors.js';
import { readInputText } from '../readInput.js';

export interface SshConfigLine {
  keyword: string;
  args: string[];
  pos: Required<SourcePos>;
  /** Position of each argument (for error messages). */
  argPos: Array<Required<SourcePos>>;
}

export interface SshConfig {
  file: string;
  lines: SshConfigLine[];
}

export interface SshHostConfig {
  hostName?: { value: string; pos: Required<SourcePos> };
  user?: { value: string; pos: Required<SourcePos> };
  port?: { value: number; pos: Required<SourcePos> };
  identityFiles: Array<{ value: string; pos: Required<SourcePos> }>;
  /** `none` is kept as-is: it explicitly disables a later ProxyJump. */
  proxyJump?: { value: string; pos: Required<SourcePos> };
}

const KNOWN = new Set(['host', 'match', 'hostname', 'user', 'port', 'identityfile', 'proxyjump', 'include']);

/** argv_split(): whitespace-separated words, quotes and backslash escapes, `#` comments. */
function splitArgs(s: string, offset: number, file: string, lineNo: number): Array<{ value: string; col: number }> {
  const out: Array<{ value: string; col: number }> = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /[ \t]/.test(s[i]!)) i++;
    if (i >= s.length || s[i] === '#') break;
    const start = i;
    let word = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (quote) {
        if (c === '\\' && (s[i + 1] === quote || s[i + 1] === '\\')) word += s[++i];
        else if (c === quote) quote = '';
        else word += c;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '\\' && i + 1 < s.length && `"' \\`.includes(s[i + 1]!)) word += s[++i];
      else if (c === ' ' || c === '\t') break;
      else word += c;
    }
    if (quote) throw new InputError('invalid quotes', { file, line: lineNo, col: offset + start + 1 });
    out.push({ value: word, col: offset + start + 1 });
  }
  return out;
}

export function parseSshConfig(file: string, text: string): SshConfig {
  const lines: SshConfigLine[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.replace(/[ \t\r\f]+$/, '');
    const m = /^[ \t]*([^ \t=]+)/.exec(line);
    if (!m || m[1]!.startsWith('#')) return;
    const keyword = m[1]!.toLowerCase();
    const kwCol = m[0].length - m[1]!.length + 1;
    // "Keyword value", "Keyword=value" and "Keyword = value" are all accepted.
    const rest = /^[ \t]*(?:=[ \t]*)?/.exec(line.slice(m[0].length))!;
    const argOffset = m[0].length + rest[0].length;
    const pos = { file, line: lineNo, col: kwCol };
    if (argOffset >= line.length) throw new InputError(`no argument after keyword "${m[1]}"`, pos);
    if (!KNOWN.has(keyword)) return;
    const args = splitArgs(line.slice(argOffset), argOffset, file, lineNo);
    if (args.length === 0) throw new InputError(`no argument after keyword "${m[1]}"`, pos);
    if (args.some((a) => a.value === '')) {
      const a = args.find((x) => x.value === '')!;
      throw new InputError(`keyword "${m[1]}" has an empty argument`, { file, line: lineNo, col: a.col });
    }
    const argPos = args.map((a) => ({ file, line: lineNo, col: a.col }));
    if (keyword === 'port') {
      const p = args[0]!.value;
      if (!/^[0-9]{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
        throw new InputError(`bad port number '${p}'`, argPos[0]!);
      }
    }
    lines.push({ keyword, args: args.map((a) => a.value), pos, argPos });
  });
  return { file, lines };
}

/** OpenSSH match_pattern: `*` any run, `?` one character, whole string. */
export function sshPatternMatch(name: string, pattern: string): boolean {
  const re = new RegExp(
    '^' +
      [...pattern]
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')))
        .join('') +
      '$',
    'su',
  );
  return re.test(name);
}

/** Whether a `Host` line's pattern list applies to `host`. */
export function hostLineMatches(host: string, patterns: string[]): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    // ssh lowercases the host it looks up; we lowercase the patterns too (OpenSSH would
    // simply never match a pattern containing capitals).
    const pat = (negated ? raw.slice(1) : raw).toLowerCase();
    if (sshPatternMatch(host, pat)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Settings for one host, first-obtained-value-wins. */
export function lookupSshConfig(cfg: SshConfig, host: string): SshHostConfig {
  const name = host.toLowerCase();
  const out: SshHostConfig = { identityFiles: [] };
  let active = true; // lines before the first Host/Match apply to all hosts
  for (const l of cfg.lines) {
    const first = { value: l.args[0]!, pos: l.argPos[0]! };
    switch (l.keyword) {
      case 'host':
        active = hostLineMatches(name, l.args);
        break;
      case 'match':
        active = l.args.length === 1 && l.args[0]!.toLowerCase() === 'all';
        break;
      case 'include':
        // Not followed; see the module comment.
        break;
      case 'hostname':
        if (active && !out.hostName) out.hostName = first;
        break;
      case 'user':
        if (active && !out.user) out.user = first;
        break;
      case 'port':
        if (active && !out.port) out.port = { value: Number(first.value), pos: first.pos };
        break;
      case 'identityfile':
        if (active) out.identityFiles.push(first);
        break;
      case 'proxyjump':
        if (active && !out.proxyJump) out.proxyJump = first;
        break;
    }
  }
  return out;
}

const cache = new Map<string, { mtimeMs: number; size: number; cfg: SshConfig }>();

/** Parses (and caches per path/mtime/size) an ssh config file. */
export function loadSshConfig(path: string): SshConfig {
  const st = statSync(path, { throwIfNoEntry: false });
  const hit = cache.get(path);
  if (st && hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.cfg;
  const cfg = parseSshConfig(path, readInputText(path));
  if (st) cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, cfg });
  return cfg;
}

export interface JumpHost {
  user?: string;
  host: string;
  port?: number;
  text: string;
}

/** One ProxyJump element: `[user@]host[:port]`, `[user@][v6addr][:port]` or `ssh://...`. */
export function parseJumpHost(text: string): JumpHost | undefined {
  let s = text.startsWith('ssh://') ? text.slice(6) : text;
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (!user) return undefined;
  }
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    host = s.slice(1, close);
    const after = s.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    portText = after ? after.slice(1) : undefined;
  } else {
    const colon = s.indexOf(':');
    host = colon >= 0 ? s.slice(0, colon) : s;
    portText = colon >= 0 ? s.slice(colon + 1) : undefined;
  }
  if (!host || /[\s/]/.test(host)) return undefined;
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return undefined;
    port = Number(portText);
  }
  return { user, host, port, text };
}
