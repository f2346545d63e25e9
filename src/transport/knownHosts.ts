/**
 * OpenSSH known_hosts checking. ssh2 accepts any host key unless we verify it, so every
 * connection goes through `checkHostKey`. Supports plain and hashed (`|1|salt|hmac`) host
 * fields, `[host]:port`, comma lists, `!negation`, `*`/`?` wildcards, `@revoked`.
 * `@cert-authority` lines are ignored (we do not verify host certificates).
 */
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

interface Entry {
  marker?: string;
  patterns: string;
  keyType: string;
  keyB64: string;
}

function parse(text: string): Entry[] {
  const out: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: string | undefined;
    if (parts[0]?.startsWith('@')) marker = parts.shift();
    if (parts.length < 3) continue;
    out.push({ marker, patterns: parts[0]!, keyType: parts[1]!, keyB64: parts[2]! });
  }
  return out;
}

function hostField(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

// Compiled once per pattern: every host of a run checks every known_hosts line (50 hosts ×
// 50 lines was 2,500 RegExp compilations per run).
const globCache = new Map<string, RegExp | string>();

/** `valueLower` is `value.toLowerCase()`, computed once per check rather than per pattern. */
function globMatch(pattern: string, value: string, valueLower: string): boolean {
  let m = globCache.get(pattern);
  if (m === undefined) {
    m = /[*?]/.test(pattern)
      ? new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i')
      : pattern.toLowerCase();
    globCache.set(pattern, m);
  }
  return typeof m === 'string' ? m === valueLower : m.test(value);
}

/**
 * A line's host patterns, split (or its hashed name's salt decoded) once per known_hosts
 * line instead of once per line per host checked.
 */
type Matcher = { hashed: { salt: Buffer; hash: string } | undefined } | { list: string[] };
const matchers = new WeakMap<Entry, Matcher>();

function matcherOf(e: Entry): Matcher {
  let m = matchers.get(e);
  if (!m) {
    if (e.patterns.startsWith('|1|')) {
      const [, , salt, hash] = e.patterns.split('|');
      m = { hashed: salt && hash ? { salt: Buffer.from(salt, 'base64'), hash } : undefined };
    } else {
      m = { list: e.patterns.split(',') };
    }
    matchers.set(e, m);
  }
  return m;
}

function patternsMatch(e: Entry, field: string, fieldLower: string): boolean {
  const m = matcherOf(e);
  if ('hashed' in m) {
    if (!m.hashed) return false;
    const mac = createHmac('sha1', m.hashed.salt).update(field).digest('base64');
    return mac === m.hashed.hash;
  }
  let matched = false;
  for (const p of m.list) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), field, fieldLower)) return false;
    } else if (globMatch(p, field, fieldLower)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type name inside an SSH public key blob (first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export class KnownHosts {
  private constructor(
    readonly files: string[],
    private entries: Entry[],
  ) {}

  static load(files: string[]): KnownHosts {
    const entries: Entry[] = [];
    for (const f of files) {
      try {
        entries.push(...parse(fs.readFileSync(f, 'utf8')));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return new KnownHosts(files, entries);
  }

  /**
   * Verdict for a presented key. A host with a recorded key of the *same type* that differs
   * is a mismatch (possible MITM); a host with only keys of other types is unknown for this
   * type — OpenSSH treats that as a changed key too, and so do we, to be safe.
   */
  check(host: string, port: number, blob: Buffer): HostKeyVerdict {
    const field = hostField(host, port);
    const fieldLower = field.toLowerCase();
    const b64 = blob.toString('base64');
    let sawHost = false;
    let matched = false;
    for (const e of this.entries) {
      if (e.marker === '@cert-authority') continue;
      if (!patternsMatch(e, field, fieldLower)) continue;
      // A revoked key is refused wherever its line sits, before or after a line that
      // lists the same key as valid (issue 8: a trailing @revoked line used to be ignored).
      if (e.marker === '@revoked') {
        if (e.keyB64 === b64) return 'revoked';
        continue;
      }
      sawHost = true;
      if (e.keyB64 === b64) matched = true;
    }
    return matched ? 'match' : sawHost ? 'mismatch' : 'unknown';
  }

  /** Record a new key (only ever for an unknown host; never to overwrite a changed one). */
  add(host: string, port: number, blob: Buffer): void {
    const line = `${hostField(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
    const file = this.files[0];
    if (!file) throw new Error('no known_hosts file to record the key in');
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(file, line, { mode: 0o600 });
    this.entries.push(...parse(line));
  }
}

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * Which known_hosts files to verify a host against: --known-hosts when given, else the
 * UserKnownHostsFile in the host's ssh args (ansible_ssh_common_args / ansible_ssh_extra_args,
 * ConnectionSpec.sshArgs: Ansible users set it there), else ~/.ssh/known_hosts.
 */
export function knownHostsFilesFor(flag: string[] | undefined, sshArgs: string | undefined): string[] {
  if (flag?.length) return flag;
  const fromArgs = sshArgs !== undefined ? /UserKnownHostsFile[= ]\s*(\S+)/.exec(sshArgs)?.[1] : undefined;
  if (fromArgs) return [fromArgs.replace(/^['"]|['"]$/g, '')];
  return [path.join(os.homedir(), '.ssh', 'known_hosts')];
}
