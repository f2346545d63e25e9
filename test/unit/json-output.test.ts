/**
 * Every --json that needs no SSH host prints one JSON document on stdout, whichever level the
 * option is written at (commander gives `fixes show x --json` to the parent when both define it).
 * The commands that contact hosts: test/integration/jsonOutput.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CommandTable } from '../../src/cli/program.js';

const COMMANDS: CommandTable = {
  runs: async () => (await import('../../src/cli/runs.js')).registerRuns,
  catalog: async () => (await import('../../src/cli/catalog.js')).registerCatalog,
  schedule: async () => (await import('../../src/cli/schedule.js')).registerSchedule,
};
const journal = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-18-json-'));
afterAll(() => fs.rmSync(journal, { recursive: true, force: true }));

async function run(args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  const argv = process.argv;
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.argv = ['node', 'crane-fix', ...args];
  (process.stdout as any).write = (s: string | Uint8Array) => ((out += String(s)), true);
  const log = console.log;
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  try {
    if (stdin !== undefined) {
      const f = path.join(journal, 'in.log');
      fs.writeFileSync(f, stdin);
      process.argv.push('--log', f);
    }
    const code = await main(COMMANDS);
    return { code, out };
  } finally {
    process.argv = argv;
    (process.stdout as any).write = write;
    console.log = log;
  }
}

describe('--json prints JSON on stdout', () => {
  it.each([
    [['fixes', '--json']],
    [['fixes', 'show', 'xfs-ftype', '--json']],
    [['fixes', '--json', 'show', 'xfs-ftype']],
    [['fixes', 'show', 'xfs-ftype', '--json', '--lang', 'zh']],
    [['runs', '--json', '--journal-dir', journal]],
    [['runs', '--journal-dir', journal, '--json']],
    [['schedule', 'validate', 'test/fixtures/schedules/valid.yaml', '--json']],
    [['schedule', 'list', 'test/fixtures/schedules/valid.yaml', '--json', '--from', '2026-01-01T00:00:00Z']],
    [['schedule', 'history', '--journal-dir', journal, '--json']],
  ])('%j', async (args) => {
    const r = await run(args);
    expect(r.code, r.out).toBe(0);
    expect(() => JSON.parse(r.out), r.out.slice(0, 200)).not.toThrow();
  });

  it('fixes show --json is the entry, not its human text', async () => {
    const r = await run(['fixes', 'show', 'xfs-ftype', '--json']);
    expect(JSON.parse(r.out).id).toBe('xfs-ftype');
  });

  it('diagnose --json', async () => {
    const r = await run(['diagnose', '--json'], 'plugin/forward: no nameservers found\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).matches[0].entryId).toBe('resolv-conf-nameserver');
  });
});
