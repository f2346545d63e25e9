/**
 * `npm run soak -- --runs 100 --seed S` (issue 8): the fault soak on its own lab (subnet 7,
 * /tmp/crane-fix-test-soak). Writes soak/results/<date>-seed<S>.md and .json; exits 1 when
 * any invariant was violated.
 *
 * Options:
 *   --runs N             faulted runs (default 100)
 *   --seed S             PRNG seed (default 1): fault kind, node, file and moment of every run
 *   --nodes N            lab size (default 6: node06's resolv.conf is a bind mount)
 *   --connect-timeout S  crane-fix --connect-timeout (default 3)
 *   --timeout S          crane-fix --timeout (default 5)
 *   --kinds a,b,…        cycle through these fault kinds instead of random ones
 *   --dir D --subnet N   lab directory and subnet
 *   --out DIR            results directory (default soak/results)
 *   --no-write           print only
 *
 * Always takes its lab down: on success, on error and on SIGINT/SIGTERM.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labDown, labUp, readLabState } from '../lab/lab.js';
import { FAULT_KINDS, type FaultKind } from './invariants.js';
import { markdown, summarise } from './report.js';
import { ROOT, Soak, currentChild, releaseFaults } from './soak.js';

interface Opts {
  runs: number;
  seed: number;
  nodes: number;
  connect: number;
  timeout: number;
  kinds?: FaultKind[];
  dir: string;
  subnet: number;
  out: string;
  write: boolean;
}

function parse(argv: string[]): Opts {
  const o: Opts = { runs: 100, seed: 1, nodes: 6, connect: 3, timeout: 5, dir: '/tmp/crane-fix-test-soak', subnet: 7, out: path.join(ROOT, 'soak', 'results'), write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = val();
      if (!/^\d+$/.test(v)) throw new Error(`${a} expects a whole number, got ${JSON.stringify(v)}`);
      return Number(v);
    };
    if (a === '--runs') o.runs = int();
    else if (a === '--seed') o.seed = int();
    else if (a === '--nodes') o.nodes = int();
    else if (a === '--connect-timeout') o.connect = int();
    else if (a === '--timeout') o.timeout = int();
    else if (a === '--subnet') o.subnet = int();
    else if (a === '--dir') o.dir = path.resolve(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--no-write') o.write = false;
    else if (a === '--kinds') {
      const ks = val().split(',');
      for (const k of ks) if (!FAULT_KINDS.includes(k as FaultKind)) throw new Error(`--kinds: unknown fault ${k} (known: ${FAULT_KINDS.join(', ')})`);
      o.kinds = ks as FaultKind[];
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.runs < 1) throw new Error('--runs must be at least 1');
  return o;
}

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  const log = (l: string) => process.stderr.write(l + '\n');
  const ac = new AbortController();
  let downing: Promise<unknown> | undefined;
  const takeDown = async () => {
    const st = await readLabState(o.dir);
    if (st) await releaseFaults(st);
    await labDown({ dir: o.dir });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) return;
    log(`\n${sig}: stopping the soak, taking the lab down`);
    ac.abort();
    const child = currentChild();
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    downing ??= takeDown().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (await readLabState(o.dir)) {
    log(`a lab is already up in ${o.dir}; taking it down first`);
    await takeDown();
  }
  log(`soak: lab of ${o.nodes} nodes (subnet ${o.subnet}) in ${o.dir}; ${o.runs} runs, seed ${o.seed}`);
  const lab = await labUp({ nodes: o.nodes, dir: o.dir, disks: false, subnet: o.subnet, log });
  try {
    const soak = new Soak({ lab, runs: o.runs, seed: o.seed, kinds: o.kinds, connectTimeoutS: o.connect, commandTimeoutS: o.timeout, log, signal: ac.signal });
    const result = await soak.run();
    const s = summarise(result);
    const cpu = os.cpus();
    const md = markdown(result, s, {
      command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: `${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}`,
    });
    process.stdout.write(md + '\n');
    if (o.write) {
      fs.mkdirSync(o.out, { recursive: true });
      const base = path.join(o.out, `${result.startedAt.slice(0, 10)}-seed${o.seed}`);
      fs.writeFileSync(base + '.md', md);
      fs.writeFileSync(base + '.json', JSON.stringify({ summary: s, ...result }, null, 2) + '\n');
      log(`wrote ${base}.md and .json`);
    }
    return s.violations ? 1 : 0;
  } finally {
    if (!downing) {
      await releaseFaults(lab);
      await labDown({ dir: o.dir });
    } else await downing;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(70);
  },
);
