/**
 * What the guided session is given (options, engine, prompts, signals) and the state it carries
 * from one step to the next. Kept apart so each step's file imports only these types.
 */
import type { CatalogEntry, Lang } from '../catalog/types.js';
import type { CheckOptions, CheckReport } from '../engine/check.js';
import type { ApplyOptions, RunReport } from '../engine/run.js';
import type { RollbackOptions } from '../engine/rollback.js';
import type { Inventory } from '../inventory/types.js';
import type { T } from './i18n.js';
import type { GuidePrompts } from './prompts.js';
import type { Style } from './render.js';

export const MAX_PHASE_LINES = 10;

/** Exit status of a session left with Ctrl-C at a question (128 + SIGINT, like a shell). */
export const EXIT_CANCELLED = 130;

export interface GuideOptions {
  inventory: string;
  lang: Lang;
  journalDir?: string;
  knownHosts?: string[];
  acceptNewHostKeys?: boolean;
  /** Seconds; passed through and repeated in the printed command. */
  connectTimeout?: number;
  /** `-F`: ssh_config for runs (bastions, ProxyJump). */
  sshConfig?: string;
  /** sudo password for become (from -K or the environment); never printed. */
  becomePassword?: string;
  /** The password came from -K: the printed command says -K too. */
  askBecomePass?: boolean;
  /** For the journal: how the session was started. */
  argv?: string[];
  cwd?: string;
  style?: Style;
  /** Print "still working" every this many ms during apply (0: never). */
  heartbeatMs?: number;
}

export interface GuideEngine {
  runCheck(opts: CheckOptions): Promise<CheckReport>;
  runApply(opts: ApplyOptions): Promise<RunReport>;
  runRollback(opts: RollbackOptions): Promise<RunReport>;
}

export interface GuideSignals {
  /** While a real run applies: the first Ctrl-C aborts the run (it restores), a second one exits. */
  forApply(log: (line: string) => void): { signal: AbortSignal; dispose(): void };
  /** While reading (scan, dry-run): Ctrl-C aborts `signal` and rejects as a cancelled prompt. */
  cancellable<R>(work: (signal: AbortSignal) => Promise<R>): Promise<R>;
}

export interface GuideDeps {
  prompts: GuidePrompts;
  engine: GuideEngine;
  out: (line: string) => void;
  signals: GuideSignals;
}

/** The session state every step reads; `vars` and `runId` change as it goes. */
export interface Ctx {
  o: GuideOptions;
  d: GuideDeps;
  t: T;
  lang: Lang;
  s: Style;
  inv: Inventory;
  all: string[];
  /** Vars the operator typed for the current entry (name -> value), in asking order. */
  vars: Map<string, string>;
  /** Set once a real run started: from then on, leaving is not "nothing changed". */
  runId?: string;
}

export interface Problem {
  entry: CatalogEntry;
  affected?: string[];
  /** The explanation was already shown (with the diagnose evidence). */
  explained?: boolean;
}

export interface HostChoice {
  hosts: string[];
  limit?: string;
}
