import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/catalog/diagnose.js';
import { decodeLog, MAX_LOG_BYTES, readLogInput } from '../../src/catalog/logInput.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-18-input-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('diagnose input limits', () => {
  it('refuses binary input with the offset of its NUL byte', () => {
    expect(() => decodeLog(Buffer.from([0x41, 0x00, 0x42]))).toThrow(/--log: this is binary data \(a NUL byte at offset 1\)/);
  });

  it('replaces invalid UTF-8 and says so, still matching the ASCII error text', () => {
    const r = decodeLog(Buffer.concat([Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from('plugin/forward: no nameservers found')]));
    expect(r.warnings[0]).toMatch(/not valid UTF-8/);
    expect(diagnose(r.text).matches[0]!.entryId).toBe('resolv-conf-nameserver');
  });

  it('says an empty input is empty and finds nothing', () => {
    const r = decodeLog(Buffer.from('  \n\n'));
    expect(r.warnings).toEqual(['the input is empty']);
    expect(diagnose(r.text).matches).toEqual([]);
  });

  it('refuses a 50 MB file quickly without reading all of it', () => {
    const f = path.join(dir, 'big.log');
    fs.writeFileSync(f, Buffer.alloc(50 * 1024 * 1024, 'a\n'));
    const t = performance.now();
    expect(() => readLogInput(f)).toThrow(/more than 4 MB/);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(MAX_LOG_BYTES).toBe(4 * 1024 * 1024);
  });

  it('refuses more than 100,000 lines', () => {
    expect(() => decodeLog(Buffer.from('x\n'.repeat(100_001)))).toThrow(/more than 100000 lines/);
  });

  it('reads a normal file', () => {
    const f = path.join(dir, 'ok.log');
    fs.writeFileSync(f, 'plugin/forward: no nameservers found\n');
    expect(readLogInput(f)).toEqual({ text: 'plugin/forward: no nameservers found\n', warnings: [] });
  });
});
