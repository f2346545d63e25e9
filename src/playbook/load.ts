/**
 * Playbook loader: Ansible playbook YAML -> Playbook, validated before any host is
 * contacted. Every problem is an InputError (exit 1) at the exact file:line:col of the
 * offending key or value.
 *
 * YAML is read with PyYAML's YAML 1.1 rules (what ansible-playbook uses): `yes`/`no`/`on`/
 * `off` are booleans, `0644` is octal, `09` and `1e3` are strings, `1:20` is 80.
 * Unlike Ansible, duplicate keys are an error (Ansible warns and keeps the last one).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node as YNode, type Pair, type YAMLMap } from 'yaml';
import type { ZodIssue } from 'zod';
import { InputError, type SourcePos } from '../errors.js';
import { isTemplated, pyStr, toAnsibleBool } from '../modules/common.js';
import { findModule, moduleOptions, type AnyModule } from '../modules/index.js';
import { checkConditionSyntax, checkTemplateSyntax, TemplateError } from './template.js';
import type { PlayDef, Playbook, TaskDef } from './types.js';

export const MAX_PLAYBOOK_BYTES = 10 * 1024 * 1024;

const PLAY_KEYWORDS = new Set(['name', 'hosts', 'vars', 'vars_files', 'serial', 'max_fail_percentage', 'become', 'become_user', 'gather_facts', 'tasks', 'handlers', 'verify', 'rollback', 'tags']);
const UNSUPPORTED_PLAY_KEYWORDS = new Set([
  'roles', 'pre_tasks', 'post_tasks', 'vars_prompt', 'environment', 'connection', 'remote_user', 'strategy', 'any_errors_fatal', 'ignore_errors',
  'ignore_unreachable', 'collections', 'module_defaults', 'force_handlers', 'order', 'run_once', 'throttle', 'check_mode', 'diff', 'no_log', 'port',
  'become_method', 'become_flags', 'become_exe', 'debugger', 'fact_path', 'gather_subset', 'gather_timeout', 'timeout', 'max_fail', 'include', 'import_playbook',
]);
const TASK_KEYWORDS = new Set([
  'name', 'when', 'notify', 'listen', 'register', 'become', 'become_user', 'changed_when', 'failed_when', 'ignore_errors', 'loop', 'with_items',
  'check_mode', 'tags', 'vars', 'retries', 'delay', 'until', 'args', 'irreversible', 'action',
]);
const UNSUPPORTED_TASK_KEYWORDS = new Set([
  'delegate_to', 'delegate_facts', 'local_action', 'environment', 'no_log', 'async', 'poll', 'loop_control', 'throttle', 'run_once', 'connection',
  'collections', 'debugger', 'diff', 'module_defaults', 'any_errors_fatal', 'ignore_unreachable', 'remote_user', 'become_method', 'become_flags',
  'become_exe', 'timeout', 'port', 'rescue', 'always',
]);
const UNSUPPORTED_ACTIONS: Record<string, string> = {
  block: 'block is not supported by crane-fix: list the tasks directly and put `when` on each',
  include_tasks: 'include_tasks is not supported by crane-fix: put the tasks in this playbook',
  import_tasks: 'import_tasks is not supported by crane-fix: put the tasks in this playbook',
  include: 'include is not supported by crane-fix: put the tasks in this playbook',
  include_role: 'roles are not supported by crane-fix',
  import_role: 'roles are not supported by crane-fix',
  include_vars: 'include_vars is not supported by crane-fix: use vars_files on the play',
  meta: 'meta tasks are not supported by crane-fix',
};

// ---------------------------------------------------------------------------
// YAML with PyYAML (YAML 1.1) scalar resolution

type TagLike = { tag?: string; format?: string; test?: RegExp; [k: string]: unknown };

function pyyamlTags(tags: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const t of tags as TagLike[]) {
    if (typeof t !== 'object' || !t || !t.tag) {
      out.push(t);
      continue;
    }
    const src = t.test?.source ?? '';
    if (t.tag === 'tag:yaml.org,2002:bool') {
      const isTrue = src.includes('rue');
      out.push({ ...t, test: isTrue ? /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/ : /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/ });
    } else if (t.tag === 'tag:yaml.org,2002:int' && t.format === undefined) {
      out.push({ ...t, test: /^[-+]?(?:0|[1-9][0-9_]*)$/ });
    } else if (t.tag === 'tag:yaml.org,2002:int' && t.format === 'TIME') {
      out.push({ ...t, test: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/ });
    } else if (t.tag === 'tag:yaml.org,2002:float' && t.format === 'EXP') {
      out.push({ ...t, test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*[eE][-+][0-9]+|\.[0-9][0-9_]*[eE][-+][0-9]+)$/ });
    } else if (t.tag === 'tag:yaml.org,2002:float' && t.format === undefined && !src.includes('inf') && src.includes('\\.')) {
      out.push({ ...t, test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/ });
    } else if (t.tag === 'tag:yaml.org,2002:timestamp') {
      continue; // keep as string
    } else {
      out.push(t);
    }
  }
  return out;
}

export function parseAnsibleYaml(text: string, lc: LineCounter): Document {
  return parseDocument(text, {
    version: '1.1',
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    customTags: pyyamlTags as any,
  });
}

// ---------------------------------------------------------------------------
// Reading the file

function readPlaybookFile(path: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO given as a playbook must not hang the loader (fstat below refuses it).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'playbook not found' : `cannot read playbook: ${(e as Error).message}`, { file: path });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError('is a directory, not a playbook file', { file: path });
    if (!st.isFile()) throw new InputError('not a regular file', { file: path });
    if (st.size > MAX_PLAYBOOK_BYTES) throw new InputError(`playbook is too large (${st.size} bytes, limit ${MAX_PLAYBOOK_BYTES})`, { file: path });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (buf.subarray(0, off).includes(0)) throw new InputError('playbook appears to be binary (contains NUL bytes)', { file: path });
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, off)).replace(/^\uFEFF/, '');
    } catch {
      throw new InputError('playbook is not valid UTF-8 text', { file: path });
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read playbook: ${(e as Error).message}`, { file: path });
  } finally {
    closeSync(fd);
  }
}

export function loadPlaybook(path: string): Playbook {
  const text = readPlaybookFile(path);
  return parsePlaybook(text, path);
}

// ---------------------------------------------------------------------------
// Walking the YAML AST

class Ctx {
  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    readonly doc: Document,
  ) {}
  pos(node: { range?: [number, number, number] | null } | null | undefined, fallback?: SourcePos): SourcePos {
    if (!node?.range) return fallback ?? { file: this.file };
    const { line, col } = this.lc.linePos(node.range[0]);
    return { file: this.file, line, col };
  }
  fail(detail: string, node: { range?: [number, number, number] | null } | null | undefined, fallback?: SourcePos): never {
    throw new InputError(detail, this.pos(node, fallback));
  }
  js(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    return (node as YNode).toJS(this.doc, { maxAliasCount: 100 });
  }
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

function keyName(c: Ctx, pair: Pair): string {
  const k = pair.key as YNode | null;
  if (!isScalar(k)) c.fail('mapping keys must be plain scalars', k as YNode);
  return pyStr(k.value);
}

function checkTags(c: Ctx, node: unknown): void {
  const walk = (n: unknown) => {
    if (!n || typeof n !== 'object') return;
    const tag = (n as { tag?: string }).tag;
    if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
      if (tag === '!vault') c.fail('!vault values are not supported by crane-fix (decrypt them into vars_files handled by your secret store)', n as YNode);
      c.fail(`unsupported YAML tag ${tag}`, n as YNode);
    }
    if (isMap(n)) for (const p of n.items) {
      walk(p.key);
      walk(p.value);
    }
    else if (isSeq(n)) for (const x of n.items) walk(x);
  };
  walk(node);
}

export function parsePlaybook(text: string, file: string): Playbook {
  const lc = new LineCounter();
  const doc = parseAnsibleYaml(text, lc);
  const c: Ctx = new Ctx(file, lc, doc);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const { line, col } = lc.linePos(e.pos[0]);
    const msg = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
    throw new InputError(`YAML syntax error: ${msg}`, { file, line, col });
  }
  checkTags(c, doc.contents);
  const root = c.deref(doc.contents);
  if (root === null || root === undefined || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new InputError('playbook is empty: expected a list of plays', { file });
  }
  if (!isSeq(root)) c.fail('a playbook must be a list of plays (- hosts: ...)', root as YNode);
  const plays: PlayDef[] = [];
  for (const item of root.items) plays.push(parsePlay(c, c.deref(item)));
  if (!plays.length) throw new InputError('playbook has no plays', c.pos(root));
  return { file, dir: dirname(resolve(file)), plays };
}

function pairsOf(c: Ctx, node: YAMLMap): { key: string; pair: Pair; keyNode: YNode; value: unknown }[] {
  const out: { key: string; pair: Pair; keyNode: YNode; value: unknown }[] = [];
  for (const p of node.items) {
    const k = keyName(c, p);
    if (k === '<<') {
      // merge key: expand the merged mapping(s), positioned at the << key
      const src = c.deref(p.value);
      const maps = isSeq(src) ? src.items.map((x) => c.deref(x)) : [src];
      for (const m of maps) {
        if (!isMap(m)) c.fail('<< merge value must be a mapping', p.value as YNode);
        for (const inner of pairsOf(c, m)) if (!out.some((o) => o.key === inner.key)) out.push({ ...inner, keyNode: p.key as YNode });
      }
      continue;
    }
    const existing = out.findIndex((o) => o.key === k);
    if (existing >= 0) out.splice(existing, 1);
    out.push({ key: k, pair: p, keyNode: p.key as YNode, value: c.deref(p.value) });
  }
  return out;
}

function asBool(c: Ctx, v: unknown, node: unknown, what: string): boolean {
  const b = toAnsibleBool(c.js(v));
  if (b === undefined) c.fail(`${what} must be a boolean (yes/no/true/false)`, node as YNode);
  return b;
}

function asString(c: Ctx, v: unknown, node: unknown, what: string): string {
  const js = c.js(v);
  if (typeof js === 'string') return js;
  if (typeof js === 'number' || typeof js === 'boolean') return pyStr(js);
  return c.fail(`${what} must be a string`, node as YNode);
}

function asStringList(c: Ctx, v: unknown, what: string): string[] {
  const node = v as YNode;
  if (isSeq(node)) return node.items.map((x) => asString(c, c.deref(x), x, what));
  if (v === null || v === undefined || (isScalar(v) && v.value === null)) return [];
  return [asString(c, v, node, what)];
}

function asInt(c: Ctx, v: unknown, what: string): number {
  const js = c.js(v);
  if (typeof js === 'number' && Number.isInteger(js)) return js;
  if (typeof js === 'string' && /^\s*\d+\s*$/.test(js)) return parseInt(js, 10);
  return c.fail(`${what} must be an integer${isTemplated(js) ? ' (templates are not supported here)' : ''}`, v as YNode);
}

function asConditions(c: Ctx, v: unknown, what: string): string[] {
  const node = v as YNode;
  const items: unknown[] = isSeq(node) ? node.items.map((x) => c.deref(x)) : [v];
  const out: string[] = [];
  for (const it of items) {
    const js = c.js(it);
    let s: string;
    if (typeof js === 'boolean') s = js ? 'True' : 'False';
    else if (typeof js === 'string') s = js;
    else if (typeof js === 'number') s = pyStr(js);
    else if (js === null) continue;
    else return c.fail(`${what} must be a condition string, a boolean or a list of them`, it as YNode);
    try {
      checkConditionSyntax(s);
    } catch (e) {
      if (e instanceof TemplateError) c.fail(`${what}: ${e.message}`, it as YNode);
      throw e;
    }
    out.push(s);
  }
  return out;
}

function asVarsMap(c: Ctx, v: unknown, what: string): Record<string, unknown> {
  if (v === null || v === undefined || (isScalar(v) && v.value === null)) return {};
  if (!isMap(v)) {
    if (isScalar(v) && typeof v.value === 'string' && isTemplated(v.value)) c.fail(`${what} must be a mapping (a template here is not supported)`, v);
    c.fail(`${what} must be a mapping`, v as YNode);
  }
  checkTemplatesIn(c, v, what);
  const out: Record<string, unknown> = {};
  for (const { key, value } of pairsOf(c, v)) out[key] = c.js(value);
  return out;
}

/** Syntax-check every template string inside a node. */
function checkTemplatesIn(c: Ctx, node: unknown, what: string): void {
  const n = c.deref(node);
  if (isScalar(n)) {
    if (typeof n.value === 'string' && (n.value.includes('{{') || n.value.includes('{%'))) {
      try {
        checkTemplateSyntax(n.value);
      } catch (e) {
        if (e instanceof TemplateError) c.fail(`${what}: ${e.message}`, n);
        throw e;
      }
    }
  } else if (isMap(n)) {
    for (const p of n.items) checkTemplatesIn(c, p.value, what);
  } else if (isSeq(n)) {
    for (const x of n.items) checkTemplatesIn(c, x, what);
  }
}

