/**
 * Turns a host's final vars into the SSH connection Ansible's ssh plugin would make.
 *
 * Precedence among alias variables is Ansible's plugin-option rule: every alias is read
 * and the one listed *last* in the plugin's documentation wins when several are set
 * (config manager `_loop_entries`). Verified against ansible-core: `ansible_ssh_user`
 * beats `ansible_user`, `ansible_ssh_port` beats `ansible_port`, `ansible_ssh_host`
 * beats `ansible_host`, `ansible_ssh_private_key_file` beats `ansible_private_key_file`,
 * and for sudo `ansible_sudo_pass` > `ansible_become_pass` > `ansible_become_password`.
 * So with Crane's `[all:vars] ansible_ssh_user=root`, a host line `ansible_user=ubuntu`
 * still connects as root — exactly as Ansible does.
 *
 * Inventory vars win over ~/.ssh/config; the ssh config is looked up by the address we
 * dial (ansible_host, else the inventory name) the way `ssh <address>` would, so its
 * HostName/User/Port/IdentityFile/ProxyJump fill what the inventory leaves unset.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { InputError, type SourcePos } from '../errors.js';
import { pyFloatRepr } from './pyValues.js';
import { loadSshConfig, lookupSshConfig, parseJumpHost, type SshConfig, type SshHostConfig } from './sshConfig.js';
import type { ConnectionSpec, InventoryHost } from './types.js';

export interface ResolveOptions {
  /** Defaults to ~/.ssh/config (ignored if absent); an explicit path must exist. */
  sshConfigPath?: string;
  /** Defaults to process.env (HOME, USER and $VARS in key paths). */
  env?: NodeJS.ProcessEnv;
  /** `-e` vars: as in Ansible, they win over the inventory's connection vars too (`-e ansible_user=…`). */
  extraVars?: Record<string, unknown>;
}

const MAX_JUMP_DEPTH = 10;

export function resolveConnection(host: InventoryHost, opts: ResolveOptions = {}): ConnectionSpec {
  const env = opts.env ?? process.env;
  const home = env.HOME || homedir();
  const cfg = loadConfig(opts, home);
  const v = opts.extraVars ? { ...host.vars, ...opts.extraVars } : host.vars;
  const where = host.pos;
  const bad = (varName: string, detail: string): never => {
    throw new InputError(`host '${host.name}': ${varName} ${detail}`, where);
  };

  const hostVar = pick(v, ['ansible_host', 'ansible_ssh_host']);
  const target = hostVar ? asText(hostVar.value) ?? bad(hostVar.name, 'must be a string') : host.name;
  if (target.trim() === '') bad(hostVar?.name ?? 'name', 'is empty');
  const sc = cfg ? lookupSshConfig(cfg, target) : { identityFiles: [] };

  const portVar = pick(v, ['ansible_port', 'ansible_ssh_port']);
  const port = portVar ? (toPort(portVar.value) ?? bad(portVar.name, `must be a port number 1-65535, got ${show(portVar.value)}`)) : (sc.port?.value ?? 22);

  const userVar = pick(v, ['ansible_user', 'ansible_ssh_user']);
  const user = userVar
    ? nonEmpty(asText(userVar.value)) ?? bad(userVar.name, `must be a non-empty string, got ${show(userVar.value)}`)
    : (sc.user?.value ?? (env.USER || 'root'));

  const keyVar = pick(v, ['ansible_private_key_file', 'ansible_ssh_private_key_file']);
  const keyText = keyVar ? nonEmpty(asText(keyVar.value)) ?? bad(keyVar.name, `must be a path, got ${show(keyVar.value)}`) : undefined;
  const hostName = expandHostName(sc, target);
  const privateKeyPath = keyText !== undefined ? expandPath(keyText, home, env) : identityFile(sc, home, env, hostName, user);

  const becomeVar = pick(v, ['ansible_become']);
  const become = becomeVar ? (toBool(becomeVar.value) ?? bad(becomeVar.name, `is not a valid boolean: ${show(becomeVar.value)}`)) : false;
  const methodVar = pick(v, ['ansible_become_method']);
  const becomeMethod = methodVar
    ? nonEmpty(asText(methodVar.value)) ?? bad(methodVar.name, `must be a become method name, got ${show(methodVar.value)}`)
    : 'sudo';
  // The become plugin's aliases: generic names first, the method-specific one last (wins).
  const becomeUserVar = pick(v, ['ansible_become_user', `ansible_${becomeMethod}_user`]);
  const becomeUser = becomeUserVar
    ? nonEmpty(asText(becomeUserVar.value)) ?? bad(becomeUserVar.name, `must be a user name, got ${show(becomeUserVar.value)}`)
    : 'root';
  const passVar = pick(v, ['ansible_become_password', 'ansible_become_pass', `ansible_${becomeMethod}_pass`]);
  const becomePassword = passVar ? asText(passVar.value) ?? bad(passVar.name, 'must be a string') : undefined;

  const timeoutVar = pick(v, ['ansible_timeout', 'ansible_ssh_timeout']);
  let connectTimeoutMs: number | undefined;
  if (timeoutVar) {
    const secs = toNumber(timeoutVar.value);
    if (secs === undefined || !(secs > 0)) bad(timeoutVar.name, `must be a positive number of seconds, got ${show(timeoutVar.value)}`);
    connectTimeoutMs = Math.round(secs! * 1000);
  }

  // Ansible's ssh connection appends both: ssh_common_args (ssh, scp, sftp) and ssh_extra_args
  // (ssh only). We read them for the known_hosts file they may name (UserKnownHostsFile).
  const argVars = ['ansible_ssh_common_args', 'ansible_ssh_extra_args'].map((n) => pick(v, [n])).filter((x) => x !== undefined);
  const sshArgs = argVars.map((x) => asText(x.value) ?? bad(x.name, `must be a string, got ${show(x.value)}`)).filter((a) => a.trim() !== '');

  const spec: ConnectionSpec = {
    name: host.name,
    host: hostName,
    port,
    user,
    become,
    becomeMethod,
    becomeUser,
  };
  if (privateKeyPath !== undefined) spec.privateKeyPath = privateKeyPath;
  if (becomePassword !== undefined) spec.becomePassword = becomePassword;
  if (connectTimeoutMs !== undefined) spec.connectTimeoutMs = connectTimeoutMs;
  if (sshArgs.length) spec.sshArgs = sshArgs.join(' ');
  const jump = cfg && sc.proxyJump ? jumpChain(cfg, sc.proxyJump, home, env, 0) : undefined;
  if (jump) spec.proxyJump = jump;
  return spec;
}

