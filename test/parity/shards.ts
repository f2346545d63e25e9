/**
 * How the parity suites (parity.test.ts, parity-upstream.test.ts) spread their cases over lab
 * hosts, and what one job's run gives back. Cases that fail on purpose or ask to be isolated get a
 * host (and a job) of their own; the others go to `shards` hosts balanced by task count, in file
 * order within a shard.
 */
import type { HostResults, ParityCase } from './harness.js';

/** One ansible-playbook / crane-fix job, run on both sides. */
export interface JobRun {
  ansible: HostResults;
  crane: HostResults;
  ansibleCode: number;
  craneCode: number;
  stderr: string;
  /** The job produced no comparable reports (e.g. a tool rejected the playbook). */
  error?: Error;
}

export const isolated = (c: ParityCase) => Boolean(c.notes.fails || c.notes.isolate);

/** Fills case id → host slot name, and case id → job id (`cases-<shard>` or `case-<id>`). */
export function assignShards(cases: ParityCase[], shards: number, slotName: (i: number) => string, hostOf: Map<string, string>, jobOf: Map<string, string>): void {
  let next = shards;
  const load = Array.from({ length: shards }, () => 0);
  for (const c of cases) {
    if (isolated(c)) {
      hostOf.set(c.id, slotName(next++));
      jobOf.set(c.id, `case-${c.id}`);
      continue;
    }
    const k = load.indexOf(Math.min(...load));
    load[k]! += c.taskNames.length + c.handlerNames.length;
    hostOf.set(c.id, slotName(k));
    jobOf.set(c.id, `cases-${k + 1}`);
  }
}
