/**
 * Ansible's INI inventory plugin (ansible/plugins/inventory/ini.py), line for line where it
 * matters: the implicit `[ungrouped]` before the first section, `[g]`/`[g:children]`/
 * `[g:vars]` sections, shlex-split host lines whose values go through `ast.literal_eval`,
 * `:vars` lines that are `key=value` split at the first `=` and *also* literal_eval'd
 * (the docs say "strings", ansible-inventory shows ints for `port=22` and strips quotes
 * from `'~/.ssh/id_rsa'` — we follow what Ansible does), and the "pending declarations"
 * rule: a `:children` entry or `:vars` section naming a group that is never declared is
 * an error, reported at the line that first mentioned it.
 */
import { InputError, type SourcePos } from '../errors.js';
import type { InventoryBuilder } from './builder.js';
import { expandHostPattern, HostPatternError } from './hostPattern.js';
import { parseIniValue } from './pyLiteral.js';
import { ShlexError, shlexSplit } from './shlex.js';

/** Python str.isspace() characters, which str.strip() removes. */
const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LSTRIP = new RegExp(`^[${PY_WS}]+`);
const RSTRIP = new RegExp(`[${PY_WS}]+$`);

const SECTION = /^\[([^:\]\s]+)(?::([\p{L}\p{N}_]+))?\]\s*(?:#.*)?$/u;
const GROUPNAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;

/** Python str.splitlines() on text. */
export function splitLinesText(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Ansible decodes the file as UTF-8, except that on a decode error it retries line by line
 * and blanks lines that *start* with `#` or `;` (issue 17593): comments may hold any bytes.
 */
export function decodeIniLines(file: string, data: Buffer): string[] {
  try {
    return splitLinesText(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    const out: string[] = [];
    const dec = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    let lineNo = 0;
    const pushLine = (bytes: Buffer) => {
      lineNo++;
      if (bytes.length > 0 && (bytes[0] === 0x23 || bytes[0] === 0x3b)) {
        out.push('');
        return;
      }
      try {
        out.push(dec.decode(bytes));
      } catch {
        throw new InputError('line is not valid UTF-8', { file, line: lineNo, col: 1 });
      }
    };
    // bytes.splitlines(): \n, \r\n and \r only
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (b === 0x0a || b === 0x0d) {
        pushLine(data.subarray(start, i));
        if (b === 0x0d && data[i + 1] === 0x0a) i++;
        start = i + 1;
      }
    }
    if (start < data.length) pushLine(data.subarray(start));
    return out;
  }
}

interface Pending {
  state: 'vars' | 'children';
  name: string;
  pos: SourcePos;
  parents: string[];
}

/** A comment in a hosts section that reads like a host line (`# node1 ansible_host=…`). */
const COMMENTED_HOST = /^[#;]+\s*([\w.:[\]-]+)(\s+[\w.]+=\S*|\s*$)/;

export interface IniReadNotes {
  /** The first commented-out host line: an inventory without hosts names it in its error. */
  commentedHost?: Required<SourcePos> & { text: string };
}

export function parseIniInventory(file: string, lines: string[], b: InventoryBuilder): IniReadNotes {
  const notes: IniReadNotes = {};
  const pending = new Map<string, Pending>();
  let groupname = 'ungrouped';
  let state = 'hosts';

  const addPendingChildren = (group: string): void => {
    const decl = pending.get(group)!;
    for (const parent of decl.parents) {
      b.linkChild(parent, group, decl.pos);
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
    pending.delete(group);
  };

  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const afterIndent = raw.replace(LSTRIP, '');
    const indent = raw.length - afterIndent.length;
    const line = afterIndent.replace(RSTRIP, '');
    if (line[0] === '#' || line[0] === ';') {
      const c = state === 'hosts' && !notes.commentedHost ? COMMENTED_HOST.exec(line) : null;
      if (c && (c[2]!.trim() !== '' || /[\d.]/.test(c[1]!))) notes.commentedHost = { file, line: lineNo, col: indent + 1, text: line };
      return;
    }
    if (line === '') return;
    const at = (offset = 0): Required<SourcePos> => ({ file, line: lineNo, col: indent + offset + 1 });

    const m = SECTION.exec(line);
    if (m) {
      groupname = m[1]!;
      state = m[2] ?? 'hosts';
      if (state !== 'hosts' && state !== 'children' && state !== 'vars') {
        throw new InputError(`section [${m[1]}:${m[2]}] has unknown type: ${state} (expected children or vars)`, at(m[1]!.length + 2));
      }
      if (!b.groups.has(groupname)) {
        // [g:vars] alone does not declare g; remember it and complain at the end if nothing does.
        if (state === 'vars' && !pending.has(groupname)) {
          pending.set(groupname, { state: 'vars', name: groupname, pos: at(1), parents: [] });
        }
        b.addGroup(groupname, at(1));
      }
      const p = pending.get(groupname);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(groupname);
        else pending.delete(groupname);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      throw new InputError(
        `invalid section entry '${line}': a section is [name], [name:children] or [name:vars], with no spaces`,
        at(),
      );
    }

    if (state === 'hosts') parseHostLine(line, groupname, at, b);
    else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) throw new InputError(`expected key=value in [${groupname}:vars], got: ${line}`, at());
      const key = line.slice(0, eq).replace(LSTRIP, '').replace(RSTRIP, '');
      const text = line.slice(eq + 1).replace(LSTRIP, '').replace(RSTRIP, '');
      const { value, unhashable } = parseIniValue(text);
      if (unhashable) throw new InputError(`value of '${key}' is not valid: unhashable type '${unhashable}'`, at(eq + 1));
      b.setGroupVar(groupname, key, value, at());
    } else {
      const cm = GROUPNAME.exec(line);
      if (!cm) throw new InputError(`expected a group name in [${groupname}:children], got: ${line}`, at());
      const child = cm[1]!;
      if (!b.groups.has(child)) {
        const p = pending.get(child);
        if (p) p.parents.push(groupname);
        else pending.set(child, { state: 'children', name: child, pos: at(), parents: [groupname] });
      } else {
        b.linkChild(groupname, child, at());
      }
    }
  });

  // Ansible reports only the first unresolved reference.
  for (const decl of pending.values()) {
    if (decl.state === 'vars') {
      throw new InputError(
        `section [${decl.name}:vars] is for undefined group '${decl.name}' (declare it with [${decl.name}] or [${decl.name}:children])`,
        decl.pos,
      );
    }
    throw new InputError(
      `section [${decl.parents[decl.parents.length - 1]}:children] includes undefined group '${decl.name}' (declare it with [${decl.name}], or remove it from the section)`,
      decl.pos,
    );
  }
  return notes;
}

