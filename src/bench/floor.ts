/**
 * The benchmark's floor (issue 7): the least any SSH tool can do — connect to every node of a
 * lab in parallel with plain ssh2 (host keys checked against the lab's known_hosts, as
 * crane-fix does), run one command on each, disconnect. Run as its own process, exactly like
 * the crane-fix CLI is, so wall time, CPU and RSS compare like for like.
 *
 *   node dist/bench/floor.js <lab-dir>     -> prints {"ok":N,"failed":[...]} on stdout
 *
 * `--sessions N`: N commands in turn over the one connection (the floor of an N-round-trip design).
 *
 * Diagnostics (not part of the floor): `--script <file>...` runs each file in turn, on stdin
 * of `sh -s`, one session each over the same connection, instead of `uname -n` — e.g. the
 * remote scripts crane-fix sends, to tell their cost on the nodes from crane-fix's own.
 */
import { readFileSync } from 'node:fs';
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

function one(ip: string, privateKey: Buffer, known: Buffer | undefined, scripts: string[], sessions: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => {
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
    c.once('error', reject);
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
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) throw new Error('usage: floor.js <lab-dir> [--sessions N | --script <file>...]');
  const scripts = rest[0] === '--script' ? rest.slice(1).map((f) => readFileSync(f, 'utf8')) : [];
  const sessions = rest[0] === '--sessions' ? Number(rest[1]) : 1;
  if (!Number.isInteger(sessions) || sessions < 1) throw new Error('--sessions expects a whole number ≥ 1');
  const lab = JSON.parse(readFileSync(path.join(dir, 'lab.json'), 'utf8')) as LabJson;
  const known = knownKeys(lab.knownHosts);
  const privateKey = readFileSync(lab.privateKey);
  const results = await Promise.allSettled(lab.nodes.map((n) => one(n.ip, privateKey, known.get(n.ip), scripts, sessions)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${lab.nodes[i]!.name}: ${(r.reason as Error).message}`] : []));
  process.stdout.write(JSON.stringify({ ok: results.length - failed.length, failed }) + '\n');
  process.exitCode = failed.length ? 2 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`floor: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
