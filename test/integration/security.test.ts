/**
 * Issue 8, security, on real lab nodes through the real CLI:
 *
 *  - injection: vars and paths holding quotes, $(), backticks, ;, newlines, leading dashes,
 *    globs and unicode reach every module literally — canary files that an injected `touch`
 *    would create prove nothing ran, and the files the modules wrote hold exactly the text;
 *  - secrets: the become password and secret-named vars never appear in stdout, stderr,
 *    --json, the journal or the node's process list (sampled while a task runs);
 *  - host keys: unknown refused unless --accept-new-host-keys, changed always refused, and
 *    never authenticated to (the node's sshd log proves it);
 *  - the journal: 0700 directories, 0600 files; a torn last line is tolerated.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { labUp, labDown, nodeExec, type LabState, type LabNode } from '../../src/lab/lab.js';
import { rotateHostKey } from '../../src/lab/faults.js';
import { cli, CLI, skipReason, type CliResult } from './labHelpers.js';

const DIR = '/tmp/crane-fix-test-sec';
const WORK = path.join(DIR, 'work');
const T = randomBytes(3).toString('hex');
const CANARY = `crane-fix-canary-${T}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// Payloads. Every `touch` targets a canary; none may ever exist.
const abs = (i: string) => `/tmp/${CANARY}-${i}`;
const rel = (i: string) => `${CANARY}-${i}`; // relative: lands in the cwd of whatever ran it
/** A value (content, stdin, argv word, symlink target): may hold slashes and newlines. */
const EVIL_VALUE = [
  `--help -rf $(touch ${abs('v1')})`,
  '`touch ' + abs('v2') + '`',
  `; touch ${abs('v3')};`,
  `' ; touch ${abs('v4')} ; '`,
  `" ; touch ${abs('v5')} ; "`,
  `\ntouch ${abs('v6')}\n`,
  `| touch ${abs('v7')} && touch ${abs('v8')} & touch ${abs('v9')}`,
  '$HOME ${IFS} * ? [a-z] ~ # % \\ \\n \\\' end ünï©ødé 漢字 🚀',
].join(' ');
/** The same without backslashes (replace's replacement string interprets them, like Python's re.sub). */
const EVIL_NOBS = EVIL_VALUE.replace(/\\/g, '');
const EVIL_ONELINE = EVIL_VALUE.replace(/\n/g, ' ');
/** A file-name component: no slash, short enough for NAME_MAX. */
const EVIL_NAME = `-n $(touch ${rel('n1')}) \`touch ${rel('n2')}\` ;touch ${rel('n3')}; '"\ntouch ${rel('n4')} * ? [a] ~ ü 漢 🚀`;
/** No whitespace, no slash, no glob: what unit and sysctl names may hold. */
const EVIL_WORD = `-x;touch\${IFS}${rel('w1')};$(touch\${IFS}${rel('w2')})\`touch\${IFS}${rel('w3')}\`'"|&`;

async function canaries(n: LabNode): Promise<string[]> {
  const host = fs.readdirSync('/tmp').filter((f) => f.startsWith(CANARY));
  const r = await nodeExec(n, `find /root /etc /var /opt /tmp /usr/local /run -xdev -name '${CANARY}*' 2>/dev/null; true`);
  return [...host.map((f) => `/tmp/${f}`), ...r.stdout.split('\n').filter(Boolean)];
}

/** A file on the node, read without ever putting its (evil) name through a shell unquoted. */
async function readNode(n: LabNode, p: string): Promise<{ exists: boolean; type?: string; content?: string; link?: string }> {
  const r = await nodeExec(
    n,
    `p=$(printf %s ${b64(p)} | base64 -d; echo x); p=\${p%x}; if [ -L "$p" ]; then echo L; readlink -- "$p" | base64 -w0; echo; elif [ -d "$p" ]; then echo D; elif [ -f "$p" ]; then echo F; base64 -w0 < "$p"; echo; else echo A; fi`,
  );
  const [kind, data] = r.stdout.split('\n');
  if (kind === 'A' || !kind) return { exists: false };
  if (kind === 'D') return { exists: true, type: 'directory' };
  if (kind === 'L') return { exists: true, type: 'symlink', link: Buffer.from(data ?? '', 'base64').toString('utf8').replace(/\n$/, '') };
  return { exists: true, type: 'file', content: Buffer.from(data ?? '', 'base64').toString('utf8') };
}

