/**
 * SSH connector on ssh2: one connection per host for the whole run, reused by every task.
 *
 * - Host keys are always verified (ssh2 accepts any key unless `hostVerifier` is set):
 *   unknown -> refused unless acceptNew, changed -> always refused.
 * - Never more exec channels at once than `maxChannels` (sshd's MaxSessions is 10).
 * - Scripts and secrets go on stdin, never in the command line (the remote process list).
 * - ProxyJump: the bastion connection's forwardOut stream becomes the target's socket.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Client, ConnectConfig } from 'ssh2';
import { createRequire } from 'node:module';
import type { ConnectionSpec } from '../inventory/types.js';
import { KnownHosts, fingerprint, keyTypeOf, type HostKeyVerdict } from './knownHosts.js';
import { TransportError, type Connector, type OpenSession, type RunOptions, type RunResult, type TransportLevel } from './types.js';
import { openSession } from './openSession.js';
import { authMethods, preparedKey } from './clientKey.js';

export interface SshOptions {
  knownHosts: KnownHosts;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  maxChannels?: number;
}

const DEFAULT_CONNECT_TIMEOUT = 10_000;
const DEFAULT_COMMAND_TIMEOUT = 120_000;
/** After asking a timed-out command's channel to close: how long to wait for the server to confirm. */
const CLOSE_GRACE_MS = 1_500;

/** Counting semaphore: bounds concurrent exec channels on one connection. */
class Slots {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  give(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * SSH handshakes in flight at once, across every host of the run (issue 21). With --forks
 * 1,000 on a 2-core lab all 1,000 handshakes started together, progressed together (the
 * nodes' sshds share the client's cores) and every one passed its connect timeout before
 * any finished: 1,000 hosts unreachable. A window lets them finish in turn; the connect
 * timeout counts from a handshake's own start. 64 still keeps a 100 ms-RTT fleet at
 * hundreds of handshakes a second.
 */
export const MAX_CONCURRENT_HANDSHAKES = 64;
const handshakes = new Slots(MAX_CONCURRENT_HANDSHAKES);

function levelOf(err: unknown): TransportLevel {
  const e = err as { level?: string; code?: string };
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'client-dns';
  if (e.level === 'client-timeout') return 'client-timeout';
  if (e.level === 'client-authentication') return 'client-authentication';
  if (e.level === 'protocol' || e.level === 'handshake') return 'protocol';
  return 'client-socket';
}

function readKey(file: string): Buffer {
  const p = file.startsWith('~/') ? os.homedir() + file.slice(1) : file;
  try {
    return fs.readFileSync(p);
  } catch (err) {
    throw new TransportError(`cannot read private key ${p}: ${(err as Error).message}`, 'client-authentication', {
      cause: err,
    });
  }
}

/**
 * ssh2, loaded at the first connection rather than imported: commands that connect to nothing
 * (--version, --syntax-check, diagnose, fixes) do not pay for its 22 files and its native crypto
 * binding, and the bundle keeps it in node_modules, where that binding is found relative to it.
 */
let ssh2: typeof import('ssh2') | undefined;
function loadSsh2(): typeof import('ssh2') {
  return (ssh2 ??= createRequire(import.meta.url)('ssh2') as typeof import('ssh2'));
}

function openClient(
  spec: ConnectionSpec,
  opts: SshOptions,
  sock?: NodeJS.ReadableStream,
): Promise<{ client: Client; verdict: HostKeyVerdict }> {
  return new Promise((resolve, reject) => {
    const client = new (loadSsh2().Client)();
    let verdict: HostKeyVerdict = 'unknown';
    let presented: Buffer | undefined;
    const cfg: ConnectConfig = {
      host: spec.host,
      port: spec.port,
      username: spec.user,
      readyTimeout: spec.connectTimeoutMs ?? opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presented = key;
        verdict = opts.knownHosts.check(spec.host, spec.port, key);
        if (verdict === 'match') return true;
        if (verdict === 'unknown' && opts.acceptNewHostKeys) {
          opts.knownHosts.add(spec.host, spec.port, key);
          verdict = 'match';
          return true;
        }
        return false;
      },
    };
    if (sock) cfg.sock = sock as ConnectConfig['sock'];
    let keyBytes = spec.privateKeyPath ? readKey(spec.privateKeyPath) : undefined;
    if (process.env.SSH_AUTH_SOCK) cfg.agent = process.env.SSH_AUTH_SOCK;
    if (!keyBytes && !cfg.agent) {
      for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
        const p = `${os.homedir()}/.ssh/${name}`;
        if (fs.existsSync(p)) {
          keyBytes = fs.readFileSync(p);
          break;
        }
      }
    }
    if (keyBytes) {
      // Parsed once per run, not per connection (clientKey.ts); as bytes, ssh2 reports why not.
      const key = preparedKey(loadSsh2().utils, keyBytes);
      if (key) cfg.authHandler = authMethods(key, spec.user, typeof cfg.agent === 'string' ? cfg.agent : undefined);
      else cfg.privateKey = keyBytes;
    }
    const fail = (err: unknown) => {
      client.removeAllListeners('ready');
      client.end();
      if (presented && verdict !== 'match') {
        const fp = `${keyTypeOf(presented)} ${fingerprint(presented)}`;
        const files = opts.knownHosts.files.join(', ');
        if (verdict === 'mismatch' || verdict === 'revoked') {
          reject(
            new TransportError(
              `host key for ${spec.host}:${spec.port} has CHANGED (${fp}, ${verdict}) — possible man-in-the-middle; refusing to connect. If the change is expected, remove the old key from ${files}.`,
              'host-key-changed',
              { cause: err },
            ),
          );
          return;
        }
        reject(
          new TransportError(
            `host key for ${spec.host}:${spec.port} is unknown (${fp}); not in ${files}. Add it (ssh-keyscan) or pass --accept-new-host-keys.`,
            'host-key-unknown',
            { cause: err },
          ),
        );
        return;
      }
      const msg = (err as Error).message ?? String(err);
      reject(new TransportError(`cannot connect to ${spec.user}@${spec.host}:${spec.port}: ${msg}`, levelOf(err), { cause: err }));
    };
    // A server that closes the connection before the handshake completes (sshd killed right
    // after accepting) makes ssh2 emit `close` without `error`, and its ready timer is gone
    // with the socket: without this the connect promise never settled (issue 8 soak, kill-sshd).
    const closedEarly = () => fail(new Error('the connection was closed before the SSH handshake completed'));
    client.once('close', closedEarly);
    client.once('ready', () => {
      client.removeListener('error', fail);
      client.removeListener('close', closedEarly);
      // Later socket errors surface through the exec calls that are running.
      client.on('error', () => {});
      resolve({ client, verdict });
    });
    // `on`, not `once`: after a handshake timeout ssh2 can emit a second error ("Connection
    // lost before handshake"); with no listener left it would crash the process (issue 8 soak).
    client.on('error', fail);
    try {
      client.connect(cfg);
    } catch (err) {
      fail(err);
    }
  });
}

