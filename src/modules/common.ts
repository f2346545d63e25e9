/**
 * Shared pieces of the module implementations: Ansible's option type coercions as zod
 * schemas, Python-compatible value formatting, and the file attribute (mode/owner/group)
 * logic of AnsibleModule.set_fs_attributes_if_different.
 */
import { z } from 'zod';
import type { FileDiff, FileState, ModuleDef, ModulePlan, Op, PlanContext } from './types.js';

// ---------------------------------------------------------------------------
// Python formatting

/** Python `str(x)` for the scalar values a YAML playbook can hold. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'bigint') return v.toString();
  return pyRepr(v);
}

/**
 * Python's str.strip(): its whitespace is JavaScript's \s without U+FEFF (a BOM is not
 * whitespace to Python, so Ansible keeps it and sees a BOM line as different) plus
 * U+001C-U+001F and U+0085.
 */
const PY_WS = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_WS}+|${PY_WS}+$`, 'gu');
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const s = String(n);
  // JS '1e+21' / '1.5e-7' -> Python '1e+21' / '1.5e-07'
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of JSON-like data (what Jinja prints for a list or dict). */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return pyStr(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (typeof v === 'object') {
    return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  }
  return String(v);
}

function jsonString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (ensureAscii && c > 0x7e && c !== 0x7f)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

export interface PyJsonOptions {
  indent?: number;
  sortKeys?: boolean;
  /** [item separator, key separator]; Python's default is [', ', ': '] (or [',', ': '] with indent). */
  separators?: [string, string];
  ensureAscii?: boolean;
}

/** Python's `json.dumps`. */
export function pyJsonDumps(v: unknown, opts: PyJsonOptions = {}): string {
  const ensureAscii = opts.ensureAscii ?? true;
  const [itemSep, keySep] = opts.separators ?? (opts.indent !== undefined ? [',', ': '] : [', ', ': ']);
  const rec = (x: unknown, level: number): string => {
    if (x === null || x === undefined) return 'null';
    if (x === true) return 'true';
    if (x === false) return 'false';
    if (typeof x === 'number') {
      if (Number.isNaN(x)) return 'NaN';
      if (x === Infinity) return 'Infinity';
      if (x === -Infinity) return '-Infinity';
      return pyNumber(x);
    }
    if (typeof x === 'string') return jsonString(x, ensureAscii);
    const nl = (l: number) => (opts.indent !== undefined ? '\n' + ' '.repeat(opts.indent * l) : '');
    if (Array.isArray(x)) {
      if (!x.length) return '[]';
      return '[' + x.map((e) => nl(level + 1) + rec(e, level + 1)).join(itemSep) + nl(level) + ']';
    }
    if (typeof x === 'object') {
      let entries = Object.entries(x as Record<string, unknown>);
      if (!entries.length) return '{}';
      if (opts.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return '{' + entries.map(([k, e]) => nl(level + 1) + jsonString(k, ensureAscii) + keySep + rec(e, level + 1)).join(itemSep) + nl(level) + '}';
    }
    return jsonString(String(x), ensureAscii);
  };
  return rec(v, 0);
}

/** How ansible-playbook's callback serializes a dict-valued diff side. */
export function ansibleDiffJson(v: Record<string, unknown>): string {
  return pyJsonDumps(v, { indent: 4, sortKeys: true, separators: [',', ': '] }) + '\n';
}

export function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

// ---------------------------------------------------------------------------
// Option types (AnsibleModule argument_spec semantics)

/** undefined reached a required option: report zod's usual "Required" issue. */
function missing(v: unknown, ctx: z.RefinementCtx, expected: z.ZodParsedType): boolean {
  if (v !== undefined) return false;
  ctx.addIssue({ code: z.ZodIssueCode.invalid_type, expected, received: 'undefined', message: 'Required' });
  return true;
}

const isNever = (v: unknown) => v === z.NEVER;

const BOOL_TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const BOOL_FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible `boolean(value, strict=True)`; undefined when not a boolean. */
export function toAnsibleBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (BOOL_TRUE.has(s)) return true;
    if (BOOL_FALSE.has(s)) return false;
  }
  return undefined;
}

export const aBool = () =>
  z.unknown().transform((v, ctx) => {
    if (missing(v, ctx, 'boolean')) return z.NEVER;
    const b = toAnsibleBool(v);
    if (b === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `the value ${pyRepr(v)} is not a valid boolean. Valid booleans include: 'yes', 'on', '1', 'true', 'no', 'off', '0', 'false'`,
      });
      return z.NEVER;
    }
    return b;
  });

/** Ansible type='str': scalars are converted with Python's str(); lists/dicts are rejected. */
export const aStr = () =>
  z.unknown().transform((v, ctx) => {
    if (missing(v, ctx, 'string')) return z.NEVER;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return pyStr(v);
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a string, got ${describe(v)}` });
    return z.NEVER;
  });

