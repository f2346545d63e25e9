/**
 * The benchmark's floor (issue 7): the least any SSH tool can do — connect to every node of a
 * lab in parallel with plain ssh2 (host keys checked against the lab's known_hosts, as
 * crane-fix does), run one command on each, disconnect. Run as its own process, exactly like
 * the crane-fix CLI is, so wall time, CPU and RSS compare like for like.
 *
 *   node dist/bench/floor.js <lab-dir>     -> prints {"ok":N,"failed":[...]} on stdout
 *
 * `--sessions N`: N commands in turn over the one connection (the floor of an N-round-trip design).
 * `--forks F` (first): at most F hosts at once, as crane-fix's and Ansible's `--forks` (default:
 * all). At 1,000 nodes on 2 cores, 1,000 handshakes at once all progress together and all pass
 * ssh2's 30 s ready timeout before any finishes; a bounded window finishes them in turn.
 *
 * Diagnostics (not part of the floor): `--script <file>...` runs each file in turn, on stdin
 * of `sh -s`, one session each over the same connection, instead of `uname -n` — e.g. the
 * remote scripts crane-fix sends, to tell their cost on the nodes from crane-fix's own.
 * `--script-dir <dir>`: each host runs its own scripts, `<dir>/<ip>-1.sh`, `-2.sh` … (as
 * bench/diag/capture-scripts.mjs writes them). `--expect <text>` before either: a host whose
 * last script did not print <text> counts as failed (a replay that stopped early, e.g. on a
 * guard, would otherwise look cheap).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'ssh2';

interface LabJson {
  privateKey: string;
  knownHosts: string;
  nodes: { name: string; ip: string }[];
}

function knownKeys(file: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [host, , b64] = line.trim().split(/\s+/);
    if (host && b64) out.set(host, Buffer.from(b64, 'base64'));
  }
  return out;
}

function exec(c: Client, command: string, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, stream) => {
      if (err) {
        reject(err);
        return;
      }
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString()));
      stream.stderr.resume();
      stream.on('close', () => resolve(out.trim()));
      if (stdin !== undefined) stream.end(stdin);
    });
  });
}

/** The same handshake window as crane-fix's (src/transport/ssh.ts), so the floor stays a floor at 1,000 nodes. */
const HANDSHAKE_WINDOW = 64;
let inHandshake = 0;
const handshakeWaiters: (() => void)[] = [];
async function handshakeSlot(): Promise<() => void> {
  if (inHandshake >= HANDSHAKE_WINDOW) await new Promise<void>((r) => handshakeWaiters.push(r));
  else inHandshake++;
  let given = false;
  return () => {
    if (given) return;
    given = true;
    const next = handshakeWaiters.shift();
    if (next) next();
    else inHandshake--;
  };
}

async function one(ip: string, privateKey: Buffer, known: Buffer | undefined, scripts: string[], sessions: number): Promise<string> {
  const done = await handshakeSlot();
  return new Promise<string>((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => {
      done();
      void (async () => {
        let out = '';
        if (!scripts.length) for (let i = 0; i < sessions; i++) out = await exec(c, 'uname -n');
        for (const s of scripts) out = await exec(c, 'sh -s', s);
        return out;
      })().then(
        (out) => {
          c.end();
          resolve(out);
        },
        (err: unknown) => {
          c.end();
          reject(err as Error);
        },
      );
    });
    // 'on', not 'once': ssh2 may emit a second error (e.g. "Connection lost before handshake"
    // after a timeout), and an unheard one would crash the whole floor.
    c.on('error', (err) => {
      done();
      reject(err);
    });
    c.connect({
      host: ip,
      port: 22,
      username: 'root',
      privateKey,
      readyTimeout: 30_000,
      hostVerifier: (presented: Buffer) => known !== undefined && presented.equals(known),
    });
  });
}

async function main(): Promise<void> {
  const [dir, ...all] = process.argv.slice(2);
  const forksAt = all[0] === '--forks' ? Number(all[1]) : Infinity;
  if (!(forksAt === Infinity || (Number.isInteger(forksAt) && forksAt >= 1))) throw new Error('--forks expects a whole number ≥ 1');
  const args = all[0] === '--forks' ? all.slice(2) : all;
  if (!dir) throw new Error('usage: floor.js <lab-dir> [--sessions N | [--expect <text>] (--script <file>... | --script-dir <dir>)]');
  const expect = args[0] === '--expect' ? args[1] : undefined;
  const rest = expect !== undefined ? args.slice(2) : args;
  if (expect !== undefined && rest[0] !== '--script' && rest[0] !== '--script-dir') throw new Error('--expect goes with --script or --script-dir');
  const shared = rest[0] === '--script' ? rest.slice(1).map((f) => readFileSync(f, 'utf8')) : [];
  const scriptDir = rest[0] === '--script-dir' ? rest[1] : undefined;
  // Each host's own scripts (`<ip>-<k>.sh`, in k order), all read before the first connection:
  // no file I/O inside the timed part.
  const perHost = new Map<string, [number, string][]>();
  if (scriptDir !== undefined) {
    for (const f of readdirSync(scriptDir)) {
      const m = /^(.+)-(\d+)\.sh$/.exec(f);
      if (!m) continue;
      const mine = perHost.get(m[1]!) ?? [];
      mine.push([Number(m[2]), readFileSync(path.join(scriptDir, f), 'utf8')]);
      perHost.set(m[1]!, mine);
    }
    for (const mine of perHost.values()) mine.sort((x, y) => x[0] - y[0]);
  }
  const scriptsOf = (ip: string): string[] => {
    if (scriptDir === undefined) return shared;
    const mine = perHost.get(ip);
    if (!mine) throw new Error(`no ${ip}-<k>.sh in ${scriptDir}`);
    return mine.map(([, text]) => text);
  };
  const sessions = rest[0] === '--sessions' ? Number(rest[1]) : 1;
  if (!Number.isInteger(sessions) || sessions < 1) throw new Error('--sessions expects a whole number ≥ 1');
  const lab = JSON.parse(readFileSync(path.join(dir, 'lab.json'), 'utf8')) as LabJson;
  const known = knownKeys(lab.knownHosts);
  const privateKey = readFileSync(lab.privateKey);
  const results: PromiseSettledResult<string>[] = new Array(lab.nodes.length);
  let next = 0;
  const worker = async () => {
    while (next < lab.nodes.length) {
      const i = next++;
      const n = lab.nodes[i]!;
      try {
        const out = await one(n.ip, privateKey, known.get(n.ip), scriptsOf(n.ip), sessions);
        if (expect !== undefined && !out.includes(expect)) throw new Error(`did not print ${JSON.stringify(expect)}; its output ended: ${JSON.stringify(out.slice(-200))}`);
        results[i] = { status: 'fulfilled', value: out };
      } catch (err) {
        results[i] = { status: 'rejected', reason: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(forksAt, lab.nodes.length) }, worker));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${lab.nodes[i]!.name}: ${(r.reason as Error).message}`] : []));
  process.stdout.write(JSON.stringify({ ok: results.length - failed.length, failed }) + '\n');
  process.exitCode = failed.length ? 2 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`floor: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