function parsePlay(c: Ctx, node: unknown): PlayDef {
  if (!isMap(node)) c.fail('each play must be a mapping (- hosts: ...)', node as YNode);
  const pos = c.pos(node);
  const play: PlayDef = { name: '', hosts: '', vars: {}, tasks: [], handlers: [], verify: [], rollback: [], pos };
  const entries = pairsOf(c, node);
  let sawHosts = false;
  const taskNodes: Record<'tasks' | 'handlers' | 'verify' | 'rollback', unknown> = { tasks: undefined, handlers: undefined, verify: undefined, rollback: undefined };
  for (const { key, keyNode, value } of entries) {
    if (key === 'import_playbook' || key === 'ansible.builtin.import_playbook') c.fail('import_playbook is not supported by crane-fix: run each playbook separately', keyNode);
    if (UNSUPPORTED_PLAY_KEYWORDS.has(key)) c.fail(`play keyword '${key}' is not supported by crane-fix`, keyNode);
    if (!PLAY_KEYWORDS.has(key)) c.fail(`'${key}' is not a valid attribute for a Play`, keyNode);
    switch (key) {
      case 'name':
        play.name = asString(c, value, value, 'name');
        break;
      case 'hosts': {
        sawHosts = true;
        const hosts = isSeq(value) ? asStringList(c, value, 'hosts').join(',') : asString(c, value, value ?? keyNode, 'hosts');
        if (!hosts.trim()) c.fail('hosts must not be empty', (value as YNode) ?? keyNode);
        play.hosts = hosts;
        break;
      }
      case 'vars':
        play.vars = asVarsMap(c, value, 'vars');
        break;
      case 'vars_files':
        play.varsFiles = asStringList(c, value, 'vars_files');
        break;
      case 'serial': {
        const js = c.js(value);
        if (typeof js === 'number' && Number.isInteger(js) && js >= 0) play.serial = js;
        else if (typeof js === 'string' && /^\s*\d+(\.\d+)?%?\s*$/.test(js)) play.serial = js.trim();
        else c.fail('serial must be a number or a percentage like "30%" (lists of batches are not supported)', value as YNode);
        break;
      }
      case 'max_fail_percentage': {
        const js = c.js(value);
        const n = typeof js === 'number' ? js : typeof js === 'string' && /^\s*\d+(\.\d+)?%?\s*$/.test(js) ? parseFloat(js) : NaN;
        if (!(n >= 0 && n <= 100)) c.fail('max_fail_percentage must be a number between 0 and 100', value as YNode);
        play.maxFailPercentage = n;
        break;
      }
      case 'become':
        play.become = asBool(c, value, value, 'become');
        break;
      case 'become_user':
        play.becomeUser = asString(c, value, value, 'become_user');
        break;
      case 'gather_facts':
        play.gatherFacts = asBool(c, value, value, 'gather_facts');
        break;
      case 'tags':
        break;
      default:
        taskNodes[key as keyof typeof taskNodes] = value ?? null;
    }
  }
  if (!sawHosts) c.fail("the field 'hosts' is required but was not set", node);
  if (!play.name) play.name = play.hosts;
  // Handlers first, so notify can be checked against them.
  play.handlers = parseTaskList(c, taskNodes.handlers, 'handlers', undefined);
  const topics = new Set<string>();
  for (const h of play.handlers) {
    topics.add(h.name);
    for (const l of h.listen ?? []) topics.add(l);
  }
  play.tasks = parseTaskList(c, taskNodes.tasks, 'tasks', topics);
  play.verify = parseTaskList(c, taskNodes.verify, 'verify', topics);
  play.rollback = parseTaskList(c, taskNodes.rollback, 'rollback', topics);
  return play;
}

