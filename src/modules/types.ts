/**
 * The module contract (pyinfra-style): a module reads the host only through facts it
 * declares up front, and its planner is a pure, synchronous function from those facts
 * to data. The engine gathers every fact of every task of a host in one round trip,
 * plans all tasks against a *virtual* copy of the host's files (so a second `replace`
 * on the same file sees the first one's result), and only then applies ops.
 */
import type { z } from 'zod';

/**
 * What a module needs to read from the host before planning. Commands must be read-only.
 * `onlyIf`: the fact is needed only when command fact `key` fails (rc != 0) or prints `text`
 * — a fallback (Ansible's systemd module runs `is-enabled` only when `show` does not answer):
 * on a node every process counts, so the gather script runs it only then. Not run, the fact
 * is absent, and a planner that reads it anyway asks for it again (it is deferred).
 */
export type FactRequest =
  /**
   * `contentOnly`: the planner reads the file's type and bytes but never its mode or owner
   * (a write keeps them, read on the node as it writes). A path every request marks so is
   * read without `stat` — one process less per host on a no-op run (bench/README.md).
   */
  | { kind: 'file'; path: string; contentOnly?: boolean }
  | { kind: 'command'; key: string; command: string; onlyIf?: { key: string; failedOrPrinted: string } };

/** A file (or directory) as seen on the host, or as it will be after earlier planned ops. */
export interface FileState {
  path: string;
  exists: boolean;
  type?: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits only, e.g. 0o644. Undefined when read content-only (see FactRequest). */
  mode?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  /** UTF-8 text. Undefined for directories, binary files, or files over the read limit. */
  content?: string;
  /** sha256 hex of the bytes on disk (used by guarded writes). */
  sha256?: string;
  binary?: boolean;
  tooLarge?: boolean;
  /**
   * (Added by the modules owner.) For type 'symlink' (facts are lstat-based): the link's
   * target as `readlink` prints it. `file state=link` needs it to be idempotent.
   */
  linkTarget?: string;
  /**
   * For type 'symlink': the path the link resolves to, as Python's `os.path.realpath` (and
   * `readlink -m`) gives it — every link on the way followed, the last part may be missing
   * (a dangling link). The gather reads that file too and adds it to the facts under this
   * path: lineinfile, replace, yaml_edit and `copy follow=yes` edit it, as Ansible does.
   */
  realPath?: string;
}

export interface CommandResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** Read access the engine gives a planner. Asking for an undeclared fact is a bug and throws. */
export interface PlanContext {
  file(path: string): FileState;
  command(key: string): CommandResult;
  /** true in --dry-run (check mode). Planners must not behave differently except where Ansible does. */
  checkMode: boolean;
  /**
   * (Added by the modules owner.) The task's variables after templating scope is built:
   * `assert` evaluates its `that` conditions and `debug var=` looks names up here.
   * Modules that don't need vars never read it.
   */
  vars?: Readonly<Record<string, unknown>>;
  /**
   * (Added by the modules owner.) Directory of the playbook file: `copy src=` reads its
   * local source from `<playbookDir>/files/<src>` or `<playbookDir>/<src>` like Ansible.
   */
  playbookDir?: string;
}

/**
 * Side effects, as data. The engine turns a host's ops into one remote script.
 * Every op that touches a file is guarded by `expectSha256` (null = must not exist):
 * if the file changed since facts were read, the op fails instead of clobbering it.
 */