/** Ansible type='path' (we do not expand `~` or `$VARS`: the remote user's env is not the play's). */
export const aPath = () =>
  aStr().superRefine((v, ctx) => {
    if (typeof v !== 'string') return;
    if (v === '') ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'path must not be empty' });
    if (v.includes('\0')) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'path must not contain NUL' });
  });

export const aInt = () =>
  z.unknown().transform((v, ctx) => {
    if (missing(v, ctx, 'integer')) return z.NEVER;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(v)) return parseInt(v.replace(/_/g, ''), 10);
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${pyRepr(v)} cannot be converted to an int` });
    return z.NEVER;
  });

/** Ansible type='list', elements='str': a string is split on commas. */
export const aStrList = () =>
  z.unknown().transform((v, ctx) => {
    if (missing(v, ctx, 'array')) return z.NEVER;
    if (Array.isArray(v)) {
      const out: string[] = [];
      for (const e of v) {
        if (typeof e === 'string') out.push(e);
        else if (typeof e === 'number' || typeof e === 'boolean') out.push(pyStr(e));
        else {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `list elements must be strings, got ${describe(e)}` });
          return z.NEVER;
        }
      }
      return out;
    }
    if (typeof v === 'string') return v.split(',');
    if (typeof v === 'number') return [pyStr(v)];
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a list, got ${describe(v)}` });
    return z.NEVER;
  });

export const aChoice = <T extends string>(choices: readonly T[]) =>
  aStr().transform((v, ctx) => {
    if (!(choices as readonly string[]).includes(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be one of: ${choices.join(', ')}, got: ${v}` });
      return z.NEVER;
    }
    return v as T;
  });

/** type='raw' mode: an int (used as the mode bits, as Ansible does) or an octal/symbolic string. */
export const aMode = () =>
  z.unknown().transform((v, ctx): number | string => {
    if (missing(v, ctx, 'string')) return z.NEVER;
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (v < 0 || v > 0o7777) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `mode ${v} is not a valid permission value (max 0o7777)` });
        return z.NEVER;
      }
      return v;
    }
    if (typeof v === 'string') {
      const err = modeSyntaxError(v);
      if (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: err });
        return z.NEVER;
      }
      return v;
    }
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `mode must be in octal or symbolic form, got ${describe(v)}` });
    return z.NEVER;
  });

export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${pyRepr(v)}`;
}

export interface OptionsSchemaMeta {
  /** alias -> canonical option name */
  aliases: Record<string, string>;
  /** canonical option names, in declaration order */
  keys: string[];
}

/** Remember each module's option aliases (alias -> canonical) for error positions. */
export const schemaMeta = new WeakMap<z.ZodTypeAny, OptionsSchemaMeta>();

/**
 * A strict options object with Ansible-style aliases. Unknown keys are errors
 * (zod 'unrecognized_keys'); giving both an option and one of its aliases is an error.
 */
export function options<S extends z.ZodRawShape>(
  shape: S,
  aliases: Record<string, readonly string[]> = {},
  refine?: (v: z.output<z.ZodObject<S, 'strict'>>, ctx: z.RefinementCtx) => void,
) {
  const aliasMap: Record<string, string> = {};
  for (const [canon, list] of Object.entries(aliases)) for (const a of list) aliasMap[a] = canon;
  const obj = z.object(shape).strict();
  const pre = z.preprocess((input, ctx) => {
    if (input === null || input === undefined) return {};
    if (typeof input !== 'object' || Array.isArray(input)) return input;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      const canon = aliasMap[k] ?? k;
      if (canon in out) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: `option '${canon}' is given twice (as '${canon}' and its alias '${k}')` });
        continue;
      }
      out[canon] = v;
    }
    return out;
  }, obj);
  // cross-option rules only run when every option parsed (else they'd see z.NEVER values)
  const guarded = (v: unknown, ctx: z.RefinementCtx) => {
    if (!v || typeof v !== 'object' || Object.values(v as object).some(isNever)) return;
    (refine as (v: unknown, ctx: z.RefinementCtx) => void)(v, ctx);
  };
  const schema = refine ? pre.superRefine(guarded) : pre;
  schemaMeta.set(schema, { aliases: aliasMap, keys: Object.keys(shape) });
  return schema as z.ZodType<z.output<z.ZodObject<S, 'strict'>>, z.ZodTypeDef, unknown>;
}

