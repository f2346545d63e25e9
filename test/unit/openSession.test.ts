import { describe, expect, it } from 'vitest';
import { openSession, type StreamLike } from '../../src/transport/openSession.js';

/** A command stream that exits only when told to (or never: a stopped host). */
function fakeStream(opts: { exitOnEof?: boolean; exitOnKill?: boolean }) {
  let exit: ((rc: number | undefined, signal?: string) => void) | undefined;
  const calls: string[] = [];
  const s: StreamLike = {
    onStdout: () => {},
    onStderr: () => {},
    onExit: (cb) => (exit = cb),
    write: () => {},
    endInput: () => {
      calls.push('eof');
      if (opts.exitOnEof) setTimeout(() => exit?.(0), 5);
    },
    kill: () => {
      calls.push('kill');
      if (opts.exitOnKill) setTimeout(() => exit?.(undefined, 'KILL'), 5);
    },
  };
  return { s, calls };
}

describe('openSession.end (issue 8, finding 5)', () => {
  it('a command that exits on EOF: its result, no kill', async () => {
    const { s, calls } = fakeStream({ exitOnEof: true });
    const r = await openSession('h', s, '', 1_000).end();
    expect(r).toMatchObject({ rc: 0, ok: true, timedOut: false });
    expect(calls).toEqual(['eof']);
  });

  it('a command that ignores EOF is killed after at most the command timeout', async () => {
    const { s, calls } = fakeStream({ exitOnKill: true });
    const t = Date.now();
    const r = await openSession('h', s, '', 100).end();
    expect(Date.now() - t).toBeLessThan(1_000);
    expect(r).toMatchObject({ rc: 255, signal: 'KILL', ok: false });
    expect(calls).toEqual(['eof', 'kill']);
  });

  it('a host that never confirms the kill (stopped): end gives up, bounded', async () => {
    const { s, calls } = fakeStream({});
    const t = Date.now();
    const r = await openSession('h', s, '', 100).end();
    expect(Date.now() - t).toBeLessThan(3_000);
    expect(r).toMatchObject({ rc: 255, ok: false, timedOut: true });
    expect(calls).toEqual(['eof', 'kill']);
  });
});
