import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { KeyObject, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { authMethods, preparedKey } from '../../src/transport/clientKey.js';

const { utils } = createRequire(import.meta.url)('ssh2') as typeof import('ssh2');

function keyFile(passphrase = ''): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', path.join(dir, 'k')], { stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'k'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the client key, prepared once per run', () => {
  it('is parsed once, signs with a KeyObject, and its signatures verify', () => {
    const bytes = keyFile();
    const k = preparedKey(utils, bytes)!;
    expect(k).toBeDefined();
    expect(preparedKey(utils, Buffer.from(bytes))).toBe(k); // same bytes: the same parsed key
    const held = Object.getOwnPropertySymbols(k).map((s) => (k as unknown as Record<symbol, unknown>)[s]);
    expect(held.some((v) => v instanceof KeyObject)).toBe(true);
    const data = randomBytes(64);
    const sig = k.sign(data);
    expect(Buffer.isBuffer(sig)).toBe(true);
    expect(k.verify(data, sig as Buffer)).toBe(true);
  });

  it('an encrypted key or garbage is left to ssh2 (which says why)', () => {
    expect(preparedKey(utils, keyFile('pass'))).toBeUndefined();
    expect(preparedKey(utils, Buffer.from('not a key'))).toBeUndefined();
  });

  it('auth methods: the key first, then the agent only when there is one (no `none` attempt)', () => {
    const k = preparedKey(utils, keyFile())!;
    expect(authMethods(k, 'root')).toEqual([{ type: 'publickey', username: 'root', key: k }]);
    expect(authMethods(k, 'root', '/run/agent.sock')).toEqual([
      { type: 'publickey', username: 'root', key: k },
      { type: 'agent', username: 'root', agent: '/run/agent.sock' },
    ]);
  });
});
