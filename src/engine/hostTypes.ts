/**
 * What one host's run is given (its play, the options) and what it reports (per task and per
 * host), and the failure that ends a host's run.
 */
import type { Journal } from '../journal/journal.js';
import type { TaskDef } from '../playbook/types.js';
import type { PreparedTask, TaskPlan } from './plan.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'rolled-back';

export interface TaskReport {
  name: string;
  status: 'ok' | 'changed' | 'skipped' | 'failed';
  changed: boolean;
  diff?: string;
  error?: string;
  msg?: string;
  /** e.g. the file edited belongs to systemd-resolved (ModulePlan.warnings). */
  warnings?: string[];
  irreversible?: boolean;
  handler?: boolean;
  verify?: boolean;
  rollbackHook?: boolean;
}

export interface HostReport {
  status: HostStatus;
  tasks: TaskReport[];
  error?: string;
  /** Exec channels this host cost (gather + apply + verify …). */
  sessions: number;
  /** Scripts this host ran (gather, apply segments, facts read again, verify attempts, restore). */
  roundTrips?: number;
  notes: string[];
}

export interface HostPlay {
  tasks: PreparedTask[];
  handlers: TaskDef[];
  /** The handlers prepared with the vars as the tasks leave them (set_fact values); default: from `vars`. */
  preparedHandlers?: PreparedTask[];
  verify: PreparedTask[];
  rollback: TaskDef[];
  vars: Record<string, unknown>;
}

export interface HostRunOptions {
  checkMode: boolean;
  /** Diffs wanted in an apply (--diff; a dry-run always has them). Default: yes. */
  diff?: boolean;
  noRollback: boolean;
  journal?: Journal;
  /** Wraps `sh -s` for become (sudo); returns the command and any stdin prefix (password). */
  shell: { command: string; stdinPrefix: string };
  log: (line: string) => void;
  /** Aborted by SIGINT/SIGTERM: stop before the next round trip, restore what was done. */
  signal?: AbortSignal;
  verifyDefaults?: { retries: number; delayMs: number };
  /** For the host lock's owner record. */
  runId?: string;
  /** Live progress (the CLI shows it with listr2 on a terminal). */
  progress?: (phase: string) => void;
  /** How long to wait for another run's lock on the host. */
  lockWaitS?: number;
  /** --timeout: the bound of every round trip (default 120 s). */
  commandTimeoutMs?: number;
}

export class HostFailure extends Error {
  constructor(
    message: string,
    readonly taskIndex?: number,
  ) {
    super(message);
  }
}


/** Failed as planned, before anything ran (not a command whose outcome is decided when it runs). */
export const failsWhilePlanning = (t: TaskPlan): boolean => t.status === 'failed' && !t.runtimeOutcome;

export function report(t: TaskPlan, extra: Partial<TaskReport> = {}): TaskReport {
  const status = t.status;
  return {
    name: t.name,
    status,
    changed: status === 'changed',
    ...(t.diffText ? { diff: t.diffText } : {}),
    ...(t.msg ? { msg: t.msg } : {}),
    ...(t.warnings?.length ? { warnings: t.warnings } : {}),
    ...(status === 'failed' ? { error: t.msg ?? 'failed' } : {}),
    ...(t.irreversible ? { irreversible: true } : {}),
    ...(t.isHandler ? { handler: true } : {}),
    ...extra,
  };
}


/** Handlers are planned last, with nothing after them to wait for: one that cannot be planned fails. */
export function settled(plans: TaskPlan[], rep: HostReport): TaskPlan[] {
  const t = plans.find((x) => x.deferred);
  if (!t) return plans;
  const error = `${t.name}: ${t.deferred!.reason}`;
  rep.tasks.push(report(t, { status: 'failed', changed: false, error }));
  throw new HostFailure(error);
}
