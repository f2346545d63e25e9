/**
 * The import rules of ARCHITECTURE.md (issue 22): each folder of src/ imports only the folders
 * its rule names, and no file imports itself back through others (no cycle, type imports too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** What each top-level folder of src/ may import ('.' is src/errors.ts and the like). */
const RULES: Record<string, string[]> = {
  '.': [],
  types: [],
  inventory: ['.'],
  transport: ['.', 'inventory'],
  // modules/control.ts renders `assert`/`debug`/`set_fact` arguments with playbook/template.ts
  // while planning: the one link back from modules to playbook (checked file by file below).
  modules: ['.', 'playbook'],
  playbook: ['.', 'modules'],
  catalog: ['.'],
  journal: ['.', 'inventory', 'modules'],
  lab: ['.'],
  engine: ['.', 'catalog', 'inventory', 'journal', 'modules', 'playbook', 'transport'],
  guide: ['.', 'catalog', 'engine', 'inventory', 'journal', 'modules', 'playbook', 'transport'],
  schedule: ['.', 'catalog', 'engine', 'inventory', 'journal', 'modules', 'playbook', 'transport'],
  cli: ['.', 'catalog', 'engine', 'guide', 'inventory', 'journal', 'lab', 'modules', 'playbook', 'schedule', 'transport', 'types'],
  bench: ['.', 'engine', 'inventory', 'journal', 'lab', 'modules', 'transport'],
  soak: ['.', 'engine', 'inventory', 'journal', 'lab', 'modules', 'transport'],
  diagnoseEval: ['.', 'catalog'],
};
/** Files of modules/ allowed to import playbook/ (and which of its files). */
const MODULES_TO_PLAYBOOK = new Set(['playbook/template.ts']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** file (relative to src) → the src files it imports, static, type-only and dynamic alike. */
export function importGraph(root: string): Map<string, string[]> {
  const files = tsFiles(root).map((f) => relative(root, f));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(f), m[1]!)).replace(/\.js$/, '.ts');
      if (known.has(target)) deps.add(target);
    }
    graph.set(f, [...deps]);
  }
  return graph;
}

/** Every cycle's files (Tarjan's strongly connected components with more than one file, or a self-import). */
export function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let n = 0;
  const visit = (v: string) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const folderOf = (f: string) => (f.includes('/') ? f.split('/')[0]! : '.');

describe('architecture: import rules (ARCHITECTURE.md)', () => {
  const graph = importGraph(SRC);

  it('finds a cycle when there is one (the checker itself)', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('reads the real import graph (every folder has files, imports are found)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('engine/hostRun.ts')).toContain('engine/plan.ts');
  });

  it('has no import cycle in src/', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("imports only what each folder's rule allows", () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      const from = folderOf(f);
      const allowed = RULES[from];
      if (!allowed) {
        bad.push(`${f}: folder '${from}' has no rule in ARCHITECTURE.md / this test`);
        continue;
      }
      for (const d of deps) {
        const to = folderOf(d);
        if (to === from) continue;
        if (!allowed.includes(to)) bad.push(`${f} imports ${d} (${from} may import: ${allowed.join(', ') || 'nothing'})`);
        else if (from === 'modules' && to === 'playbook' && !MODULES_TO_PLAYBOOK.has(d)) bad.push(`${f} imports ${d} (modules may use only playbook/template.ts)`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps every file in src/ under 600 lines, or says at its top why it is one concept', () => {
    const long = [...graph.keys()].filter((f) => {
      const text = readFileSync(join(SRC, f), 'utf8');
      return text.split('\n').length > 600 && !/^\/\*\*?[^]*?One concept:/m.test(text.slice(0, 2000));
    });
    expect(long).toEqual([]);
  });
});