export type Op =
  | {
      op: 'write';
      path: string;
      content: string;
      /** Permission bits for the new/updated file; undefined keeps the current (or 0o644 for new). */
      mode?: number;
      uid?: number;
      gid?: number;
      expectSha256: string | null;
      /**
       * The symlink this write goes through (the path the task named; `path` is its target):
       * the link is journaled too, so a rollback finds it a link with the same target text.
       */
      via?: string;
    }
  | { op: 'remove'; path: string; expectSha256: string | null; recursive?: boolean }
  | { op: 'mkdir'; path: string; mode?: number; uid?: number; gid?: number }
  | { op: 'attrs'; path: string; mode?: number; uid?: number; gid?: number; owner?: string; group?: string }
  | { op: 'symlink'; path: string; target: string }
  | {
      op: 'exec';
      /** POSIX sh command line, already quoted by the module. */
      command: string;
      /** Data for the command's stdin (kept out of the process list). */
      stdin?: string;
      /** Run in this directory. */
      chdir?: string;
      /**
       * Text the command reads on fd 3 (the shell module's command string, which may hold
       * secrets): delivered through the remote script's temp dir, never in any argv.
       */
      script?: string;
    };

export interface FileDiff {
  path: string;
  before: string;
  after: string;
  /** e.g. 'mode 0644 -> 0600', 'file -> absent' */
  attrs?: string[];
  /**
   * (Added by the modules owner.) Diff header labels as Ansible prints them:
   * undefined = `path`; null = no label (Ansible prints a bare `--- before`).
   * e.g. lineinfile uses '<path> (content)'.
   */
  beforeHeader?: string | null;
  afterHeader?: string | null;
}

export type PlanStatus = 'changed' | 'ok' | 'skipped' | 'failed';

export interface ModulePlan {
  status: PlanStatus;
  /** Why nothing needs doing, why it was skipped, or why it failed. */
  msg?: string;
  ops: Op[];
  diffs: FileDiff[];
  /**
   * True when the task's real outcome is only known after its ops run
   * (command/shell, systemd restart): status is then the best prediction.
   */
  runtimeOutcome?: boolean;
  /** Values exposed to `register:` at plan time (Ansible-like shape: changed, rc, stdout, ...). */
  result?: Record<string, unknown>;
  /**
   * (Added by the modules owner.) Command facts as they will read once this task's ops
   * have run (predicted): e.g. after `systemctl stop docker` the unit's `systemctl show`
   * fact reads ActiveState=inactive. The engine should overwrite these keys in its
   * command-fact map after planning the task (like it applies `ops` to the virtual
   * files), so a later task of the same run (`start docker`) plans against them.
   */
  factUpdates?: Record<string, CommandResult>;
  /**
   * Things the operator must know although the task works, printed with the task as Ansible
   * prints `[WARNING]:` lines (e.g. the file edited belongs to systemd-resolved).
   */
  warnings?: string[];
}

export interface ModuleDef<A = Record<string, unknown>> {
  name: string;
  /** Other names accepted in playbooks, e.g. 'ansible.builtin.replace', 'service'. */
  aliases: string[];
  /** Strict schema: an unknown option is an error the loader reports with file:line:col. */
  args: z.ZodType<A, z.ZodTypeDef, unknown>;
  /** Ansible's "free form" modules (command, shell) accept a string; the name of the key it maps to. */
  freeForm?: string;
  supportsCheck: boolean;
  supportsDiff: boolean;
  /** false for mkfs, drop_caches …: journal snapshots cannot undo it. */
  reversible: boolean | ((args: A) => boolean);
  /**
   * A lasting effect the journal cannot undo that an operator must consent to (--yes or a
   * prompt): drop_caches, mkfs, hostname. Commands and service restarts are not reversible
   * either, but are routine; a task marks itself with `irreversible: true` to ask for consent.
   */
  needsConsent?: boolean | ((args: A) => boolean);
  /** Destroys data or identity (mkfs, hostname): needs --yes and a typed confirmation. */
  destructive?: boolean | ((args: A) => boolean);
  facts(args: A): FactRequest[];
  plan(args: A, ctx: PlanContext): ModulePlan;
}

/** What a path held before a run first touched it: journaled before the change, put back by a rollback. */
export interface Snapshot {
  path: string;
  existed: boolean;
  type?: FileState['type'];
  mode?: number;
  uid?: number;
  gid?: number;
  /** base64 of the original bytes (files only). */
  contentB64?: string;
  /** Where a symlink pointed. */
  linkTarget?: string;
  sha256?: string;
}