function parseTaskList(c: Ctx, node: unknown, section: 'tasks' | 'handlers' | 'verify' | 'rollback', topics: Set<string> | undefined): TaskDef[] {
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) c.fail(`${section} must be a list of tasks`, node as YNode);
  return node.items.map((it) => parseTask(c, c.deref(it), section, topics));
}

// ---------------------------------------------------------------------------
// k=v argument strings (ansible.parsing.splitter)

const ESCAPE_RE = /\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\N\{[^}]+\}|\\[\\'"abfnrtv]/g;

function decodeEscapes(s: string): string {
  return s.replace(ESCAPE_RE, (m) => {
    const c = m[1]!;
    if (c === 'U' || c === 'u' || c === 'x') return String.fromCodePoint(parseInt(m.slice(2), 16));
    if (c === 'N') return m;
    return ({ '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[c]!;
  });
}

function quoteState(token: string, quoteChar: string | null): string | null {
  let q = quoteChar;
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    const prev = i > 0 ? token[i - 1] : undefined;
    if ((ch === '"' || ch === "'") && prev !== '\\') {
      if (q) {
        if (ch === q) q = null;
      } else q = ch;
    }
  }
  return q;
}

function countBlocks(token: string, depth: number, open: string, close: string): number {
  const nOpen = token.split(open).length - 1;
  const nClose = token.split(close).length - 1;
  if (nOpen !== nClose) {
    depth += nOpen - nClose;
    if (depth < 0) depth = 0;
  }
  return depth;
}

/** ansible.parsing.splitter.split_args */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const items = args.split('\n');
  let quoteChar: string | null = null;
  let insideQuotes = false;
  let printDepth = 0;
  let blockDepth = 0;
  let commentDepth = 0;
  items.forEach((item, itemidx) => {
    const tokens = item.split(' ');
    let lineContinuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        params[params.length - 1] += ' ';
        return;
      }
      if (token === '\\' && !insideQuotes) {
        lineContinuation = true;
        return;
      }
      const wasInsideQuotes = insideQuotes;
      quoteChar = quoteState(token, quoteChar);
      insideQuotes = quoteChar !== null;
      let appended = false;
      if (insideQuotes && !wasInsideQuotes && !(printDepth || blockDepth || commentDepth)) {
        params.push(token);
        appended = true;
      } else if (printDepth || blockDepth || commentDepth || insideQuotes || wasInsideQuotes) {
        if (idx === 0 && wasInsideQuotes) params[params.length - 1] = `${params[params.length - 1]}${token}`;
        else if (tokens.length > 1) params[params.length - 1] = `${params[params.length - 1]}${idx > 0 ? ' ' : ''}${token}`;
        else params[params.length - 1] = `${params[params.length - 1]}\n${token}`;
        appended = true;
      }
      const pp = printDepth;
      printDepth = countBlocks(token, printDepth, '{{', '}}');
      if (printDepth !== pp && !appended) {
        params.push(token);
        appended = true;
      }
      const pb = blockDepth;
      blockDepth = countBlocks(token, blockDepth, '{%', '%}');
      if (blockDepth !== pb && !appended) {
        params.push(token);
        appended = true;
      }
      const pc = commentDepth;
      commentDepth = countBlocks(token, commentDepth, '{#', '#}');
      if (commentDepth !== pc && !appended) {
        params.push(token);
        appended = true;
      }
      if (!(printDepth || blockDepth || commentDepth) && !insideQuotes && !appended && token !== '') params.push(token);
    });
    if (items.length > 1 && itemidx !== items.length - 1 && !lineContinuation) params[params.length - 1] += '\n';
  });
  if (printDepth || blockDepth || commentDepth || insideQuotes) {
    throw new Error(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${args}`);
  }
  return params;
}

function unquote(s: string): string {
  if (s.length > 1 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") && s[s.length - 2] !== '\\') return s.slice(1, -1);
  return s;
}

function joinArgs(parts: string[]): string {
  let r = '';
  for (const p of parts) r += r.length === 0 || r.endsWith('\n') ? p : ' ' + p;
  return r;
}

const FREE_FORM_OPTIONS = new Set(['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends']);

/** ansible.parsing.splitter.parse_kv; free-form words go to `_raw_params`. */
export function parseKv(args: string, checkRaw: boolean): Record<string, string> {
  const options: Record<string, string> = {};
  const raw: string[] = [];
  for (const orig of splitArgs(args)) {
    const x = decodeEscapes(orig);
    if (x.includes('=')) {
      let pos = 0;
      let found = -1;
      for (;;) {
        pos = x.indexOf('=', pos + 1);
        if (pos < 0) break;
        if (pos > 0 && x[pos - 1] !== '\\') {
          found = pos;
          break;
        }
      }
      if (found < 0) {
        raw.push(x.replace(/\\=/g, '='));
        continue;
      }
      const k = x.slice(0, found);
      const v = x.slice(found + 1);
      if (checkRaw && !FREE_FORM_OPTIONS.has(k)) raw.push(orig);
      else options[k.trim()] = unquote(v.trim());
    } else {
      raw.push(orig);
    }
  }
  if (raw.length) options._raw_params = joinArgs(raw);
  return options;
}

// ---------------------------------------------------------------------------
// Tasks

interface ArgSource {
  args: Record<string, unknown>;
  argPos: Record<string, SourcePos>;
}

function argsFromNode(c: Ctx, mod: AnyModule, moduleName: string, value: unknown, keyNode: YNode): ArgSource {
  if (value === null || value === undefined || (isScalar(value) && value.value === null)) return { args: {}, argPos: {} };
  if (isMap(value)) {
    const args: Record<string, unknown> = {};
    const argPos: Record<string, SourcePos> = {};
    for (const { key, keyNode: kn, value: v } of pairsOf(c, value)) {
      args[key] = c.js(v);
      argPos[key] = c.pos(kn);
    }
    return { args, argPos };
  }
  if (isScalar(value)) {
    const js = value.value;
    if (typeof js !== 'string') c.fail(`unexpected parameter type in action: ${typeof js === 'number' ? 'int' : typeof js === 'boolean' ? 'bool' : typeof js}`, value);
    let kv: Record<string, string>;
    try {
      kv = parseKv(js, mod.freeForm !== undefined);
    } catch (e) {
      return c.fail((e as Error).message, value);
    }
    const base = c.pos(value);
    const quoteOffset = value.type === 'QUOTE_DOUBLE' || value.type === 'QUOTE_SINGLE' ? 1 : 0;
    const argPos: Record<string, SourcePos> = {};
    const args: Record<string, unknown> = {};
    const singleLine = !js.includes('\n');
    for (const [k, v] of Object.entries(kv)) {
      if (k === '_raw_params') {
        if (mod.freeForm) {
          args[mod.freeForm] = v;
          argPos[mod.freeForm] = base;
          continue;
        }
        if (isTemplated(v)) c.fail(`${moduleName}: passing all arguments as one template ("${v}") is not supported`, value);
        c.fail(`this task '${moduleName}' has extra params, which is only allowed in the following modules: command, shell`, value);
      }
      args[k] = v;
      const idx = singleLine ? js.indexOf(`${k}=`) : -1;
      argPos[k] = idx >= 0 && base.line !== undefined && base.col !== undefined ? { file: c.file, line: base.line, col: base.col + quoteOffset + idx } : base;
    }
    return { args, argPos };
  }
  return c.fail(`unexpected parameter type in action: ${isSeq(value) ? 'list' : 'unknown'}`, value as YNode);
}

/**
 * `mode: 644` is the decimal number 644 (= 0o1204) for Ansible, which then sets the
 * sticky bit and odd permissions. Almost always a typo for 0644: refuse it.
 */
function checkDecimalModes(c: Ctx, args: unknown): void {
  if (!isMap(args)) return;
  for (const p of args.items) {
    if (!isScalar(p.key) || !['mode', 'directory_mode'].includes(String(p.key.value))) continue;
    const v = p.value;
    if (isScalar(v) && v.type === 'PLAIN' && typeof v.source === 'string' && /^[1-7][0-7]{2,3}$/.test(v.source)) {
      c.fail(`${String(p.key.value)}: ${v.source} is a decimal number here (Ansible would apply 0o${Number(v.source).toString(8)}); write 0${v.source} or '0${v.source}'`, v);
    }
  }
}

function parseTask(c: Ctx, node: unknown, section: 'tasks' | 'handlers' | 'verify' | 'rollback', topics: Set<string> | undefined): TaskDef {
  if (!isMap(node)) c.fail(`each entry of ${section} must be a task (a mapping)`, node as YNode);
  const pos = c.pos(node);
  const entries = pairsOf(c, node);
  let moduleKey: { name: string; mod: AnyModule; keyNode: YNode; value: unknown } | undefined;
  const kw: Record<string, { keyNode: YNode; value: unknown }> = {};
  for (const e of entries) {
    const { key, keyNode, value } = e;
    if (TASK_KEYWORDS.has(key)) {
      kw[key] = { keyNode, value };
      continue;
    }
    if (key in UNSUPPORTED_ACTIONS || key.replace(/^ansible\.(builtin|legacy)\./, '') in UNSUPPORTED_ACTIONS) {
      c.fail(UNSUPPORTED_ACTIONS[key] ?? UNSUPPORTED_ACTIONS[key.replace(/^ansible\.(builtin|legacy)\./, '')]!, keyNode);
    }
    if (UNSUPPORTED_TASK_KEYWORDS.has(key)) c.fail(`task keyword '${key}' is not supported by crane-fix`, keyNode);
    if (key.startsWith('with_')) c.fail(`${key} is not supported by crane-fix: use loop (or with_items)`, keyNode);
    const mod = findModule(key);
    if (!mod) {
      c.fail(`couldn't resolve module/action '${key}'. This often indicates a misspelling, missing collection, or incorrect module path (crane-fix modules: see docs/modules.md)`, keyNode);
    }
    if (moduleKey) c.fail(`conflicting action statements: ${moduleKey.name}, ${key}`, keyNode);
    moduleKey = { name: key, mod, keyNode, value };
  }
  // old-style `action: module args`
  if (kw.action) {
    const av = kw.action.value;
    if (moduleKey) c.fail(`conflicting action statements: ${moduleKey.name}, action`, kw.action.keyNode);
    if (isScalar(av) && typeof av.value === 'string') {
      const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(av.value);
      const name = m?.[1] ?? '';
      const mod = findModule(name) ?? c.fail(`couldn't resolve module/action '${name}'`, av);
      const rest = m?.[2] ?? '';
      const fake = new Scalar(rest);
      fake.range = av.range;
      moduleKey = { name, mod, keyNode: kw.action.keyNode, value: rest.trim() ? fake : null };
    } else if (isMap(av)) {
      const modPair = av.items.find((p) => isScalar(p.key) && p.key.value === 'module');
      if (!modPair) c.fail("action: mapping needs a 'module' key", av);
      const name = asString(c, c.deref(modPair.value), modPair.value, 'module');
      const mod = findModule(name) ?? c.fail(`couldn't resolve module/action '${name}'`, modPair.value as YNode);
      const clone = av.clone() as YAMLMap;
      clone.items = clone.items.filter((p) => !(isScalar(p.key) && p.key.value === 'module'));
      moduleKey = { name, mod, keyNode: kw.action.keyNode, value: clone };
    } else {
      c.fail('action must be a string or a mapping', av as YNode);
    }
  }
  if (!moduleKey) c.fail('no module/action detected in task.', node);
  const mod = moduleKey.mod;
  const modulePos = c.pos(moduleKey.keyNode);
  const { args, argPos } = argsFromNode(c, mod, moduleKey.name, moduleKey.value, moduleKey.keyNode);
  checkTemplatesIn(c, moduleKey.value, moduleKey.name);
  checkDecimalModes(c, moduleKey.value);
  if (kw.args) {
    const av = kw.args.value;
    if (!isMap(av)) c.fail('args must be a mapping', (av as YNode) ?? kw.args.keyNode);
    checkTemplatesIn(c, av, 'args');
    for (const { key, keyNode, value } of pairsOf(c, av)) {
      if (key in args) continue; // module args win, as in Ansible
      args[key] = c.js(value);
      argPos[key] = c.pos(keyNode);
    }
  }
  // map alias positions both ways
  const meta = moduleOptions(mod);
  if (meta) {
    for (const [alias, canon] of Object.entries(meta.aliases)) {
      if (argPos[alias] && !argPos[canon]) argPos[canon] = argPos[alias];
    }
  }
  const task: TaskDef = { name: mod.name, module: mod.name, args, pos, argPos, modulePos };
  validateAtLoad(task, mod, modulePos);

  for (const [key, { keyNode, value }] of Object.entries(kw)) {
    const vnode = (value as YNode) ?? keyNode;
    switch (key) {
      case 'name': {
        const s = asString(c, value, vnode, 'name');
        checkTemplatesIn(c, value, 'name');
        task.name = s;
        break;
      }
      case 'when':
        task.when = asConditions(c, value, 'when');
        break;
      case 'changed_when':
        task.changedWhen = asConditions(c, value, 'changed_when');
        break;
      case 'failed_when':
        task.failedWhen = asConditions(c, value, 'failed_when');
        break;
      case 'until':
        task.until = asConditions(c, value, 'until');
        break;
      case 'notify': {
        const names = asStringList(c, value, 'notify');
        if (section === 'handlers' || section === 'rollback' || section === 'verify') {
          if (section !== 'handlers') c.fail(`notify is not supported in ${section}`, keyNode);
        }
        const items = isSeq(value) ? value.items : [value];
        names.forEach((n, i) => {
          if (topics && !isTemplated(n) && !topics.has(n)) c.fail(`notify: no handler named (or listening to) '${n}' in this play`, items[i] as YNode);
        });
        task.notify = names;
        break;
      }
      case 'listen':
        if (section !== 'handlers') c.fail('listen is only valid on handlers', keyNode);
        task.listen = asStringList(c, value, 'listen');
        break;
      case 'register': {
        const r = asString(c, value, vnode, 'register');
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r)) c.fail(`register: '${r}' is not a valid variable name`, vnode);
        task.register = r;
        break;
      }
      case 'become':
        task.become = asBool(c, value, vnode, 'become');
        break;
      case 'become_user':
        task.becomeUser = asString(c, value, vnode, 'become_user');
        break;
      case 'ignore_errors':
        task.ignoreErrors = asBool(c, value, vnode, 'ignore_errors');
        break;
      case 'check_mode':
        task.checkMode = asBool(c, value, vnode, 'check_mode');
        break;
      case 'irreversible':
        task.irreversible = asBool(c, value, vnode, 'irreversible');
        break;
      case 'retries':
        task.retries = asInt(c, value, 'retries');
        break;
      case 'delay':
        task.delay = asInt(c, value, 'delay');
        break;
      case 'vars':
        task.vars = asVarsMap(c, value, 'vars');
        break;
      case 'loop':
      case 'with_items': {
        if (task.loop !== undefined) c.fail('loop and with_items cannot be used together', keyNode);
        const js = c.js(value);
        if (!(Array.isArray(js) || (typeof js === 'string' && isTemplated(js)))) {
          if (key === 'loop' || js === null || typeof js === 'object') c.fail(`Invalid data passed to '${key}', it requires a list, got this instead: ${pyStr(js)}`, vnode);
        }
        checkTemplatesIn(c, value, key);
        task.loop = js;
        task.loopKind = key;
        break;
      }
      case 'tags':
      case 'args':
      case 'action':
        break;
    }
  }
  if (task.until?.length && task.retries === undefined) task.retries = 3;
  if (task.until?.length && task.delay === undefined) task.delay = 5;
  if ((task.retries !== undefined || task.delay !== undefined) && !task.until?.length) {
    const k = kw.retries ?? kw.delay!;
    c.fail('retries/delay need an until condition', k.keyNode);
  }
  return task;
}

