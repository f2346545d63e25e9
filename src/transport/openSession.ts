/**
 * OpenSession over any duplex command stream (an ssh2 channel or a child process): collects
 * stdout, lets the caller wait for a marker, and ends by closing stdin.
 */
import type { OpenSession, RunResult } from './types.js';
import { TransportError } from './types.js';

export interface StreamLike {
  onStdout(cb: (d: Buffer) => void): void;
  onStderr(cb: (d: Buffer) => void): void;
  onExit(cb: (rc: number | undefined, signal?: string) => void): void;
  write(data: string): void;
  endInput(): void;
  kill(): void;
}

export function openSession(name: string, s: StreamLike, stdin: string, defaultTimeoutMs: number): OpenSession {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  let done: RunResult | undefined;
  const waiters = new Set<() => void>();
  const finished = new Promise<RunResult>((resolve) => {
    s.onExit((rc, signal) => {
      done = { rc: rc ?? 255, stdout, stderr, signal, timedOut: false, ok: rc === 0, durationMs: Date.now() - started };
      resolve(done);
      for (const w of waiters) w();
    });
  });
  s.onStdout((d) => {
    stdout += d.toString('utf8');
    for (const w of waiters) w();
  });
  s.onStderr((d) => (stderr += d.toString('utf8')));
  s.write(stdin);
  let killed = false;
  return {
    get stdoutLength() {
      return stdout.length;
    },
    get stderrLength() {
      return stderr.length;
    },
    stderrSince: (offset) => stderr.slice(offset),
    get alive() {
      return !done && !killed;
    },
    send(data) {
      if (done || killed) throw new TransportError(`command on ${name} has ended; cannot send the next step`, 'channel');
      s.write(data);
    },
    waitFor(marker, timeoutMs = defaultTimeoutMs, from = 0) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          if (stdout.indexOf(marker, from) >= 0) {
            cleanup();
            resolve(stdout);
          } else if (done) {
            cleanup();
            reject(Object.assign(new TransportError(`command on ${name} ended (rc ${done.rc}) before it was ready${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`, 'channel'), { result: done }));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          killed = true;
          s.kill();
          reject(new TransportError(`command on ${name} timed out after ${timeoutMs} ms`, 'command-timeout'));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async end() {
      if (!done) s.endInput();
      const t = setTimeout(() => s.kill(), 10_000);
      const r = await finished;
      clearTimeout(t);
      return r;
    },
  };
}
