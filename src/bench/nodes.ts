/**
 * Lab node state for the benchmark, set and checked from inside each node's namespace
 * (nsenter, not SSH — so it never shows up in the sshd session counts).
 */
import { nodeExec, type LabNode } from '../lab/lab.js';
import { kubeletConfig, kubeletDropIn, resolvConf, seedFiles } from '../lab/seed.js';
import { STANDIN_UNITS } from '../lab/standins.js';
import { shellQuote } from '../modules/shellQuote.js';

/** Quote for sh (Python shlex.quote semantics); numbers are quoted as their decimal text. */
const shq = (v: string | number): string => shellQuote(String(v));
import { pool } from './measure.js';

/** How many nsenter helpers run at once (2 cores are shared with other people's tests). */
const NSENTER_CONCURRENCY = 16;

export const BENCH_NEW_DNS = '10.9.0.10';

function resetScript(node: LabNode): string {
  const lines = ['set -e'];
  for (const [p, content] of Object.entries(seedFiles(node))) {
    // In place (`>`), not rename: /etc/resolv.conf is a bind mount on every 6th node.
    lines.push(`mkdir -p ${shq(p.replace(/\/[^/]*$/, '') || '/')}`);
    lines.push(`printf %s ${shq(Buffer.from(content).toString('base64'))} | base64 -d > ${shq(p)}`);
    lines.push(`chmod 0644 ${shq(p)}`, `chown 0:0 ${shq(p)}`);
  }
  lines.push('mkdir -p /var/log/crane-lab /var/lib/crane-lab/units /var/lib/crane-lab/fail-start');
  lines.push(': > /var/log/crane-lab/systemctl.log');
  lines.push('rm -f /var/lib/crane-lab/fail-start/*');
  for (const u of STANDIN_UNITS) {
    lines.push(`echo active > /var/lib/crane-lab/units/${u}.active`, `echo enabled > /var/lib/crane-lab/units/${u}.enabled`);
  }
  lines.push('echo reset-ok');
  return lines.join('\n') + '\n';
}

/** Fresh node state: every seeded file rewritten, systemctl stand-in log and unit state cleared. */
export async function resetNodes(nodes: LabNode[]): Promise<void> {
  const results = await pool(nodes, NSENTER_CONCURRENCY, async (n) => ({ n, r: await nodeExec(n, 'exec /bin/sh -s', resetScript(n)) }));
  const bad = results.filter(({ r }) => r.rc !== 0 || !r.stdout.includes('reset-ok'));
  if (bad.length) throw new Error(`bench: could not reset ${bad.map(({ n, r }) => `${n.name} (rc ${r.rc}: ${r.stderr.trim()})`).join(', ')}`);
}

export interface NodeCheck {
  /** Nodes whose drop-in AND config.yaml carry the new DNS IP and not the old one. */
  dnsChanged: number;
  /** Nodes with at most 3 nameserver lines. */
  resolvTrimmed: number;
  /** Nodes whose stand-in systemctl log shows exactly one kubelet restart (and a daemon-reload). */
  restartedOnce: number;
  nodes: number;
}

const CHECK = `d=/etc/systemd/system/kubelet.service.d/10-kubelet.conf; c=/var/lib/kubelet/config.yaml
new=0; grep -q '${BENCH_NEW_DNS.replace(/\./g, '\\.')}' "$d" && grep -q '${BENCH_NEW_DNS.replace(/\./g, '\\.')}' "$c" && ! grep -q '10\\.96\\.0\\.10' "$d" "$c" && new=1
ns=$(grep -c '^nameserver' /etc/resolv.conf || true)
r=$(grep -cE " restart (-- )?'?kubelet" /var/log/crane-lab/systemctl.log || true)
dr=$(grep -c ' daemon-reload' /var/log/crane-lab/systemctl.log || true)
echo "check $new $ns $r $dr"
`;

/** What the last apply did on every node (read from inside the nodes). */
export async function checkNodes(nodes: LabNode[]): Promise<NodeCheck> {
  const rows = await pool(nodes, NSENTER_CONCURRENCY, async (n) => (await nodeExec(n, CHECK)).stdout);
  const out: NodeCheck = { dnsChanged: 0, resolvTrimmed: 0, restartedOnce: 0, nodes: nodes.length };
  for (const row of rows) {
    const m = /check (\d) (\d+) (\d+) (\d+)/.exec(row);
    if (!m) continue;
    if (m[1] === '1') out.dnsChanged++;
    if (Number(m[2]) <= 3) out.resolvTrimmed++;
    if (Number(m[3]) === 1 && Number(m[4]) >= 1) out.restartedOnce++;
  }
  return out;
}

/**
 * The bare effects of the bench playbook on one node, as a shell script: the commands the
 * change needs and nothing else — each file that changes written whole (temp file + rename,
 * the new bytes known in advance: no read, no lock, no guard hash, no fsync, no journal),
 * resolv.conf only where it has more than 3 nameservers (in place where it is a bind mount,
 * as rename would fail there), then daemon-reload, restart and the verify's is-active. The
 * re-based apply target (issue 21) is measured against the floor's client sending these.
 */
export function bareEffectsScript(node: LabNode): string {
  const lines: string[] = [];
  const write = (file: string, content: string, inPlace = false) => {
    if (inPlace) lines.push(`printf '%s' ${shq(content)} >${shq(file)} || exit 1`);
    else {
      const tmp = file.replace(/[^/]*$/, '.bare.tmp');
      lines.push(`printf '%s' ${shq(content)} >${shq(tmp)} && mv -f -- ${shq(tmp)} ${shq(file)} || exit 1`);
    }
  };
  write('/etc/systemd/system/kubelet.service.d/10-kubelet.conf', kubeletDropIn(BENCH_NEW_DNS));
  write('/var/lib/kubelet/config.yaml', kubeletConfig(BENCH_NEW_DNS, node.csiMigrationOff));
  const resolv = resolvConf(node);
  let seen = 0;
  const trimmed = resolv
    .split(/(?<=\n)/)
    .filter((l) => !/^nameserver\s/.test(l) || ++seen <= 3)
    .join('');
  if (trimmed !== resolv) write('/etc/resolv.conf', trimmed, node.resolvBindMounted);
  lines.push('systemctl daemon-reload || exit 1', 'systemctl restart kubelet || exit 1', 'systemctl is-active kubelet');
  return lines.join('\n') + '\n';
}
