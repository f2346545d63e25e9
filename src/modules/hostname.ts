/**
 * ansible.builtin.hostname with the file strategy (Debian-style /etc/hostname) plus the
 * `hostname` command for the running name — the behaviour of Ansible's FileStrategy +
 * CommandStrategy rather than its systemd (hostnamectl) strategy.
 * changed when the running name (`hostname` output) or /etc/hostname (stripped) differs;
 * the diff is Ansible's `hostname = <name>` pseudo-file. Destructive: it changes the node's
 * identity (kubelet registers under it).
 */
import { z } from 'zod';
import { aStr, defineModule, failed, issue, options, pyStrip } from './common.js';
import { shellQuote } from './shellQuote.js';
import type { FileDiff, ModulePlan, Op } from './types.js';

const args = options({ name: aStr() }, {}, (v, ctx) => {
  if (!/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(v.name)) {
    issue(ctx, 'name', `${JSON.stringify(v.name)} is not a valid hostname (RFC 1123 labels)`);
  }
  if (v.name.length > 64) issue(ctx, 'name', 'name cannot be longer than 64 characters on systemd servers, try a shorter name');
});

type Args = z.output<typeof args>;

const HOSTNAME_FILE = '/etc/hostname';
const CURRENT_KEY = 'hostname';

export const hostnameModule = defineModule<Args>({
  name: 'hostname',
  aliases: ['ansible.builtin.hostname', 'ansible.legacy.hostname'],
  args,
  supportsCheck: true,
  supportsDiff: true,
  reversible: false,
  needsConsent: true,
  destructive: true,
  facts: () => [
    { kind: 'command', key: CURRENT_KEY, command: 'hostname' },
    { kind: 'file', path: HOSTNAME_FILE },
  ],
  plan(a, ctx): ModulePlan {
    const name = a.name;
    const cur = ctx.command(CURRENT_KEY);
    if (cur.rc !== 0) return failed(`Command failed rc=${cur.rc}, out=${cur.stdout}, err=${cur.stderr}`);
    const current = pyStrip(cur.stdout);
    const f = ctx.file(HOSTNAME_FILE);
    if (f.exists && f.type !== 'file') return failed(`${HOSTNAME_FILE} is not a regular file`);
    if (f.exists && f.content === undefined) return failed(`${HOSTNAME_FILE} could not be read as text`);
    const permanent = f.exists ? pyStrip(f.content!) : '';
    const ops: Op[] = [];
    if (current !== name) ops.push({ op: 'exec', command: `hostname ${shellQuote(name)}` });
    if (permanent !== name) ops.push({ op: 'write', path: HOSTNAME_FILE, content: `${name}\n`, expectSha256: f.exists ? (f.sha256 ?? null) : null });
    const changed = ops.length > 0;
    const nameBefore = name !== current ? current : permanent;
    const result: Record<string, unknown> = {
      changed,
      name,
      ansible_facts: { ansible_hostname: name.split('.')[0], ansible_nodename: name },
    };
    if (!changed) return { status: 'ok', msg: `hostname is already ${name}`, ops: [], diffs: [], result };
    const diff: FileDiff = { path: HOSTNAME_FILE, before: `hostname = ${nameBefore}\n`, after: `hostname = ${name}\n`, beforeHeader: null, afterHeader: null };
    return { status: 'changed', msg: `hostname ${nameBefore} -> ${name}`, ops, diffs: [diff], result, factUpdates: { [CURRENT_KEY]: { rc: 0, stdout: `${name}\n`, stderr: '' } } };
  },
});