function parseHostLine(
  line: string,
  group: string,
  at: (offset?: number) => Required<SourcePos>,
  b: InventoryBuilder,
): void {
  let tokens;
  try {
    tokens = shlexSplit(line);
  } catch (e) {
    if (e instanceof ShlexError) throw new InputError(`cannot parse host line: ${e.message.toLowerCase()}`, at(e.index));
    throw e;
  }
  if (tokens.length === 0) throw new InputError(`cannot parse host line: ${line}`, at());
  const [first, ...rest] = tokens as [(typeof tokens)[0], ...typeof tokens];
  const pos = at(first.start);
  let names: string[];
  let port: number | undefined;
  try {
    ({ names, port } = expandHostPattern(first.value));
  } catch (e) {
    if (e instanceof HostPatternError) throw new InputError(`invalid host pattern '${first.value}': ${e.message}`, pos);
    throw e;
  }
  if (first.value.replace(RSTRIP, '').endsWith(':') && port === undefined) {
    throw new InputError(`invalid host pattern '${first.value}': a trailing ':' is reserved for a port number`, pos);
  }
  if (names.some((n) => n.replace(LSTRIP, '').replace(RSTRIP, '') === '---')) {
    throw new InputError(`invalid host pattern '${first.value}': '---' is normally a sign this is a YAML file`, pos);
  }
  const vars: Array<[string, unknown]> = [];
  for (const t of rest) {
    const eq = t.value.indexOf('=');
    if (eq < 0) throw new InputError(`expected key=value host variable, got: ${t.value}`, at(t.start));
    const key = t.value.slice(0, eq);
    const { value, unhashable } = parseIniValue(t.value.slice(eq + 1));
    if (unhashable) throw new InputError(`value of '${key}' is not valid: unhashable type '${unhashable}'`, at(t.start));
    const existing = vars.findIndex(([k]) => k === key);
    if (existing >= 0) vars[existing] = [key, value];
    else vars.push([key, value]);
  }
  for (const name of names) {
    b.addHost(name, group, port, pos, names.length > 1 ? first.value : undefined);
    for (const [k, v] of vars) b.setHostVar(name, k, v);
  }
}