function connections(n: LabNode): { connections: number; accepted: number; sessions: number } {
  const log = fs.readFileSync(path.join(n.dir, 'sshd.log'), 'utf8');
  return {
    connections: (log.match(/Connection from /g) ?? []).length,
    accepted: (log.match(/Accepted publickey/g) ?? []).length,
    sessions: (log.match(/Starting session/g) ?? []).length,
  };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...walk(p));
  }
  return out;
}

describe.skipIf(skipReason)('security on real SSH nodes (issue 8)', () => {
  let lab: LabState;
  let n1: LabNode;
  let journal: string;
  const w = (name: string, content: string) => {
    const p = path.join(WORK, name);
    fs.writeFileSync(p, content);
    return p;
  };
  const vars = () =>
    w('evil-vars.yaml', Object.entries({ evil_value: EVIL_VALUE, evil_nobs: EVIL_NOBS, evil_oneline: EVIL_ONELINE, evil_name: EVIL_NAME, evil_word: EVIL_WORD }).map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join(''));
  /** A playbook that changes every node (one line added to resolv.conf). */
  const marker = () => w('marker.yaml', `- hosts: all\n  tasks:\n    - lineinfile: {path: /etc/resolv.conf, line: "options crane-fix-sec-${T}"}\n`);
  const apply = (pb: string, ...more: string[]) => cli(['apply', '-i', lab.inventoryIni, pb, '--limit', 'node01', '-e', `@${vars()}`, '--journal-dir', journal, '--json', ...more]);

  beforeAll(async () => {
    lab = await labUp({ nodes: 2, dir: DIR, disks: false, subnet: 6 });
    n1 = lab.nodes[0]!;
    fs.mkdirSync(WORK, { recursive: true });
    journal = path.join(WORK, 'journal');
  }, 120_000);

  afterAll(async () => {
    // canaries only exist if a test failed; /tmp is shared with the nodes
    for (const f of fs.readdirSync('/tmp').filter((x) => x.startsWith(CANARY))) fs.rmSync(path.join('/tmp', f), { force: true });
    if (lab) await labDown({ dir: DIR });
  });

  describe('injection: every module delivers its values literally', () => {
    it('file-writing modules, command, shell: exact content, exact names, no canary', async () => {
      const pb = w(
        'evil-files.yaml',
        `- hosts: all
  tasks:
    - file: {path: /etc/crane-fix-sec, state: directory}
    - name: copy (evil name, evil content)
      copy: {dest: "/etc/crane-fix-sec/{{ evil_name }}", content: "{{ evil_value }}"}
    - name: lineinfile (evil name, evil line)
      lineinfile: {path: "/etc/crane-fix-sec/lif {{ evil_name }}", line: "{{ evil_oneline }}", create: true}
    - copy: {dest: /etc/crane-fix-sec/replace-target, content: "before MARKER after\\n"}
    - name: replace (evil replacement)
      replace: {path: /etc/crane-fix-sec/replace-target, regexp: MARKER, replace: "{{ evil_nobs }}"}
    - copy: {dest: /etc/crane-fix-sec/y.yaml, content: "a: 1\\n"}
    - name: yaml_edit (evil value)
      yaml_edit: {path: /etc/crane-fix-sec/y.yaml, key: evil, value: "{{ evil_value }}"}
    - name: file directory (evil name)
      file: {path: "/etc/crane-fix-sec/dir {{ evil_name }}", state: directory}
    - name: file link (evil name, evil target)
      file: {path: "/etc/crane-fix-sec/link {{ evil_name }}", state: link, src: "{{ evil_value }}", force: true}
    - name: file touch (evil name)
      file: {path: "/etc/crane-fix-sec/touch {{ evil_name }}", state: touch}
    - name: command argv + stdin (evil file name, evil stdin)
      command: {argv: [tee, "/etc/crane-fix-sec/tee {{ evil_name }}"], stdin: "{{ evil_value }}", stdin_add_newline: false}
    - name: command free form, quoted
      command: "printf %s {{ evil_value | quote }}"
      register: printed
    - copy: {dest: /etc/crane-fix-sec/printed, content: "{{ printed.stdout }}"}
    - name: shell with a quoted var
      shell: "printf '%s' {{ evil_value | quote }} > /etc/crane-fix-sec/shell-out"
    - name: shell stdin
      shell: cat > /etc/crane-fix-sec/shell-stdin
      args: {stdin: "{{ evil_value }}", stdin_add_newline: false}
    - name: command chdir + creates (evil dir, evil glob-ish path)
      command: {cmd: pwd, chdir: "/etc/crane-fix-sec/dir {{ evil_name }}", creates: "/etc/crane-fix-sec/nope {{ evil_name }}"}
      register: wd
    - copy: {dest: /etc/crane-fix-sec/pwd, content: "{{ wd.stdout }}"}
`,
      );
      const r = await apply(pb);
      expect(r.code, r.stderr).toBe(0);
      expect(await canaries(n1)).toEqual([]);
      const d = '/etc/crane-fix-sec';
      expect(await readNode(n1, `${d}/${EVIL_NAME}`)).toEqual({ exists: true, type: 'file', content: EVIL_VALUE });
      expect(await readNode(n1, `${d}/lif ${EVIL_NAME}`)).toEqual({ exists: true, type: 'file', content: EVIL_ONELINE + '\n' });
      expect(await readNode(n1, `${d}/replace-target`)).toEqual({ exists: true, type: 'file', content: `before ${EVIL_NOBS} after\n` });
      expect(parseYaml((await readNode(n1, `${d}/y.yaml`)).content!)).toEqual({ a: 1, evil: EVIL_VALUE });
      expect(await readNode(n1, `${d}/dir ${EVIL_NAME}`)).toEqual({ exists: true, type: 'directory' });
      expect(await readNode(n1, `${d}/link ${EVIL_NAME}`)).toEqual({ exists: true, type: 'symlink', link: EVIL_VALUE.replace(/\n$/, '') });
      expect(await readNode(n1, `${d}/touch ${EVIL_NAME}`)).toMatchObject({ exists: true, type: 'file', content: '' });
      expect(await readNode(n1, `${d}/tee ${EVIL_NAME}`)).toEqual({ exists: true, type: 'file', content: EVIL_VALUE });
      expect((await readNode(n1, `${d}/printed`)).content).toBe(EVIL_VALUE);
      expect((await readNode(n1, `${d}/shell-out`)).content).toBe(EVIL_VALUE);
      expect((await readNode(n1, `${d}/shell-stdin`)).content).toBe(EVIL_VALUE);
      expect((await readNode(n1, `${d}/pwd`)).content).toBe(`${d}/dir ${EVIL_NAME}`);
      // And the journal can put it all back (after removing what the commands wrote: the
      // journal cannot know those, so the directory would not be empty).
      const cmdFiles = [`${d}/tee ${EVIL_NAME}`, `${d}/shell-out`, `${d}/shell-stdin`];
      await nodeExec(n1, cmdFiles.map((f) => `p=$(printf %s ${b64(f)} | base64 -d; echo x); rm -f -- "\${p%x}"`).join('\n'));
      const rb = await cli(['rollback', r.json.runId, '--journal-dir', journal, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(await readNode(n1, d)).toEqual({ exists: false });
      expect(await canaries(n1)).toEqual([]);
    }, 90_000);

    it('sysctl: evil name is refused or quoted, evil value written literally', async () => {
      const pb = w(
        'evil-sysctl.yaml',
        `- hosts: all
  tasks:
    - file: {path: /etc/crane-fix-sec2, state: directory}
    - sysctl: {name: "net.crane.{{ evil_word }}", value: "{{ evil_oneline }}", sysctl_file: "/etc/crane-fix-sec2/{{ evil_name }}.conf", reload: false, sysctl_set: false}
`,
      );
      const r = await apply(pb);
      expect([0, 1, 2], r.stderr).toContain(r.code);
      expect(await canaries(n1)).toEqual([]);
      if (r.code === 0) expect((await readNode(n1, `/etc/crane-fix-sec2/${EVIL_NAME}.conf`)).content).toBe(`net.crane.${EVIL_WORD}=${EVIL_ONELINE.trim()}\n`);
      if (r.json?.runId) await cli(['rollback', r.json.runId, '--journal-dir', journal]);
    }, 60_000);

    it('systemd: an evil unit name reaches systemctl as one quoted argument', async () => {
      const pb = w('evil-systemd.yaml', `- hosts: all\n  tasks:\n    - systemd: {name: "{{ evil_word }}", state: restarted, enabled: true}\n`);
      const r = await apply(pb);
      expect([0, 1, 2], r.stderr).toContain(r.code);
      expect(await canaries(n1)).toEqual([]);
      const log = (await nodeExec(n1, 'cat /var/log/crane-lab/systemctl.log')).stdout;
      // The stand-in logs its argv joined by spaces: the name arrives whole.
      expect(log).toContain(EVIL_WORD);
    }, 60_000);

    it('hostname: an evil name is refused before any node is contacted', async () => {
      const before = connections(n1);
      const pb = w('evil-hostname.yaml', `- hosts: all\n  tasks:\n    - hostname: {name: "{{ evil_word }}"}\n`);
      const r = await apply(pb, '--yes');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/not a valid hostname/);
      expect(connections(n1).connections).toBe(before.connections);
      expect(await canaries(n1)).toEqual([]);
    }, 60_000);

    it('filesystem: an evil device path is refused (quoted in every fact command; nothing formatted)', async () => {
      const pb = w('evil-fs.yaml', `- hosts: all\n  tasks:\n    - filesystem: {dev: "/dev/crane-fix-{{ evil_name }}", fstype: ext4, opts: "{{ evil_oneline }}"}\n`);
      const r = await apply(pb, '--yes');
      expect([1, 2], r.stderr).toContain(r.code);
      if (r.code === 2) expect(r.json.hosts.node01.error).toMatch(/not found/);
      expect(await canaries(n1)).toEqual([]);
    }, 60_000);

    it('drop_caches: an evil level is refused before any node is contacted', async () => {
      const before = connections(n1);
      const pb = w('evil-dc.yaml', `- hosts: all\n  tasks:\n    - drop_caches: {level: "{{ evil_oneline }}"}\n    - drop_caches: {level: "3; touch ${abs('dc')}"}\n`);
      const r = await apply(pb, '--yes');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/level must be 1, 2 or 3/);
      expect(connections(n1).connections).toBe(before.connections);
      expect(await canaries(n1)).toEqual([]);
    }, 60_000);

    it('inventory host vars with evil values arrive literally too', async () => {
      const inv = w('evil-inventory.yaml', `all:\n  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: ${lab.privateKey}\n    ansible_ssh_common_args: "-o UserKnownHostsFile=${lab.knownHosts}"\n  hosts:\n    node01:\n      ansible_host: ${n1.ip}\n      from_inventory: ${JSON.stringify(EVIL_VALUE)}\n`);
      const pb = w('evil-invvar.yaml', `- hosts: all\n  tasks:\n    - shell: "printf '%s' {{ from_inventory | quote }} > /root/crane-fix-from-inventory"\n`);
      const r = await cli(['apply', '-i', inv, pb, '--journal-dir', journal, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((await readNode(n1, '/root/crane-fix-from-inventory')).content).toBe(EVIL_VALUE);
      expect(await canaries(n1)).toEqual([]);
      await nodeExec(n1, 'rm -f /root/crane-fix-from-inventory');
    }, 60_000);
  });

  describe('secrets never leave the process', () => {
    const SECRETS = {
      db_password: `pw-${T}-Db!$(x)'"`,
      api_token: `tok-${T}-9f8e7d6c`,
      my_secret: `sec-${T}-shh`,
      // names with the word inside, not at the end
      secret_key_base: `skb-${T}-base`,
      password_for_registry: `pfr-${T}-reg`,
      token_value: `tv-${T}-val`,
    };
    const BECOME = `become-${T}-P@ss w0rd`;
    let secretsFile: string;

    /** A sudo stand-in inside the node (runs the command as root; checks -S like sudo). */
    async function installSudo(n: LabNode, nopasswd: boolean): Promise<void> {
      const script = [
        '#!/bin/sh',
        '# crane-fix test stand-in for sudo: like sudo, -S reads a password line from stdin only when',
        '# authentication is needed (not with NOPASSWD / a cached timestamp).',
        'need=1; [ -e /etc/crane-fix-sudo-nopasswd ] && need=0; S=',
        'while [ $# -gt 0 ]; do case "$1" in -S) S=1; shift;; -p|-u) shift 2;; -H|-n) shift;; --) shift; break;; -*) shift;; *) break;; esac; done',
        'if [ $need = 1 ]; then',
        '  [ -n "$S" ] || { echo "sudo: a password is required" >&2; exit 1; }',
        '  IFS= read -r pw || exit 1',
        '  [ "$pw" = "$(cat /etc/crane-fix-sudo-password)" ] || { echo "Sorry, try again." >&2; exit 1; }',
        'fi',
        'exec "$@"',
      ].join('\n');
      const r = await nodeExec(
        n,
        `printf %s ${b64(script + '\n')} | base64 -d > /usr/bin/sudo && chmod 755 /usr/bin/sudo && printf '%s' ${b64(BECOME)} | base64 -d > /etc/crane-fix-sudo-password && ${nopasswd ? 'touch' : 'rm -f'} /etc/crane-fix-sudo-nopasswd`,
      );
      expect(r.rc, r.stderr).toBe(0);
    }

    const becomeInventory = () =>
      w('become.ini', fs.readFileSync(lab.inventoryIni, 'utf8').replace(/^(node01 .*)$/m, '$1 ansible_become=true ansible_become_user=nobody'));

    function leaks(where: Record<string, string>, values: string[]): string[] {
      const out: string[] = [];
      // as written, and as it appears inside a JSON string (the journal, --json)
      for (const [name, text] of Object.entries(where)) for (const v of values) if (text.includes(v) || text.includes(JSON.stringify(v).slice(1, -1))) out.push(`${name} contains ${JSON.stringify(v)}`);
      return out;
    }

    function journalText(runId: string): string {
      const dir = path.join(journal, runId);
      return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    }

    beforeAll(() => {
      secretsFile = w('secrets.yaml', Object.entries(SECRETS).map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join(''));
    });

    it('become password and secret vars: not in stdout/stderr, --json (with --diff), the journal, nor the node\'s process list', async () => {
      await installSudo(n1, false);
      const pb = w(
        'secrets.yaml.pb',
        `- hosts: all
  tasks:
    - copy: {dest: /etc/crane-fix-secrets.conf, content: "db={{ db_password }}\\napi={{ api_token }}\\nskb={{ secret_key_base }}\\npfr={{ password_for_registry }}\\ntv={{ token_value }}\\n", mode: "0600"}
    - lineinfile: {path: /etc/crane-fix-secrets2.conf, line: "my={{ my_secret }}", create: true}
    - name: a slow task that uses a secret (sampled from the node's process list meanwhile)
      shell: "printf '%s' {{ api_token | quote }} > /root/crane-fix-token; sleep 4"
`,
      );
      const inv = becomeInventory();
      const env = { CRANE_FIX_BECOME_PASSWORD: BECOME };
      const args = (dry: boolean) => ['apply', '-i', inv, pb, '--limit', 'node01', '-e', `@${secretsFile}`, '--journal-dir', journal, '--json', '--diff', ...(dry ? ['--dry-run'] : [])];
      const dry = await cli(args(true), { env });
      expect(dry.code, dry.stderr).toBe(0);

      // Apply, sampling `ps -eo args` inside the node while it runs.
      const child = spawn(process.execPath, [CLI, ...args(false)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on('close', r));
      let running = true;
      void exited.then(() => (running = false));
      const samples: string[] = [];
      while (running) {
        samples.push((await nodeExec(n1, 'ps -eo args')).stdout);
        await sleep(150);
      }
      const code = await exited;
      expect(code, stderr).toBe(0);
      expect(samples.some((s) => s.includes('sleep 4')), 'the process list was sampled while the slow task ran').toBe(true);
      const values = [...Object.values(SECRETS), BECOME];
      const runId = JSON.parse(stdout).runId as string;
      const found = leaks(
        {
          'dry-run stdout (--json)': dry.stdout,
          'dry-run stderr': dry.stderr,
          'dry-run journal': journalText(JSON.parse(dry.stdout).runId),
          'apply stdout (--json)': stdout,
          'apply stderr': stderr,
          'apply journal': journalText(runId),
          "node's process list": samples.join('\n'),
        },
        values,
      );
      expect(found).toEqual([]);
      // The secrets did reach the node (masking is not "dropping").
      expect((await readNode(n1, '/etc/crane-fix-secrets.conf')).content).toContain(SECRETS.db_password);
      await cli(['rollback', runId, '--journal-dir', journal]);
      await nodeExec(n1, 'rm -f /root/crane-fix-token');
    }, 90_000);

    it('a failing step whose error output holds a secret: masked in the restore message too', async () => {
      const pb = w(
        'secrets-fail.yaml',
        `- hosts: all
  tasks:
    - copy: {dest: /etc/crane-fix-secrets3.conf, content: "x\\n"}
    - shell: "echo 'cannot log in with {{ api_token }}' >&2; exit 3"
`,
      );
      const r = await cli(['apply', '-i', lab.inventoryIni, pb, '--limit', 'node01', '-e', `@${secretsFile}`, '--journal-dir', journal, '--json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.json.hosts.node01.status).toBe('rolled-back');
      expect(r.stderr).toMatch(/cannot log in with \*{8}/);
      expect(leaks({ stdout: r.stdout, stderr: r.stderr, journal: journalText(r.json.runId) }, [SECRETS.api_token])).toEqual([]);
    }, 60_000);

    it('sudo that needs no password (NOPASSWD, cached): the become password line is never run as a command', async () => {
      await installSudo(n1, true);
      const pw = `pw-$(touch ${abs('become')})-\`touch ${abs('become2')}\``;
      try {
        const r = await cli(['apply', '-i', becomeInventory(), 'resolv-conf-trim', '--limit', 'node01', '--dry-run', '--journal-dir', journal, '--json'], { env: { CRANE_FIX_BECOME_PASSWORD: pw } });
        expect(await canaries(n1), 'the remote shell ran the become password as a command').toEqual([]);
        expect(r.code, r.stderr).toBe(0);
        expect(leaks({ stdout: r.stdout, stderr: r.stderr }, [pw])).toEqual([]);
      } finally {
        await nodeExec(n1, 'rm -f /usr/bin/sudo /etc/crane-fix-sudo-password /etc/crane-fix-sudo-nopasswd');
      }
    }, 60_000);
  });

  describe('host keys', () => {
    const FIX = () => ['resolv-conf-trim', '--limit', 'node01', '--dry-run', '--journal-dir', journal, '--json'];

    it('unknown key: refused without authenticating; --accept-new-host-keys records it (0600)', async () => {
      const kh = path.join(WORK, 'kh-new', 'known_hosts');
      fs.rmSync(path.dirname(kh), { recursive: true, force: true });
      const before = connections(n1);
      const r = await cli(['apply', '-i', lab.inventoryIni, ...FIX(), '--known-hosts', kh]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.json.hosts.node01).toMatchObject({ status: 'unreachable', error: expect.stringMatching(/host key .* is unknown/) });
      const mid = connections(n1);
      expect(mid.connections).toBeGreaterThan(before.connections);
      expect(mid.accepted, 'crane-fix authenticated to a host whose key it does not know').toBe(before.accepted);
      expect(fs.existsSync(kh)).toBe(false);
      const ok = await cli(['apply', '-i', lab.inventoryIni, ...FIX(), '--known-hosts', kh, '--accept-new-host-keys']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(fs.readFileSync(kh, 'utf8')).toContain(`${n1.ip} ssh-ed25519 `);
      expect(fs.statSync(kh).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(kh)).mode & 0o777).toBe(0o700);
    }, 60_000);

    it('hashed known_hosts entries match; an @revoked key is refused', async () => {
      const hashed = path.join(WORK, 'kh-hashed');
      fs.copyFileSync(lab.knownHosts, hashed);
      execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
      expect(fs.readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/m);
      const r = await cli(['apply', '-i', lab.inventoryIni, ...FIX(), '--known-hosts', hashed]);
      expect(r.code, r.stderr).toBe(0);
      const revoked = w('kh-revoked', fs.readFileSync(lab.knownHosts, 'utf8') + `@revoked ${n1.ip} ${n1.hostKeyPub.split(' ').slice(0, 2).join(' ')}\n`);
      const rv = await cli(['apply', '-i', lab.inventoryIni, ...FIX(), '--known-hosts', revoked]);
      expect(rv.code).toBe(4);
      expect(rv.json.hosts.node01.error).toMatch(/CHANGED|revoked/);
    }, 60_000);

    it('changed key (simulated MITM): refused for apply (even with --accept-new-host-keys) and rollback, never authenticated, known_hosts untouched', async () => {
      const done = await cli(['apply', '-i', lab.inventoryIni, marker(), '--limit', 'node01', '--journal-dir', journal, '--json']);
      expect(done.code, done.stderr).toBe(0);
      const khBefore = fs.readFileSync(lab.knownHosts, 'utf8');
      await rotateHostKey(lab, n1);
      try {
        const before = connections(n1);
        const r = await cli(['apply', '-i', lab.inventoryIni, ...FIX(), '--accept-new-host-keys']);
        expect(r.code).toBe(4);
        expect(r.json.hosts.node01.error).toMatch(/CHANGED/);
        const rb = await cli(['rollback', done.json.runId, '--journal-dir', journal, '--json']);
        expect(rb.code).toBe(4);
        expect(rb.json.hosts.node01.error).toMatch(/CHANGED/);
        const after = connections(n1);
        expect(after.connections).toBeGreaterThan(before.connections);
        expect(after.accepted, 'crane-fix authenticated to a host with a changed key').toBe(before.accepted);
        expect(after.sessions).toBe(before.sessions);
        expect(fs.readFileSync(lab.knownHosts, 'utf8')).toBe(khBefore);
      } finally {
        await rotateHostKey(lab, n1, true);
      }
      const rb = await cli(['rollback', done.json.runId, '--journal-dir', journal, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
    }, 90_000);
  });

  describe('client authentication (the key is parsed once per run: src/transport/clientKey.ts)', () => {
    const FIX = () => ['resolv-conf-trim', '--limit', 'node01', '--dry-run', '--journal-dir', journal, '--json'];
    /** The lab inventory with another private key file (or none). */
    const withKey = (name: string, key: string | undefined) =>
      w(name, fs.readFileSync(lab.inventoryIni, 'utf8').replace(/^ansible_ssh_private_key_file=.*$/m, key ? `ansible_ssh_private_key_file=${key}` : ''));
    const newKey = (name: string, passphrase = '') => {
      const k = path.join(WORK, name);
      fs.rmSync(k, { force: true });
      fs.rmSync(`${k}.pub`, { force: true });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', k], { stdio: 'ignore' });
      return k;
    };
    /** An ssh-agent holding `keys`; stopped by the returned function. */
    const agent = (...keys: string[]) => {
      const out = execFileSync('ssh-agent', ['-s'], { encoding: 'utf8' });
      const sock = /SSH_AUTH_SOCK=([^;]+);/.exec(out)![1]!;
      const pid = Number(/SSH_AGENT_PID=(\d+);/.exec(out)![1]);
      for (const k of keys) execFileSync('ssh-add', ['-q', k], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      return { sock, stop: () => process.kill(pid) };
    };

    it('a key the node does not accept: unreachable, an authentication error, no session', async () => {
      const before = connections(n1);
      const r = await cli(['apply', '-i', withKey('inv-wrong-key', newKey('wrong_key')), ...FIX()], { env: { SSH_AUTH_SOCK: '' } });
      expect(r.code, r.stderr).toBe(4);
      expect(r.json.hosts.node01).toMatchObject({ status: 'unreachable', error: expect.stringMatching(/authentication/i) });
      expect(connections(n1).accepted).toBe(before.accepted);
      expect(connections(n1).sessions).toBe(before.sessions);
    }, 60_000);

    it('an encrypted key (no passphrase given) is refused with ssh2\'s reason', async () => {
      const r = await cli(['apply', '-i', withKey('inv-enc-key', newKey('enc_key', 'secret-pass')), ...FIX()], { env: { SSH_AUTH_SOCK: '' } });
      expect(r.code, r.stderr).toBe(4);
      expect(r.json.hosts.node01.error).toMatch(/encrypted|passphrase/i);
      expect(r.stdout + r.stderr).not.toContain('secret-pass');
    }, 60_000);

    it('the agent: alone, and after a key file the node refuses', async () => {
      const a = agent(lab.privateKey);
      try {
        const alone = await cli(['apply', '-i', withKey('inv-agent', undefined), ...FIX()], { env: { SSH_AUTH_SOCK: a.sock, HOME: WORK } });
        expect(alone.code, alone.stderr).toBe(0);
        const before = connections(n1);
        const after = await cli(['apply', '-i', withKey('inv-wrong-then-agent', newKey('wrong_key2')), ...FIX()], { env: { SSH_AUTH_SOCK: a.sock } });
        expect(after.code, after.stderr).toBe(0);
        expect(connections(n1).accepted).toBe(before.accepted + 1);
      } finally {
        a.stop();
      }
    }, 60_000);
  });

  describe('the journal', () => {
    it('directories are 0700 and files 0600, for apply, dry-run and rollback runs alike', async () => {
      // a fresh journal root, created by crane-fix itself
      const root = path.join(WORK, 'journal-modes', 'runs');
      fs.rmSync(path.dirname(root), { recursive: true, force: true });
      const a = await cli(['apply', '-i', lab.inventoryIni, marker(), '--journal-dir', root, '--json']);
      expect(a.code, a.stderr).toBe(0);
      const d = await cli(['apply', '-i', lab.inventoryIni, marker(), '--dry-run', '--journal-dir', root, '--json']);
      expect(d.code, d.stderr).toBe(0);
      const rb = await cli(['rollback', a.json.runId, '--journal-dir', root, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      const all = [root, ...walk(root)];
      expect(all.length).toBeGreaterThanOrEqual(1 + 3 * 3);
      const bad = all.filter((p) => (fs.statSync(p).mode & 0o777) !== (fs.statSync(p).isDirectory() ? 0o700 : 0o600)).map((p) => `${p} ${(fs.statSync(p).mode & 0o777).toString(8)}`);
      expect(bad).toEqual([]);
    }, 90_000);

    it('a torn last line (crash mid-append) is tolerated by runs, runs show and rollback; a torn middle line is named', async () => {
      const before = await readNode(n1, '/etc/resolv.conf');
      const pb = w('torn.yaml', `- hosts: all\n  tasks:\n    - lineinfile: {path: /etc/resolv.conf, line: "options torn-journal"}\n`);
      const a = await cli(['apply', '-i', lab.inventoryIni, pb, '--limit', 'node01', '--journal-dir', journal, '--json']);
      expect(a.code, a.stderr).toBe(0);
      const ev = path.join(journal, a.json.runId, 'events.jsonl');
      const text = fs.readFileSync(ev, 'utf8');
      const lines = text.split('\n').filter(Boolean);
      // cut the last record (the end record) in half, no newline: what a crash mid-append leaves
      fs.writeFileSync(ev, lines.slice(0, -1).join('\n') + '\n' + lines.at(-1)!.slice(0, Math.floor(lines.at(-1)!.length / 2)));
      const list: CliResult = await cli(['runs', '--journal-dir', journal, '--json']);
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).find((x: { runId: string }) => x.runId === a.json.runId)).toMatchObject({ finished: false });
      const show = await cli(['runs', 'show', a.json.runId, '--journal-dir', journal, '--json']);
      expect(show.code, show.stderr).toBe(0);
      expect(JSON.parse(show.stdout).snapshots.node01.map((s: { path: string }) => s.path)).toEqual(['/etc/resolv.conf']);
      const rb = await cli(['rollback', a.json.runId, '--journal-dir', journal, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(await readNode(n1, '/etc/resolv.conf')).toEqual(before);
      // A torn line that is not the last is corruption: named, exit 1.
      const l2 = fs.readFileSync(ev, 'utf8').split('\n');
      l2[1] = l2[1]!.slice(0, 10);
      fs.writeFileSync(ev, l2.join('\n') + '\n');
      const bad = await cli(['runs', 'show', a.json.runId, '--journal-dir', journal]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${ev}:2`);
    }, 60_000);
  });
});
