/** A lab's state as lab.json holds it: the nodes (their namespaces, sshd, keys) and the files made for them. */
import type { NodeSpec } from './layout.js';
import type { NodeVariant } from './users.js';

export interface LabNode extends NodeSpec {
  dir: string;
  anchorPid: number;
  sshdPid: number;
  /** inode of the node's mount namespace, e.g. 'mnt:[4026532]' — how we find its processes. */
  mntNs: string;
  loopDevice?: string;
  hostKeyPub: string;
  /** Login user, sudo, shells (src/lab/users.ts); absent: root login, this machine's /bin/sh. */
  variant?: NodeVariant;
}

export interface LabState {
  dir: string;
  createdAt: string;
  privateKey: string;
  publicKey: string;
  knownHosts: string;
  inventoryYaml: string;
  inventoryIni: string;
  nodes: LabNode[];
}
