/**
 * `npm run diagnose:bench`: times diagnose on a 10,000-line journal paste (kubelet lines with a few
 * real symptoms mixed in), and the input checks on a 50 MB paste and on binary input. A benchmark,
 * not a test: it records what this machine did in bench/results/diagnose-<date>.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagnose } from '../catalog/diagnose.js';
import { decodeLog, readLogInput } from '../catalog/logInput.js';

function time(fn: () => unknown, runs = 5): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    try {
      fn();
    } catch {
      /* the input checks are expected to throw */
    }
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const noise = [
  'Dec 21 13:01:03 node-1 kubelet[3521]: I1221 13:01:03.731043    3521 kubelet_node_status.go:73] "Successfully registered node" node="node-1"',
  'Dec 21 13:01:03 node-1 kubelet[3521]: E1221 13:01:03.393471    3521 cri_stats_provider.go:455] "Failed to get the info of the filesystem with mountpoint" err="unable to find data in memory cache" mountpoint="/var/lib/docker"',
  'Dec 21 13:01:04 node-1 kubelet[3521]: W1221 13:01:04.150199    3521 logging.go:55] [core] grpc: addrConn.createTransport failed to connect to {Addr: "/var/lib/kubelet/plugins_registry/x.sock"}',
  'Dec 21 13:01:05 node-1 kubelet[3521]: {"log":"I1221 13:01:05.000000 1 server.go:1191] \\"Started kubelet\\"\\n","stream":"stderr"}',
];
const symptom = 'Dec 24 11:13:31 node-1 kubelet[3680]: E1224 11:13:31.677889    3680 dns.go:135] Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.0.0.1 10.0.0.2 10.0.0.3';
const paste = Array.from({ length: 10_000 }, (_, i) => (i % 1000 === 999 ? symptom : noise[i % noise.length])).join('\n');
const t10k = time(() => diagnose(paste));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crane-fix-18-bench-'));
const big = path.join(dir, 'big.log');
fs.writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, noise[0] + '\n'));
const t50 = time(() => readLogInput(big));
const tbin = time(() => decodeLog(Buffer.alloc(1024 * 1024, 0)));
fs.rmSync(dir, { recursive: true, force: true });
const date = new Date().toISOString().slice(0, 10);
const md = [
  `# diagnose benchmark ${date}`,
  '',
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; median of 5 runs.`,
  '',
  '| input | time |',
  '| --- | --- |',
  `| 10,000-line journal paste (diagnose) | ${t10k.toFixed(0)} ms |`,
  `| 50 MB file (refused after 4 MB) | ${t50.toFixed(0)} ms |`,
  `| 1 MB binary (refused at the first NUL) | ${tbin.toFixed(1)} ms |`,
  '',
].join('\n');
console.log(md);
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', `diagnose-${date}.md`), md);
