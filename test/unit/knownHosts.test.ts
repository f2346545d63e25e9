import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { KnownHosts } from '../../src/transport/knownHosts.js';

function keyBlob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}
const k1 = keyBlob('ssh-ed25519', 'one');
const k2 = keyBlob('ssh-ed25519', 'two');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function file(text: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-'));
  dirs.push(d);
  const f = path.join(d, 'known_hosts');
  fs.writeFileSync(f, text);
  return f;
}

function hashed(host: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(host).digest('base64')}`;
}

describe('known_hosts', () => {
  it('matches plain, comma-listed, [host]:port and hashed entries', () => {
    const kh = KnownHosts.load([
      file(`# comment\n10.0.0.1,node1 ssh-ed25519 ${k1.toString('base64')}\n[10.0.0.2]:2222 ssh-ed25519 ${k1.toString('base64')}\n${hashed('10.0.0.3')} ssh-ed25519 ${k1.toString('base64')}\n`),
    ]);
    expect(kh.check('10.0.0.1', 22, k1)).toBe('match');
    expect(kh.check('node1', 22, k1)).toBe('match');
    expect(kh.check('10.0.0.2', 2222, k1)).toBe('match');
    expect(kh.check('10.0.0.2', 22, k1)).toBe('unknown');
    expect(kh.check('10.0.0.3', 22, k1)).toBe('match');
    expect(kh.check('10.0.0.3', 22, k2)).toBe('mismatch');
  });

  it('a changed key is a mismatch, a revoked key is revoked, an unknown host is unknown', () => {
    const kh = KnownHosts.load([file(`h1 ssh-ed25519 ${k1.toString('base64')}\n@revoked * ssh-ed25519 ${k2.toString('base64')}\n`)]);
    expect(kh.check('h1', 22, k2)).toBe('revoked');
    expect(kh.check('h1', 22, keyBlob('ssh-ed25519', 'three'))).toBe('mismatch');
    expect(kh.check('other', 22, k1)).toBe('unknown');
  });

  it('wildcards and negation', () => {
    const kh = KnownHosts.load([file(`*.lab,!bad.lab ssh-ed25519 ${k1.toString('base64')}\n`)]);
    expect(kh.check('a.lab', 22, k1)).toBe('match');
    expect(kh.check('bad.lab', 22, k1)).toBe('unknown');
  });

  it('add() records an unknown host so the next check matches', () => {
    const f = file('');
    const kh = KnownHosts.load([f]);
    kh.add('10.9.9.9', 22, k1);
    expect(KnownHosts.load([f]).check('10.9.9.9', 22, k1)).toBe('match');
    expect(fs.readFileSync(f, 'utf8')).toBe(`10.9.9.9 ssh-ed25519 ${k1.toString('base64')}\n`);
  });
});
