/**
 * Errors that carry an exit code. Commands throw these; only the CLI entry point
 * (src/cli/main.ts) turns them into process.exit, so everything else stays testable.
 */
export const EXIT = {
  OK: 0,
  /** Usage or bad input: nothing was contacted. */
  INPUT: 1,
  /** One or more hosts failed. */
  FAILED: 2,
  /** `check`: at least one host is affected by a problem. */
  AFFECTED: 3,
  /** One or more hosts unreachable and none failed (Ansible's convention). */
  UNREACHABLE: 4,
} as const;

export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExitError';
  }
}

/** Where in an input file something went wrong. line/col are 1-based. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

export function formatPos(pos: SourcePos): string {
  if (pos.line === undefined) return pos.file;
  return `${pos.file}:${pos.line}${pos.col !== undefined ? `:${pos.col}` : ''}`;
}

/**
 * Bad input (inventory, playbook, schedule, flags). Always exit 1 and always raised
 * before any host is contacted. `where` names the file and position, or the flag.
 */
export class InputError extends ExitError {
  constructor(
    readonly detail: string,
    readonly where?: SourcePos | { flag: string },
    options?: { cause?: unknown },
  ) {
    super(EXIT.INPUT, InputError.format(detail, where), options);
    this.name = 'InputError';
  }

  private static format(detail: string, where?: SourcePos | { flag: string }): string {
    if (!where) return detail;
    if ('flag' in where) return `${where.flag}: ${detail}`;
    return `${formatPos(where)}: ${detail}`;
  }
}