// ---------------------------------------------------------------------------
// Argument validation

function issuePos(task: TaskDef, issue: ZodIssue, modulePos: SourcePos | undefined): SourcePos {
  const key = issue.path[0];
  if (issue.code === 'unrecognized_keys') {
    const k = issue.keys[0];
    if (k !== undefined && task.argPos[k]) return task.argPos[k]!;
  }
  if (typeof key === 'string' && task.argPos[key]) return task.argPos[key]!;
  return modulePos ?? task.pos;
}

function issueMessage(mod: AnyModule, issue: ZodIssue): string {
  const meta = moduleOptions(mod);
  const key = issue.path[0];
  if (issue.code === 'unrecognized_keys') {
    const supported = meta ? ` Supported parameters include: ${[...meta.keys, ...Object.keys(meta.aliases)].sort().join(', ')}.` : '';
    return `Unsupported parameters for (${mod.name}) module: ${issue.keys.join(', ')}.${supported}`;
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined' && key !== undefined) {
    return `${mod.name}: missing required arguments: ${String(key)}`;
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return `${mod.name}: arguments must be a mapping of options, got ${issue.received}`;
  }
  const where = key !== undefined ? `option '${issue.path.join('.')}': ` : '';
  return `${mod.name}: ${where}${issue.message}`;
}