export class SshConnector implements Connector {
  sessionsOpened = 0;
  private closed = false;
  private constructor(
    readonly name: string,
    private client: Client,
    private jump: SshConnector | undefined,
    private slots: Slots,
    private commandTimeoutMs: number,
  ) {
    client.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(spec: ConnectionSpec, opts: SshOptions): Promise<SshConnector> {
    let jump: SshConnector | undefined;
    let sock: NodeJS.ReadableStream | undefined;
    if (spec.proxyJump) {
      jump = await SshConnector.connect(spec.proxyJump, opts);
      sock = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        jump!.client.forwardOut('127.0.0.1', 0, spec.host, spec.port, (err, stream) => {
          if (err) reject(new TransportError(`ProxyJump ${spec.proxyJump!.host} could not reach ${spec.host}:${spec.port}: ${err.message}`, 'client-socket', { cause: err }));
          else resolve(stream);
        });
      });
    }
    try {
      await handshakes.take();
      const { client } = await openClient(spec, opts, sock).finally(() => handshakes.give());
      return new SshConnector(spec.name, client, jump, new Slots(opts.maxChannels ?? 8), opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT);
    } catch (err) {
      await jump?.close();
      throw err;
    }
  }

  async run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    if (this.closed) throw new TransportError(`connection to ${this.name} is closed`, 'client-socket');
    await this.slots.take();
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    try {
      // The timeout covers opening the channel too: a stopped server never confirms it.
      const ch = await this.openChannel(command, timeoutMs);
      this.sessionsOpened++;
      return await new Promise<RunResult>((resolve, reject) => {
        let settled = false;
        const settle = (f: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          clearTimeout(grace);
          f();
        };
        let grace: NodeJS.Timeout | undefined;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let rc: number | undefined;
        let signal: string | undefined;
        let timedOut = false;
        const result = (): RunResult => ({
          rc: rc ?? (timedOut ? 124 : 255),
          stdout: Buffer.concat(out).toString(opts.encoding ?? 'utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
          signal,
          timedOut,
          ok: rc === 0 && !timedOut,
          durationMs: Date.now() - started,
        });
        const timedOutError = (extra = '') =>
          Object.assign(new TransportError(`command on ${this.name} timed out after ${timeoutMs} ms${extra}`, 'command-timeout'), { result: result() });
        const timer = setTimeout(() => {
          timedOut = true;
          // Ask the remote side to stop, then drop the channel.
          try {
            ch.signal('KILL');
          } catch {
            /* not supported by every sshd */
          }
          ch.close();
          // A live server confirms the close at once (so nothing of the command runs on while
          // we go on, e.g. to restore); a stopped one never does — don't wait for it.
          grace = setTimeout(
            () => settle(() => reject(timedOutError(`; the host did not answer the request to stop it within ${CLOSE_GRACE_MS} ms`))),
            CLOSE_GRACE_MS,
          );
        }, Math.max(0, timeoutMs - (Date.now() - started)));
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errOut.push(d));
        ch.on('exit', (code: number | null, sig?: string) => {
          if (code !== null && code !== undefined) rc = code;
          if (sig) signal = sig;
        });
        ch.on('close', () => {
          settle(() => {
            if (timedOut) {
              reject(timedOutError());
            } else if (rc === undefined && !signal && this.closed) {
              reject(new TransportError(`connection to ${this.name} was lost while a command ran`, 'client-socket'));
            } else {
              resolve(result());
            }
          });
        });
        ch.end(opts.stdin ?? '');
      });
    } finally {
      this.slots.give();
    }
  }

  /**
   * An exec channel, confirmed by the server within `timeoutMs` — or the connection is
   * dropped (`unanswered`). A channel confirmed after we gave up on it is closed at once.
   */
  private openChannel(command: string, timeoutMs: number): Promise<import('ssh2').ClientChannel> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(this.unanswered(timeoutMs));
      }, timeoutMs);
      try {
        this.client.exec(command, (err, ch) => {
          if (settled) {
            if (!err) ch.close();
            return;
          }
          settled = true;
          clearTimeout(timer);
          if (err) reject(new TransportError(`cannot open a session on ${this.name}: ${err.message}`, this.closed ? 'client-socket' : 'channel', { cause: err }));
          else resolve(ch);
        });
      } catch (err) {
        // ssh2 throws when the socket is already gone.
        settled = true;
        clearTimeout(timer);
        reject(new TransportError(`cannot open a session on ${this.name}: ${(err as Error).message}`, 'client-socket', { cause: err }));
      }
    });
  }

  /**
   * The server did not even confirm a new session within a command timeout: it is stopped or
   * cut off. Drop the connection (a stopped server would otherwise hold us until the SSH
   * keepalive gives up, 15-20 s), which also ends every other channel on it at once.
   */
  private unanswered(timeoutMs: number): TransportError {
    this.closed = true;
    this.client.destroy();
    return new TransportError(`${this.name} did not answer for ${timeoutMs} ms (a new session was not confirmed); connection dropped`, 'client-timeout');
  }

  async open(command: string, opts: RunOptions = {}): Promise<OpenSession> {
    if (this.closed) throw new TransportError(`connection to ${this.name} is closed`, 'client-socket');
    await this.slots.take();
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    let stream: import('ssh2').ClientChannel;
    try {
      stream = await this.openChannel(command, timeoutMs);
    } catch (err) {
      this.slots.give();
      throw err;
    }
    this.sessionsOpened++;
    let rc: number | undefined;
    let sig: string | undefined;
    stream.on('exit', (code: number | null, s?: string) => {
      if (code !== null && code !== undefined) rc = code;
      if (s) sig = s;
    });
    // Ends once: when the channel closes, or when a kill is not confirmed in time (a stopped
    // server never confirms it).
    let ended = false;
    const exitCbs: ((rc: number | undefined, signal?: string) => void)[] = [];
    const finish = () => {
      if (ended) return;
      ended = true;
      this.slots.give();
      for (const cb of exitCbs) cb(rc, sig);
    };
    stream.once('close', finish);
    // A connection that drops (sshd killed, network gone) ends the session too: waiting for a
    // channel `close` that never comes left a held gather waiting out its whole lock timeout
    // (issue 8 soak, kill-sshd).
    const onClientClose = () => finish();
    this.client.once('close', onClientClose);
    stream.once('close', () => this.client.removeListener('close', onClientClose));
    if (this.closed) finish();
    return openSession(
      this.name,
      {
        onStdout: (cb) => stream.on('data', cb),
        onStderr: (cb) => stream.stderr.on('data', cb),
        onExit: (cb) => exitCbs.push(cb),
        write: (d) => stream.write(d),
        endInput: () => stream.end(),
        kill: () => {
          stream.close();
          setTimeout(finish, CLOSE_GRACE_MS).unref();
        },
      },
      opts.stdin ?? '',
      timeoutMs,
      opts.encoding,
    );
  }

  async close(): Promise<void> {
    if (!this.closed) {
      await new Promise<void>((resolve) => {
        this.client.once('close', () => resolve());
        this.client.end();
        setTimeout(resolve, 1_000).unref();
      });
    }
    await this.jump?.close();
  }
}