function loadConfig(opts: ResolveOptions, home: string): SshConfig | undefined {
  if (opts.sshConfigPath !== undefined) return loadSshConfig(opts.sshConfigPath);
  const def = join(home, '.ssh', 'config');
  return existsSync(def) ? loadSshConfig(def) : undefined;
}

/** Ansible reads every alias and keeps the last one that is set (not null). */
function pick(vars: Record<string, unknown>, names: string[]): { name: string; value: unknown } | undefined {
  let found: { name: string; value: unknown } | undefined;
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(vars, name) && vars[name] !== null && vars[name] !== undefined) {
      found = { name, value: vars[name] };
    }
  }
  return found;
}

/** Python str() of a scalar; undefined for containers. */
function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return undefined;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*[0-9]+(\.[0-9]*)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function toPort(v: unknown): number | undefined {
  if (typeof v === 'boolean') return undefined;
  const n = toNumber(v);
  return n !== undefined && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** ansible.module_utils.parsing.convert_bool.boolean(strict=True). */
export function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === 'string') {
    const s = v.toLowerCase().trim();
    if (['y', 'yes', 'on', '1', 'true', 't'].includes(s)) return true;
    if (['n', 'no', 'off', '0', 'false', 'f'].includes(s)) return false;
  }
  return undefined;
}

/** `~`, `~/...` and $VAR / ${VAR} (Python os.path.expanduser + expandvars; unknown vars stay). */
export function expandPath(p: string, home: string, env: NodeJS.ProcessEnv): string {
  let out = p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
  out = out.replace(/\$(\w+)|\$\{([^}]+)\}/g, (m, a: string | undefined, b: string | undefined) => {
    const val = env[(a ?? b)!];
    return val === undefined ? m : val;
  });
  return out;
}

function expandHostName(sc: SshHostConfig, target: string): string {
  if (!sc.hostName) return target;
  return sc.hostName.value.replace(/%([%h])/g, (_m, t: string) => (t === '%' ? '%' : target));
}

/** IdentityFile with ssh's tokens: ~, %d (home), %u (local user), %h (host), %r (remote user). */
function identityFile(sc: SshHostConfig, home: string, env: NodeJS.ProcessEnv, host: string, user: string): string | undefined {
  const first = sc.identityFiles[0];
  if (!first) return undefined;
  const local = env.USER || 'root';
  const tokens: Record<string, string> = { '%': '%', d: home, u: local, h: host, r: user };
  const expanded = first.value.replace(/%([%duhr])/g, (_m, t: string) => tokens[t]!);
  return expandPath(expanded, home, env);
}

/**
 * ProxyJump `a,b` means local -> a -> b -> target: the target's hop is b, b's hop is a.
 * Each jump host gets its own ssh-config lookup (HostName/User/Port/IdentityFile); the
 * first hop also follows its own configured ProxyJump, later hops are pinned by the list.
 */
function jumpChain(
  cfg: SshConfig,
  pj: { value: string; pos: Required<SourcePos> },
  home: string,
  env: NodeJS.ProcessEnv,
  depth: number,
): ConnectionSpec | undefined {
  if (pj.value.toLowerCase() === 'none') return undefined;
  if (depth >= MAX_JUMP_DEPTH) throw new InputError(`ProxyJump chain is longer than ${MAX_JUMP_DEPTH} hops (loop?)`, pj.pos);
  let prev: ConnectionSpec | undefined;
  pj.value.split(',').forEach((text, idx) => {
    const j = parseJumpHost(text.trim());
    if (!j) throw new InputError(`invalid ProxyJump host '${text}' (expected [user@]host[:port])`, pj.pos);
    const sc = lookupSshConfig(cfg, j.host);
    const host = expandHostName(sc, j.host);
    const user = j.user ?? sc.user?.value ?? (env.USER || 'root');
    const spec: ConnectionSpec = {
      name: j.text,
      host,
      port: j.port ?? sc.port?.value ?? 22,
      user,
      become: false,
      becomeMethod: 'sudo',
      becomeUser: 'root',
    };
    const key = identityFile(sc, home, env, host, user);
    if (key !== undefined) spec.privateKeyPath = key;
    const via = idx === 0 ? (sc.proxyJump ? jumpChain(cfg, sc.proxyJump, home, env, depth + 1) : undefined) : prev;
    if (via) spec.proxyJump = via;
    prev = spec;
  });
  return prev;
}