function isTemplatedDeep(v: unknown): boolean {
  if (typeof v === 'string') return isTemplated(v);
  return false;
}

/** Load-time check: structure, unknown/missing options, literal types. Templated values are skipped. */
function validateAtLoad(task: TaskDef, mod: AnyModule, modulePos: SourcePos): void {
  const args = task.args as Record<string, unknown>;
  const templated = new Set(Object.keys(args).filter((k) => isTemplatedDeep(args[k])));
  const meta = moduleOptions(mod);
  if (meta) for (const k of [...templated]) if (meta.aliases[k]) templated.add(meta.aliases[k]!);
  const probe: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!templated.has(k)) probe[k] = v;
  const r = mod.args.safeParse(probe);
  if (r.success) return;
  // Report an unknown option before anything else (Ansible: "Unsupported parameters"): a
  // misspelt option also shows up as a missing required one, and the typo is the real error.
  const issues = [...r.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  for (const issue of issues) {
    const key = issue.path[0];
    if (typeof key === 'string' && templated.has(key)) continue;
    if (templated.size && issue.code === 'custom') continue; // cross-option rules: re-checked after templating
    if (templated.size && issue.code === 'invalid_type' && issue.received === 'undefined') continue;
    throw new InputError(issueMessage(mod, issue), issuePos(task, issue, modulePos));
  }
}