export function issue(ctx: z.RefinementCtx, path: string | undefined, message: string): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, path: path ? [path] : [], message });
}

// ---------------------------------------------------------------------------
// Module plans

export function ok(msg: string, extra: Partial<ModulePlan> = {}): ModulePlan {
  return { status: 'ok', msg, ops: [], diffs: [], ...extra, result: { changed: false, msg, ...(extra.result ?? {}) } };
}

export function failed(msg: string, extra: Record<string, unknown> = {}): ModulePlan {
  return { status: 'failed', msg, ops: [], diffs: [], result: { failed: true, changed: false, msg, ...extra } };
}

export function changed(msg: string, ops: Op[], diffs: FileDiff[] = [], result: Record<string, unknown> = {}): ModulePlan {
  return { status: 'changed', msg, ops, diffs, result: { changed: true, msg, ...result } };
}

/** Define a module with inferred arg types. */
export function defineModule<A>(def: ModuleDef<A>): ModuleDef<A> {
  return def;
}

/** Read a file fact and refuse what a text planner cannot edit safely. */
export function readText(ctx: PlanContext, path: string): { state: FileState; error?: string } {
  const state = ctx.file(path);
  if (!state.exists) return { state };
  if (state.type === 'directory') return { state, error: `Path ${path} is a directory !` };
  if (state.binary) return { state, error: `${path} appears to be binary; refusing to edit it as text` };
  if (state.tooLarge) return { state, error: `${path} is larger than the fact read limit; refusing to edit it` };
  if (state.content === undefined) return { state, error: `the content of ${path} was not read` };
  return { state };
}

/** Python's bytes.splitlines-free `readlines()`: split after each '\n', keeping it. */
export function readlines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) break;
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

