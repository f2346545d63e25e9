/**
 * OpenSession over any duplex command stream (an ssh2 channel or a child process): collects
 * stdout, lets the caller wait for a marker, and ends by closing stdin.
 */
import { StringDecoder } from 'node:string_decoder';
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

/** How long `end` waits for the command to exit on EOF before killing it (at most the command timeout). */
const END_WAIT_MS = 10_000;
/** After a kill: how long `end` waits for the command's exit before giving up on it. */
const KILL_WAIT_MS = 2_000;

/** In the error of a session whose command ended before the awaited marker (engine/startFailure.ts reads it). */
export const NOT_READY = 'before it was ready';

export function openSession(name: string, s: StreamLike, stdin: string, defaultTimeoutMs: number, encoding: 'utf8' | 'latin1' = 'utf8'): OpenSession {
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
  // UTF-8 chunk by chunk would tear a character split between two chunks; a decoder keeps
  // the partial bytes. latin1 maps each byte to one char, so nothing is ever torn.
  const decoder = encoding === 'utf8' ? new StringDecoder('utf8') : undefined;
  s.onStdout((d) => {
    stdout += decoder ? decoder.write(d) : d.toString('latin1');
    for (const w of waiters) w();
  });
  const errDecoder = new StringDecoder('utf8');
  s.onStderr((d) => (stderr += errDecoder.write(d)));
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
        // Called on every chunk: search only what arrived since the last miss (plus room for a
        // marker split across chunks), not all the output again — a fact blob of megabytes
        // comes in hundreds of chunks.
        let scanFrom = from;
        const check = () => {
          const found = stdout.indexOf(marker, scanFrom) >= 0;
          scanFrom = Math.max(from, stdout.length - marker.length + 1);
          if (found) {
            cleanup();
            resolve(stdout);
          } else if (done) {
            cleanup();
            reject(Object.assign(new TransportError(`command on ${name} ended (rc ${done.rc}) ${NOT_READY}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`, 'channel'), { result: done }));
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
      if (done) return done;
      s.endInput();
      // Bounded whatever the other side does: wait for the command to exit on EOF, then kill
      // it, then give up on a confirmation that a stopped host never sends.
      const waitMs = Math.min(END_WAIT_MS, defaultTimeoutMs);
      const kill = setTimeout(() => s.kill(), waitMs);
      let giveUp: NodeJS.Timeout | undefined;
      const abandoned = new Promise<RunResult>((resolve) => {
        giveUp = setTimeout(
          () => resolve({ rc: 255, stdout, stderr, timedOut: true, ok: false, durationMs: Date.now() - started }),
          waitMs + KILL_WAIT_MS,
        );
      });
      try {
        return await Promise.race([finished, abandoned]);
      } finally {
        clearTimeout(kill);
        clearTimeout(giveUp);
      }
    },
  };
}
