/**
 * A Connector hides how commands reach a host (SSH now; local or others later).
 * Results carry status flags even on success (execa style); failures to *reach* a host are
 * `TransportError`s with the SSH error level kept, so the engine can tell unreachable
 * (exit 4) from failed (exit 2).
 */
export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Signal that ended the remote command, if any. */
  signal?: string;
  timedOut: boolean;
  ok: boolean;
  durationMs: number;
}

export interface RunOptions {
  /** Sent on stdin; scripts and secrets travel here, never on the command line. */
  stdin?: string;
  timeoutMs?: number;
  /**
   * How stdout is decoded (stderr is always UTF-8). 'latin1' keeps one char per byte: the
   * engine's script protocol carries raw payloads framed by byte counts.
   */
  encoding?: 'utf8' | 'latin1';
}

/**
 * A command that keeps running while we read its output as it comes: the gather script
 * holds the host's lock this way for the whole run (its shell waits on stdin until `end`).
 */
export interface OpenSession {
  /**
   * Resolves with all stdout so far once it contains `marker` at or after offset `from`;
   * rejects if the command ends first or `timeoutMs` passes (then the command is killed).
   */
  waitFor(marker: string, timeoutMs?: number, from?: number): Promise<string>;
  /**
   * Write more input without closing it: a held `sh -s` runs it as the next part of its
   * script, so later steps reuse the session (and the lock its shell holds) instead of
   * opening a channel each.
   */
  send(data: string): void;
  /** Characters of stdout / stderr received so far (offsets for the next `waitFor`). */
  readonly stdoutLength: number;
  readonly stderrLength: number;
  stderrSince(offset: number): string;
  /** The command has not exited and was not killed. */
  readonly alive: boolean;
  /**
   * Close stdin and wait for the command to exit — bounded: after a while it is killed, and a
   * kill the host never confirms (a stopped node) is given up on (`timedOut` in the result).
   */
  end(): Promise<RunResult>;
}

export interface Connector {
  readonly name: string;
  run(command: string, opts?: RunOptions): Promise<RunResult>;
  /** Start a command, write `opts.stdin` without closing it, read output as it arrives. */
  open(command: string, opts?: RunOptions): Promise<OpenSession>;
  close(): Promise<void>;
  /** How many exec channels this connection opened (benchmarks and tests count them). */
  readonly sessionsOpened: number;
}

export type TransportLevel =
  | 'client-timeout'
  | 'client-socket'
  | 'client-authentication'
  | 'client-dns'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'protocol'
  | 'command-timeout'
  | 'channel';

export class TransportError extends Error {
  constructor(
    message: string,
    readonly level: TransportLevel,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
  /** The host could not be reached at all (as opposed to a command failing on it). */
  get unreachable(): boolean {
    return this.level !== 'command-timeout' && this.level !== 'channel';
  }
}
