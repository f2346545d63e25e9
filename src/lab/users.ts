/**
 * Lab node variants that make a node look like our users' nodes instead of a root-login
 * Debian box: a non-root login user who becomes root with the real `sudo` package (one
 * sudoers variant per node), another /bin/sh, another login shell, a louder sshd log.
 *
 * Everything here happens inside the node's own mount namespace, on its overlay /etc, /var
 * and /usr: /etc/passwd, /etc/shadow, /etc/sudoers.d and /usr/bin/sh of this machine never
 * change. The boot script runs `variantScript` after the overlays are mounted.
 */

/**
 * What the login user may do with sudo:
 *  - nopasswd:   `user ALL=(ALL:ALL) NOPASSWD: ALL`
 *  - password:   `user ALL=(ALL:ALL) ALL` (sudo asks for the user's own password)
 *  - requiretty: as password, plus `Defaults:user requiretty` (RHEL 6/7's default)
 *  - none:       no sudoers rule ("user is not in the sudoers file")
 * Every variant sets `timestamp_timeout=0`, so every sudo call really authenticates: a test
 * cannot pass on a credential cached by an earlier one.
 */
export type SudoVariant = 'nopasswd' | 'password' | 'requiretty' | 'none';

/** The /bin/sh a node can have, each from its Debian package. */
export const NODE_SHELLS = ['dash', 'bash', 'busybox', 'mksh', 'posh'] as const;
export type NodeShell = (typeof NODE_SHELLS)[number];

/** Where each shell's binary is on Debian 12 (and the package that has it). */
export const SHELL_BINARIES: Record<NodeShell, { path: string; pkg: string }> = {
  dash: { path: '/usr/bin/dash', pkg: 'dash' },
  bash: { path: '/usr/bin/bash', pkg: 'bash' },
  // busybox picks its applet from argv[0]'s basename: as /usr/bin/sh it runs `sh` (ash).
  busybox: { path: '/usr/bin/busybox', pkg: 'busybox' },
  mksh: { path: '/usr/bin/mksh', pkg: 'mksh' },
  posh: { path: '/usr/bin/posh', pkg: 'posh' },
};

export interface LabUser {
  /** Login name, e.g. 'admin'. */
  name: string;
  /** Its password (what sudo asks for in the password and requiretty variants). */
  password: string;
  sudo: SudoVariant;
  /** Login shell (default /bin/sh). */
  loginShell?: string;
  /** More users without login, e.g. a become_user target ('postgres'-like service user). */
  uid?: number;
}

export interface NodeVariant {
  /** A non-root login user, reached with the lab's key. */
  user?: LabUser;
  /** Service users (no login) a become_user can name. */
  serviceUsers?: string[];
  /** The node's /bin/sh (default: this machine's, dash on Debian). */
  binSh?: NodeShell;
  /** sshd's LogLevel (default VERBOSE). DEBUG3 logs every channel request: tests grep it for secrets. */
  sshdLogLevel?: 'VERBOSE' | 'DEBUG3';
  /**
   * Boot the real systemd as PID 1 of the node (its own PID + cgroup namespace), with sshd and
   * a kubelet stand-in as units, instead of the systemctl stand-in (src/lab/systemdNode.ts).
   */
  systemd?: boolean;
}

/** The per-user authorized_keys the nodes' sshd reads, inside the node's own /etc. */
export const NODE_AUTHORIZED_KEYS_DIR = '/etc/crane-lab/authorized_keys.d';
/** sudo's own log inside the node (Defaults logfile): tests read it for secrets. */
export const NODE_SUDO_LOG = '/var/log/crane-lab/sudo.log';

const NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

