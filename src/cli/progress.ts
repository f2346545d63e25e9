/**
 * Live progress on a terminal: one listr2 line per host (connecting, gathering, applying …,
 * then ok/changed/failed), while the detailed lines (diffs, errors) are held back and
 * printed after, so the two never fight over the screen. Off a terminal (CI, pipes, --json)
 * the plain lines are printed as they happen instead.
 */
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { HostReport } from '../engine/hostRun.js';

interface HostSlot {
  task?: ListrTaskWrapper<unknown, any, any>;
  done: Promise<HostReport | undefined>;
  resolve: (r: HostReport | undefined) => void;
}

export class HostProgress {
  private slots = new Map<string, HostSlot>();
  private held: string[] = [];
  private running?: Promise<unknown>;
  private finished = false;

  /** Called by the engine once the hosts are known and consent (if any) was given. */
  begin = (hosts: string[]): void => {
    const tasks = hosts.map((host) => {
      let resolve!: (r: HostReport | undefined) => void;
      const done = new Promise<HostReport | undefined>((r) => (resolve = r));
      const slot: HostSlot = { done, resolve };
      this.slots.set(host, slot);
      return {
        title: host,
        task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, any, any>) => {
          slot.task = task;
          task.output = 'waiting';
          const rep = await done;
          if (!rep) {
            task.skip(`${host}: not run`);
            return;
          }
          const changed = rep.tasks.filter((t) => t.changed).length;
          task.title = `${host}: ${rep.status}${changed ? ` (${changed} changed)` : ''}`;
          if (rep.status === 'failed' || rep.status === 'unreachable' || rep.status === 'rolled-back') throw new Error(`${host}: ${rep.status}: ${rep.error ?? ''}`);
        },
      };
    });
    const list = new Listr(tasks, {
      concurrent: true,
      exitOnError: false,
      // listr2 would otherwise exit(127) on Ctrl-C, skipping the restore apply does on SIGINT.
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false },
    });
    this.running = list.run().catch(() => undefined);
  };

  log = (line: string): void => {
    if (this.running && !this.finished) this.held.push(line);
    else process.stdout.write(line + '\n');
  };

  phase = (host: string, phase: string): void => {
    const t = this.slots.get(host)?.task;
    if (t) t.output = phase;
  };

  done = (host: string, rep: HostReport): void => {
    this.slots.get(host)?.resolve(rep);
  };

  async finish(): Promise<void> {
    if (this.finished) return;
    for (const s of this.slots.values()) s.resolve(undefined);
    await this.running;
    this.finished = true;
    for (const l of this.held) process.stdout.write(l + '\n');
    this.held = [];
  }
}
