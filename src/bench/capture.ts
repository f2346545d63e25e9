/**
 * For the breakdown of a missed apply target (issue 21): the session script crane-fix sends
 * every host in an untimed apply, captured by bench/diag/capture-scripts.mjs (a preload that
 * records each exec channel's input), so the floor's client can replay each host's own and
 * the run can tell the work crane-fix's scripts make the nodes do from crane-fix's own.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { craneArgs, type Ctx } from './contestants.js';
import { runTimed } from './measure.js';

export interface Captured {
  dir: string;
  /** The last step's success marker every host's replay must print (floor.js --expect). */
  expect: string;
  bytes: number;
}

export async function captureScripts(ctx: Ctx, dir: string): Promise<Captured> {
  const journal = await fs.mkdtemp(path.join(ctx.scratch, 'journal-'));
  const timed = await runTimed(
    process.execPath,
    ['--import', path.join(ctx.root, 'bench', 'diag', 'capture-scripts.mjs'), path.join(ctx.app, 'dist', 'cli', 'main.js'), ...craneArgs(ctx, 'apply', journal)],
    { timeoutMs: ctx.timeoutMs, scratch: ctx.scratch, cwd: ctx.root, env: { ...process.env, CAPTURE_DIR: dir } },
  );
  await fs.rm(journal, { recursive: true, force: true });
  if (timed.exitCode !== 0) throw new Error(`bench: the capture apply failed (exit ${timed.exitCode}): ${timed.stderr.trim().split('\n').slice(-5).join(' / ')}`);
  const files = await fs.readdir(dir);
  const wrong = files.filter((f) => !f.endsWith('-1.sh'));
  if (files.length !== ctx.nodes || wrong.length) throw new Error(`bench: expected one session script per host, got ${files.length} files (${wrong.slice(0, 3).join(', ')})`);
  const ends = new Set<string>();
  let bytes = 0;
  for (const f of files) {
    const text = await fs.readFile(path.join(dir, f), 'utf8');
    bytes += text.length;
    const last = [...text.matchAll(/@@CF step \d+ done/g)].pop()?.[0];
    ends.add(last ?? '(none)');
  }
  if (ends.size !== 1 || ends.has('(none)')) throw new Error(`bench: the hosts' captured scripts do not end alike: ${[...ends].join(', ')}`);
  return { dir, expect: `${[...ends][0]!.replace(/ done$/, '')} rc 0`, bytes };
}
