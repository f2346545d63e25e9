import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Journal, readRun, listRuns, snapshotsByHost, newRunId } from '../../src/journal/journal.js';
import { redact, secretValues } from '../../src/engine/secrets.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
const mk = () => {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'j-'));
  roots.push(r);
  return r;
};
const meta = (runId: string, startedAt = new Date().toISOString()) => ({ runId, mode: 'apply' as const, startedAt, argv: [], playbooks: [], hosts: {} });

describe('journal', () => {
  it('creates the run dir 0700 and files 0600', () => {
    const root = mk();
    const j = Journal.create(root, meta('r1'));
    j.append({ type: 'snapshot', host: 'h', snap: { path: '/etc/x', existed: true, contentB64: 'c2VjcmV0' } });
    j.close();
    expect(fs.statSync(path.join(root, 'r1')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(root, 'r1', 'events.jsonl')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(root, 'r1', 'run.json')).mode & 0o777).toBe(0o600);
  });

  it('durable(): 50 hosts at once all resolve (group commit), each after its own append, and nothing is lost', async () => {
    const root = mk();
    const j = Journal.create(root, meta('r-gc'));
    const order: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 7));
        j.append({ type: 'applying', host: `h${i}`, segment: 0 });
        await j.durable();
        order.push(`h${i}`);
      }),
    );
    j.close();
    expect(order.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `h${i}`).sort());
    const lines = fs.readFileSync(path.join(root, 'r-gc', 'events.jsonl'), 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('"applying"'))).toHaveLength(50);
  });

  it('tolerates a torn last line but not corruption in the middle', () => {
    const root = mk();
    const j = Journal.create(root, meta('r2'));
    j.append({ type: 'snapshot', host: 'h', snap: { path: '/a', existed: false } });
    j.append({ type: 'snapshot', host: 'h', snap: { path: '/a', existed: true } }); // second snapshot of /a is ignored
    j.close();
    fs.appendFileSync(path.join(root, 'r2', 'events.jsonl'), '{"at":"2026-01-01","ev":{"type":"snap');
    const run = readRun(root, 'r2');
    expect(run.events).toHaveLength(2);
    expect(snapshotsByHost(run).get('h')).toEqual([{ path: '/a', existed: false }]);
    const lines = fs.readFileSync(path.join(root, 'r2', 'events.jsonl'), 'utf8').split('\n');
    fs.writeFileSync(path.join(root, 'r2', 'events.jsonl'), ['garbage', ...lines].join('\n'));
    expect(() => readRun(root, 'r2')).toThrow(/corrupt journal line/);
  });

  it('rejects run ids that could escape the journal dir', () => {
    expect(() => readRun('/tmp', '../etc')).toThrow(/not a run id/);
  });

  it('lists runs and makes sortable unique ids', () => {
    const root = mk();
    const a = newRunId(new Date('2026-01-01T00:00:00Z'));
    const b = newRunId(new Date('2026-01-02T00:00:00Z'));
    expect(a < b).toBe(true);
    Journal.create(root, meta(b, '2026-01-02T00:00:00.000Z')).close();
    Journal.create(root, meta(a, '2026-01-01T00:00:00.000Z')).close();
    expect(listRuns(root).map((r) => r.meta.runId)).toEqual([a, b]);
  });
});

describe('secrets', () => {
  it('collects secret-named vars (not *_file paths) and masks them, also JSON-escaped', () => {
    const s = secretValues([{ ansible_become_password: 'hunter2!', db_token: 'tok"en', ansible_ssh_private_key_file: '/root/.ssh/id', nested: { api_key: 'k-123456' } }]);
    expect(s.sort()).toEqual(['hunter2!', 'k-123456', 'tok"en'].sort());
    expect(redact('pw=hunter2! t=tok"en', s)).toBe('pw=******** t=********');
    expect(redact(JSON.stringify({ v: 'tok"en' }), s)).toBe('{"v":"********"}');
    expect(redact('/root/.ssh/id', s)).toBe('/root/.ssh/id');
  });
});
