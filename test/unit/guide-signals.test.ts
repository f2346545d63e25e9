/** Ctrl-C while the guide reads (scan, preview): the work is aborted and the session ends as cancelled. */
import { describe, expect, it } from 'vitest';
import { terminalSignals } from '../../src/cli/guide.js';

describe('guide: Ctrl-C during read-only work', () => {
  it('aborts the work, rejects as a cancelled prompt, and removes its SIGINT handler', async () => {
    const before = process.listenerCount('SIGINT');
    let seen: AbortSignal | undefined;
    const p = terminalSignals.cancellable((signal) => {
      seen = signal;
      return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped late'))));
    });
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    // Deliver the "signal" to the guide's handler only, not to the test runner's own.
    const others = process.listeners('SIGINT').slice(0, before);
    for (const l of others) process.off('SIGINT', l);
    try {
      process.emit('SIGINT');
    } finally {
      for (const l of others) process.on('SIGINT', l);
    }
    await expect(p).rejects.toMatchObject({ name: 'ExitPromptError' });
    expect(seen!.aborted).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('passes results and errors through when no Ctrl-C comes', async () => {
    const before = process.listenerCount('SIGINT');
    await expect(terminalSignals.cancellable(async () => 42)).resolves.toBe(42);
    await expect(terminalSignals.cancellable(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await new Promise((r) => setImmediate(r));
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
