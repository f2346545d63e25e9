import type { SourcePos } from '../errors.js';

export type { SourcePos };

export interface TaskDef {
  /** Task name as written (may contain templates); defaults to the module name. */
  name: string;
  /** Canonical module name (aliases and FQCNs resolved). */
  module: string;
  /** Raw, untemplated args; a free-form string is already mapped (command: {cmd: ...}). */
  args: unknown;
  when?: string[];
  notify?: string[];
  /** Handlers only: extra topics this handler answers to. */
  listen?: string[];
  register?: string;
  become?: boolean;
  becomeUser?: string;
  changedWhen?: string[];
  failedWhen?: string[];
  ignoreErrors?: boolean;
  /** Raw `loop:` / `with_items:` value; pass the templated value to `expandLoop(v, loopKind)`. */
  loop?: unknown;
  /** Which keyword produced `loop` (`with_items` flattens one level, as Ansible does). */
  loopKind?: 'loop' | 'with_items';
  checkMode?: boolean;
  retries?: number;
  delay?: number;
  until?: string[];
  /** crane-fix: mark a task as not undoable by rollback even if its module is. */
  irreversible?: boolean;
  vars?: Record<string, unknown>;
  /** Position of the task (its mapping) in the playbook. */
  pos: SourcePos;
  /** Position of each option key (canonical and alias names both map to it). */
  argPos: Record<string, SourcePos>;
  /** Position of the module key (e.g. `lineinfile:`). */
  modulePos?: SourcePos;
}

export interface PlayDef {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  varsFiles?: string[];
  serial?: number | string;
  maxFailPercentage?: number;
  become?: boolean;
  becomeUser?: string;
  /** Accepted for compatibility, ignored: crane-fix gathers only the facts tasks declare. */
  gatherFacts?: boolean;
  tasks: TaskDef[];
  handlers: TaskDef[];
  /** crane-fix: health gate after apply; tasks may use retries/delay/until. */
  verify: TaskDef[];
  /** crane-fix: hooks run after snapshots are restored. */
  rollback: TaskDef[];
  pos: SourcePos;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: PlayDef[];
}
