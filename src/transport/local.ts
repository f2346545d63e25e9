/**
 * Local connector: runs commands on this machine with /bin/sh. Used for controller-side
 * tasks (e.g. `kubectl rollout restart`) and to test remote scripts without SSH.
 */
import { spawn } from 'node:child_process';
import type { Connector, OpenSession, RunOptions, RunResult } from './types.js';
import { openSession } from './openSession.js';
import { TransportError } from './types.js';

export class LocalConnector implements Connector {
  sessionsOpened = 0;
  constructor(readonly name = 'localhost') {}

  run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    this.sessionsOpened++;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => reject(new TransportError(e.message, 'channel', { cause: e })));
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        const result: RunResult = {
          rc: code ?? 124,
          stdout: Buffer.concat(out).toString(opts.encoding ?? 'utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          signal: signal ?? undefined,
          timedOut,
          ok: code === 0 && !timedOut,
          durationMs: Date.now() - started,
        };
        if (timedOut) reject(Object.assign(new TransportError(`command timed out after ${opts.timeoutMs} ms`, 'command-timeout'), { result }));
        else resolve(result);
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async open(command: string, opts: RunOptions = {}): Promise<OpenSession> {
    this.sessionsOpened++;
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    return openSession(
      this.name,
      {
        onStdout: (cb) => child.stdout.on('data', cb),
        onStderr: (cb) => child.stderr.on('data', cb),
        onExit: (cb) => child.on('close', (code, signal) => cb(code ?? undefined, signal ?? undefined)),
        write: (d) => child.stdin.write(d),
        endInput: () => child.stdin.end(),
        kill: () => child.kill('SIGKILL'),
      },
      opts.stdin ?? '',
      opts.timeoutMs ?? 120_000,
      opts.encoding,
    );
  }

  async close(): Promise<void> {}
}