export function sudoersText(user: LabUser): string {
  const lines = [
    '# crane-fix lab: the login user\'s sudo rights (variant ' + user.sudo + ')',
    'Defaults timestamp_timeout=0',
    `Defaults logfile=${NODE_SUDO_LOG}`,
  ];
  if (user.sudo === 'requiretty') lines.push(`Defaults:${user.name} requiretty`);
  if (user.sudo === 'nopasswd') lines.push(`${user.name} ALL=(ALL:ALL) NOPASSWD: ALL`);
  if (user.sudo === 'password' || user.sudo === 'requiretty') lines.push(`${user.name} ALL=(ALL:ALL) ALL`);
  return lines.join('\n') + '\n';
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Checks a variant before any file is written (bad names would go into shell and sudoers text). */
export function checkVariant(v: NodeVariant): void {
  for (const n of [v.user?.name, ...(v.serviceUsers ?? [])]) {
    if (n !== undefined && (!NAME.test(n) || n === 'root')) throw new Error(`lab: bad user name ${JSON.stringify(n)}`);
  }
  if (v.user && /[\n:]/.test(v.user.password)) throw new Error('lab: a lab user password cannot hold a newline or a colon');
  if (v.binSh && !NODE_SHELLS.includes(v.binSh)) throw new Error(`lab: unknown shell ${v.binSh}`);
}

/**
 * Shell text for the boot script (runs as root inside the node, after the overlays): users,
 * sudoers, keys and /bin/sh. `publicKey` is the lab's client key, also the login user's.
 */
export function variantScript(v: NodeVariant, hostname: string, publicKey: string): string {
  checkVariant(v);
  const out: string[] = ['# node variant (src/lab/users.ts)'];
  // sudo resolves the host name for its sudoers Host matching and warns on stderr ("unable to
  // resolve host") when it cannot: real nodes have their name in /etc/hosts.
  out.push(`printf '127.0.1.1 %s\\n' ${q(hostname)} >> /etc/hosts`);
  out.push(`mkdir -p ${NODE_AUTHORIZED_KEYS_DIR} /var/home /var/log/crane-lab`);
  if (v.user) {
    const u = v.user;
    // Homes under /var (an overlay of the node): /home would be this machine's.
    out.push(
      `useradd -M -d /var/home/${u.name} -s ${q(u.loginShell ?? '/bin/sh')} ${u.uid ? `-u ${u.uid} ` : ''}-U ${u.name}`,
      `mkdir -p /var/home/${u.name} && chown ${u.name}:${u.name} /var/home/${u.name} && chmod 0750 /var/home/${u.name}`,
      `printf '%s:%s\\n' ${q(u.name)} ${q(u.password)} | chpasswd`,
      `printf '%s\\n' ${q(publicKey.trim())} > ${NODE_AUTHORIZED_KEYS_DIR}/${u.name}`,
      `printf '%s' ${q(sudoersText(u))} > /etc/sudoers.d/crane-lab && chmod 0440 /etc/sudoers.d/crane-lab`,
      'visudo -c -q -f /etc/sudoers.d/crane-lab',
    );
  }
  for (const s of v.serviceUsers ?? []) {
    out.push(`useradd -M -d /var/home/${s} -s /usr/sbin/nologin -U ${s} && mkdir -p /var/home/${s} && chown ${s}:${s} /var/home/${s}`);
  }
  if (v.binSh) {
    // /bin is a symlink to usr/bin here (merged /usr) and /usr/bin/sh a symlink to dash:
    // a bind mount over /bin/sh would land on /usr/bin/dash itself (mount follows the link)
    // and turn `dash` into the other shell too. The node's /usr is its own overlay, so the
    // link is replaced there instead — same effect, node-only, dash stays dash.
    const bin = SHELL_BINARIES[v.binSh].path;
    out.push(`[ -x ${bin} ] || { echo "lab: ${bin} is missing (apt-get install ${SHELL_BINARIES[v.binSh].pkg})" >&2; exit 1; }`);
    out.push(`ln -sfn ${bin} /usr/bin/sh.crane-lab && mv -fT /usr/bin/sh.crane-lab /usr/bin/sh`);
  }
  return out.join('\n') + '\n';
}

/** sshd's AuthorizedKeysFile line: the lab's key for root, the node's own file per user. */
export function authorizedKeysFiles(labKeys: string): string {
  return `AuthorizedKeysFile ${labKeys} ${NODE_AUTHORIZED_KEYS_DIR}/%u`;
}