/**
 * Validate a task's templated args against its module's schema; returns the parsed args
 * (defaults applied, types coerced) for `module.facts()` / `module.plan()`.
 */
/**
 * Validated args per task and templated value: 50 hosts usually template a task to the same
 * args, and the planner validates again after each runtime step — zod was ~5% of a no-op
 * run's CPU. The result is frozen because hosts share it (a planner must never mutate args).
 */
const validated = new WeakMap<TaskDef, Map<string, unknown>>();

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

export function validateArgs(task: TaskDef, templatedArgs: unknown): unknown {
  let perTask = validated.get(task);
  if (!perTask) validated.set(task, (perTask = new Map()));
  // JSON alone would make NaN/Infinity and null, or undefined and absent, the same key.
  const key = JSON.stringify(templatedArgs, (_k, x) => (x === undefined ? '\u0000undefined' : typeof x === 'number' && !Number.isFinite(x) ? `\u0000${x}` : x)) ?? 'undefined';
  if (perTask.has(key)) return perTask.get(key);
  const mod = findModule(task.module);
  if (!mod) throw new InputError(`couldn't resolve module/action '${task.module}'`, task.pos);
  const r = mod.args.safeParse(templatedArgs);
  if (r.success) {
    if (perTask.size > 1000) perTask.clear();
    perTask.set(key, deepFreeze(r.data));
    return r.data;
  }
  const issue = r.error.issues[0]!;
  throw new InputError(issueMessage(mod, issue), issuePos(task, issue, task.modulePos));
}

/**
 * Items of a templated `loop:` / `with_items:` value. `loop` needs a list; `with_items`
 * flattens one level and turns a scalar into a one-item list, as Ansible's items lookup.
 */
export function expandLoop(value: unknown, kind: 'loop' | 'with_items' = 'loop'): unknown[] {
  if (kind === 'with_items') {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) {
      if (typeof value === 'object') throw new InputError(`with_items expects a list, got a mapping`);
      return [value];
    }
    return value.flatMap((x) => (Array.isArray(x) ? x : [x]));
  }
  if (!Array.isArray(value)) {
    throw new InputError(`Invalid data passed to 'loop', it requires a list, got this instead: ${pyStr(value)}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.`);
  }
  return value;
}
