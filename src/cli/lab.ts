/** `crane-fix lab up|down|status|fault`: simulated nodes to rehearse a fix on. */
import type { Command } from 'commander';
import { DEFAULT_LAB_DIR, labDown, labStatus, labUp, readLabState } from '../lab/lab.js';
import { clearDisk, failUnitStart, fillDisk, hangNode, makeUnwritable, resumeNode, rotateHostKey, startNode, stopNode } from '../lab/faults.js';
import { ExitError, EXIT, InputError } from '../errors.js';

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('Simulated nodes (real sshd in namespaces) to rehearse fixes on; needs root');
  lab
    .command('up')
    .option('-n, --nodes <n>', 'how many nodes', '3')
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .option('--no-disks', 'skip the XFS loop disks')
    .option('--subnet <b>', 'nodes on 127.0.<b>.11… (run several labs at once)', '0')
    .option('--systemd <nodes>', 'boot these nodes (e.g. node01,node02) under the real systemd instead of the systemctl stand-in')
    .action(async (o) => {
      const n = Number(o.nodes);
      if (!Number.isInteger(n) || n < 1) throw new InputError('expects a whole number from 1', { flag: '--nodes' });
      const variants = Object.fromEntries(String(o.systemd ?? '').split(',').filter(Boolean).map((name) => [name.trim(), { systemd: true }]));
      const t0 = Date.now();
      const st = await labUp({ nodes: n, dir: o.dir, disks: o.disks, subnet: Number(o.subnet), variants });
      console.log(`lab: ${st.nodes.length} nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${st.nodes[0]!.ip} .. ${st.nodes[st.nodes.length - 1]!.ip})`);
      console.log(`  inventory (YAML): ${st.inventoryYaml}`);
      console.log(`  inventory (INI, Crane-shaped): ${st.inventoryIni}`);
      console.log(`  ssh: ssh -i ${st.privateKey} -o UserKnownHostsFile=${st.knownHosts} root@${st.nodes[0]!.ip}`);
    });
  lab
    .command('down')
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .action(async (o) => {
      const r = await labDown({ dir: o.dir });
      console.log(`lab: down (${r.killed} processes stopped, ${r.loopsDetached} loop devices detached)`);
      if (r.leftovers.length) throw new ExitError(EXIT.FAILED, `lab: left behind: ${r.leftovers.join(', ')}`);
    });
  lab
    .command('status')
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .option('--json', 'JSON on stdout')
    .action(async (o) => {
      const s = await labStatus({ dir: o.dir });
      if (o.json) {
        process.stdout.write(JSON.stringify({ dir: s.state?.dir, nodes: s.nodes }, null, 2) + '\n');
        return;
      }
      if (!s.state) {
        console.log(`lab: no lab in ${o.dir}`);
        return;
      }
      for (const n of s.nodes) console.log(`${n.name} ${n.ip.padEnd(12)} ${n.hostname.padEnd(18)} ${n.listening ? 'up' : n.stopped ? 'HUNG' : 'DOWN'}`);
    });
  lab
    .command('fault')
    .description('Inject a fault into a node: stop|start|hang|resume|rotate-key|unwritable <path>|disk-full|disk-ok|fail-unit <unit>|ok-unit <unit>')
    .argument('<node>')
    .argument('<fault>')
    .argument('[arg]')
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .action(async (name: string, fault: string, arg: string | undefined, o) => {
      const st = await readLabState(o.dir);
      if (!st) throw new ExitError(EXIT.INPUT, `lab: no lab in ${o.dir}`);
      const node = st.nodes.find((n) => n.name === name || n.ip === name);
      if (!node) throw new InputError(`no lab node ${name}`, { flag: '<node>' });
      const need = () => {
        if (!arg) throw new InputError(`fault ${fault} needs an argument`, { flag: '<arg>' });
        return arg;
      };
      switch (fault) {
        case 'stop': return stopNode(node);
        case 'start': return startNode(st, node);
        case 'hang': return hangNode(node);
        case 'resume': return resumeNode(node);
        case 'rotate-key': return rotateHostKey(st, node);
        case 'unwritable': return makeUnwritable(node, need());
        case 'disk-full': return fillDisk(node);
        case 'disk-ok': return clearDisk(node);
        case 'fail-unit': return failUnitStart(node, need(), true);
        case 'ok-unit': return failUnitStart(node, need(), false);
        default: throw new InputError(`unknown fault ${fault}`, { flag: '<fault>' });
      }
    });
}
