/**
 * The catalogue of known node problems: data, detectors and log symptoms. Everything here is
 * pure (no SSH, no I/O): the engine runs a detector's `command()` on a host and hands the
 * result back to `evaluate()`.
 */
export type Lang = 'en' | 'zh';

export interface Text {
  en: string;
  zh: string;
}

export interface Symptom {
  id: string;
  /**
   * Tested against one normalised log line at a time (src/catalog/normalize.ts: no klog/journald
   * headers, escaping undone, addresses and hashes replaced), and against a line joined with the
   * next when a paste wrapped it. Write it so the raw example matches too. Never use the `g` or
   * `y` flags (they keep state).
   */
  pattern: RegExp;
  /** A real log line this symptom recognises. */
  example: string;
  /** 'notes' (the Crane field notes) or where the line came from. */
  source: string;
  /**
   * Why this line points at this entry, shown next to the evidence in the user's language.
   * Required so a hit never shows evidence without its meaning (test/unit/catalog.test.ts).
   */
  reason: Text;
  /**
   * How much one match weighs when entries are ranked: 2 for a message only this problem prints,
   * 1 (the default) for one that other causes share. Context lines (uname, docker info) are 1.
   */
  weight?: 1 | 2;
  /**
   * For a line other programs print too (iptables-restore's own "line N failed"): the symptom counts
   * only when some line of the same paste also matches `pattern`, raw or normalised; `example` is such a line.
   */
  context?: { pattern: RegExp; example: string };
}

export type DetectorStatus = 'affected' | 'clean' | 'unknown';

export interface DetectorResult {
  status: DetectorStatus;
  /** What was seen, short. */
  evidence: string;
}

export interface Detector {
  /**
   * A read-only POSIX sh snippet run on the node (as root). Must never modify anything. Its
   * stdout/stderr/exit code go to evaluate(). It may read host vars that the engine
   * substitutes: use only the `vars` passed to command().
   */
  command(vars: Record<string, unknown>): string;
  evaluate(out: { rc: number; stdout: string; stderr: string }, vars: Record<string, unknown>): DetectorResult;
}

export interface CatalogVar {
  name: string;
  description: Text;
  default?: unknown;
  required?: boolean;
}

export interface CatalogEntry {
  id: string;
  level: 'host' | 'cluster';
  title: Text;
  explanation: Text;
  /** Recommended action, including the exact commands. */
  action: Text;
  symptoms: Symptom[];
  /** Host-level entries. */
  detector?: Detector;
  /** File name under playbooks/, e.g. 'clusterip-dns.yaml'. */
  playbook?: string;
  /**
   * Whether the fix can be undone from the journal. Entries without a playbook change nothing
   * through crane-fix and say `true`.
   */
  reversible: boolean;
  /** mkfs, hostname: needs typed confirmation, refused in schedules. */
  destructive?: boolean;
  /** Crane's names where they exist: dns_cluster_ip, kubernetes_ctl_path, calico_type, kube_proxy_node_port_addresses. */
  vars?: CatalogVar[];
  references?: string[];
}
