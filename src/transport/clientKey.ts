/**
 * The client's private key, parsed once per run instead of once per connection.
 *
 * Given the key file's bytes, ssh2 parses them again for every connection, and signs with
 * the key's PEM text, which OpenSSL decodes again for every signature: ~0.4 ms of CPU per
 * host (bench/README.md), on the one thread that drives every connection. Here the key is
 * parsed once, signs with a KeyObject made once, and goes to ssh2 as an auth method of its
 * own — which also skips ssh2's opening `none` attempt (one round trip per host that can
 * only fail: crane-fix never logs in without a key or an agent).
 */
import { createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type { AgentAuthMethod, ParsedKey, PublicKeyAuthMethod, utils as Ssh2Utils } from 'ssh2';

type Prepared = ParsedKey & Record<symbol, string | KeyObject | null>;

const parsed = new Map<string, ParsedKey | undefined>();

/**
 * The key ready to sign, or undefined when ssh2 cannot use it as it is (encrypted, not a
 * private key, unparseable): the caller then hands ssh2 the bytes, and its error, as before.
 */
export function preparedKey(utils: typeof Ssh2Utils, bytes: Buffer): ParsedKey | undefined {
  const id = createHash('sha256').update(bytes).digest('hex');
  if (parsed.has(id)) return parsed.get(id);
  let key: ReturnType<typeof utils.parseKey> | undefined = utils.parseKey(bytes);
  if (Array.isArray(key)) key = key[0];
  let out: ParsedKey | undefined;
  if (key && !(key instanceof Error) && key.isPrivateKey()) {
    out = key;
    // ssh2 keeps the PEM under a private symbol and hands it to crypto.sign, which takes a
    // KeyObject as well. Found by its description; used only if a signature made with it
    // verifies (an ssh2 that works otherwise keeps its PEM).
    const k = key as Prepared;
    const sym = Object.getOwnPropertySymbols(k).find((s) => s.description === 'Private key PEM');
    const pem = sym && k[sym];
    if (sym && typeof pem === 'string') {
      try {
        k[sym] = createPrivateKey(pem);
        const probe = randomBytes(32);
        const sig = k.sign(probe);
        if (!Buffer.isBuffer(sig) || k.verify(probe, sig) !== true) k[sym] = pem;
      } catch {
        k[sym] = pem;
      }
    }
  }
  parsed.set(id, out);
  return out;
}

/** ssh2's `authHandler`: the prepared key, then the agent (its socket path) if there is one. */
export function authMethods(key: ParsedKey, username: string, agent?: string): (PublicKeyAuthMethod | AgentAuthMethod)[] {
  return [{ type: 'publickey', username, key }, ...(agent ? [{ type: 'agent' as const, username, agent }] : [])];
}
