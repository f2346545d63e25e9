/** `crane-fix fixes`, `fixes show`, `check`: the remediation catalogue. */
import type { Command } from 'commander';

export function registerCatalog(program: Command): void {
  void program;
}