export function dirname(p: string): string {
  // Python os.path.dirname
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------
// File attributes (mode / owner / group)

export const fileAttrShape = {
  mode: aMode().optional(),
  owner: aStr().optional(),
  group: aStr().optional(),
};

export interface FileAttrArgs {
  mode?: number | string;
  owner?: string;
  group?: string;
}

const MODE_OPERATOR = /[+=-]/;

function modeSyntaxError(mode: string): string | undefined {
  if (/^\s*[+-]?(0[oO])?[0-7]+(_[0-7]+)*\s*$/.test(mode)) {
    const v = parseOctal(mode);
    if (v !== undefined && v > 0o7777) return `mode ${mode} is not a valid permission value (max 07777)`;
    return undefined;
  }
  for (const part of mode.split(',')) {
    const m = /^([ugoa]*)((?:[+=-][rwxXstugo]*)+)$/.exec(part);
    if (!m) return `mode must be in octal or symbolic form (bad symbolic permission for mode: ${part})`;
    // Ansible rejects users/perms mixing (e.g. u+u is fine, u+q is not) via the regex above
  }
  return undefined;
}

function parseOctal(s: string): number | undefined {
  const t = s.trim().replace(/_/g, '').replace(/^([+-]?)0[oO]/, '$1');
  if (!/^[+-]?[0-7]+$/.test(t)) return undefined;
  return parseInt(t, 8);
}

/** The umask Ansible's symbolic modes assume for `+r` without a `who` (remote default). */
export const ASSUMED_UMASK = 0o022;

/** AnsibleModule._symbolic_mode_to_octal + the int(mode, 8) path. */
export function resolveMode(mode: number | string, current: number, isDir: boolean): number {
  if (typeof mode === 'number') return mode;
  const oct = parseOctal(mode);
  if (oct !== undefined) return oct;
  let newMode = current & 0o7777;
  for (const part of mode.split(',')) {
    const opers = part.match(/[+=-]/g) ?? [];
    const permlist = part.split(MODE_OPERATOR);
    let users = permlist.shift() ?? '';
    const useUmask = users === '';
    if (users === 'a' || users === '') users = 'ugo';
    permlist.forEach((perms, idx) => {
      for (const user of users) {
        const apply = symbolicPerms(current, isDir, user, perms, useUmask);
        newMode = applyOperation(user, opers[idx]!, apply, newMode);
      }
    });
  }
  return newMode;
}

function applyOperation(user: string, operator: string, modeToApply: number, current: number): number {
  if (operator === '=') {
    const mask = user === 'u' ? 0o4700 : user === 'g' ? 0o2070 : 0o1007;
    return (current & (mask ^ 0o7777)) | modeToApply;
  }
  if (operator === '+') return current | modeToApply;
  return current - (current & modeToApply);
}

function symbolicPerms(prevModeFull: number, isDir: boolean, user: string, perms: string, useUmask: boolean): number {
  const prev = prevModeFull & 0o7777;
  const hasX = (prev & 0o111) > 0;
  const applyX = isDir || hasX;
  const rev = ASSUMED_UMASK ^ 0o7777;
  const u = (bit: number) => (useUmask ? rev & bit : bit);
  const table: Record<string, Record<string, number>> = {
    u: { r: u(0o400), w: u(0o200), x: u(0o100), s: 0o4000, t: 0, u: prev & 0o700, g: (prev & 0o070) << 3, o: (prev & 0o007) << 6, X: applyX ? 0o100 : 0 },
    g: { r: u(0o040), w: u(0o020), x: u(0o010), s: 0o2000, t: 0, u: (prev & 0o700) >> 3, g: prev & 0o070, o: (prev & 0o007) << 3, X: applyX ? 0o010 : 0 },
    o: { r: u(0o004), w: u(0o002), x: u(0o001), s: 0, t: 0o1000, u: (prev & 0o700) >> 6, g: (prev & 0o070) >> 3, o: prev & 0o007, X: applyX ? 0o001 : 0 },
  };
  let m = 0;
  for (const p of perms) m |= table[user]![p] ?? 0;
  return m;
}

export function fmtMode(m: number): string {
  return '0' + m.toString(8).padStart(3, '0');
}

export interface AttrPlan {
  changed: boolean;
  /** attrs op for an existing path (undefined when nothing differs) */
  op?: Extract<Op, { op: 'attrs' }>;
  /** resolved mode for a file that is about to be created */
  mode?: number;
  summary: string[];
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

function isNumeric(s: string): boolean {
  return /^\d+$/.test(s.trim());
}

/**
 * set_fs_attributes_if_different for one path. `state` is the path as it will be after
 * this task's content ops (undefined / !exists: it is being created now, with
 * `defaultMode`, and owner/group are applied unconditionally since we can't know who
 * creates it).
 */
export function planAttrs(path: string, state: FileState | undefined, args: FileAttrArgs, opts: { isDir?: boolean; defaultMode?: number } = {}): AttrPlan {
  const res: AttrPlan = { changed: false, summary: [], before: {}, after: {} };
  const op: Extract<Op, { op: 'attrs' }> = { op: 'attrs', path };
  const exists = !!state?.exists;
  const isDir = opts.isDir ?? state?.type === 'directory';
  const curMode = exists ? (state!.mode ?? 0) : (opts.defaultMode ?? (isDir ? 0o755 : 0o644));
  if (args.mode !== undefined) {
    const want = resolveMode(args.mode, curMode, isDir);
    if (!exists) {
      res.mode = want;
      if (want !== curMode) res.changed = true;
    } else if (state!.mode !== want) {
      res.changed = true;
      op.mode = want;
      res.before.mode = fmtMode(curMode);
      res.after.mode = fmtMode(want);
      res.summary.push(`mode ${fmtMode(curMode)} -> ${fmtMode(want)}`);
    }
  }
  const who = (kind: 'owner' | 'group', value: string | undefined) => {
    if (value === undefined) return;
    const idKey = kind === 'owner' ? 'uid' : 'gid';
    const cur = exists ? state! : undefined;
    const numeric = isNumeric(value);
    const want = numeric ? parseInt(value, 10) : value;
    const differs = !cur ? true : numeric ? cur[idKey] !== want : cur[kind] !== want;
    if (!differs) return;
    res.changed = true;
    if (numeric) op[idKey] = want as number;
    else op[kind] = value;
    if (cur) {
      const before = cur[idKey] ?? cur[kind];
      res.before[kind] = before;
      res.after[kind] = want;
      res.summary.push(`${kind} ${cur[kind] ?? cur[idKey] ?? '?'} -> ${value}`);
    }
  };
  who('owner', args.owner);
  who('group', args.group);
  if (op.mode !== undefined || op.uid !== undefined || op.gid !== undefined || op.owner !== undefined || op.group !== undefined) res.op = op;
  return res;
}

/** Ops that put owner/group on a file this task creates (mode goes into the write/mkdir op). */
export function ownershipOp(path: string, args: FileAttrArgs): Extract<Op, { op: 'attrs' }> | undefined {
  if (args.owner === undefined && args.group === undefined) return undefined;
  const op: Extract<Op, { op: 'attrs' }> = { op: 'attrs', path };
  if (args.owner !== undefined) {
    if (isNumeric(args.owner)) op.uid = parseInt(args.owner, 10);
    else op.owner = args.owner;
  }
  if (args.group !== undefined) {
    if (isNumeric(args.group)) op.gid = parseInt(args.group, 10);
    else op.group = args.group;
  }
  return op;
}

export const ATTR_MSG = 'ownership, perms or SE linux context changed';
