/**
 * Playbook loader: Ansible playbook YAML -> Playbook, validated before any host is
 * contacted. Every problem is an InputError (exit 1) at the exact file:line:col of the
 * offending key or value.
 *
 * YAML is read with PyYAML's YAML 1.1 rules (what ansible-playbook uses): `yes`/`no`/`on`/
 * `off` are booleans, `0644` is octal, `09` and `1e3` are strings, `1:20` is 80.
 * Unlike Ansible, duplicate keys are an error (Ansible warns and keeps the last one).
 */
import { readInputText } from '../readInput.js';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node as YNode } from 'yaml';
import { InputError } from '../errors.js';
import { parseAnsibleYaml } from './ansibleYaml.js';
import { parseTask } from './task.js';
import type { PlayDef, Playbook, TaskDef } from './types.js';
import { asBool, asString, asStringList, asVarsMap, checkTags, Ctx, pairsOf } from './yamlWalk.js';

export const MAX_PLAYBOOK_BYTES = 10 * 1024 * 1024;

const PLAY_KEYWORDS = new Set(['name', 'hosts', 'vars', 'vars_files', 'serial', 'max_fail_percentage', 'become', 'become_user', 'gather_facts', 'tasks', 'handlers', 'verify', 'rollback', 'tags']);
const UNSUPPORTED_PLAY_KEYWORDS = new Set([
  'roles', 'pre_tasks', 'post_tasks', 'vars_prompt', 'environment', 'connection', 'remote_user', 'strategy', 'any_errors_fatal', 'ignore_errors',
  'ignore_unreachable', 'collections', 'module_defaults', 'force_handlers', 'order', 'run_once', 'throttle', 'check_mode', 'diff', 'no_log', 'port',
  'become_method', 'become_flags', 'become_exe', 'debugger', 'fact_path', 'gather_subset', 'gather_timeout', 'timeout', 'max_fail', 'include', 'import_playbook',
]);
// ---------------------------------------------------------------------------
// Reading the file

export function loadPlaybook(path: string): Playbook {
  const text = readInputText(path, { what: 'playbook', maxBytes: MAX_PLAYBOOK_BYTES });
  return parsePlaybook(text, path);
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
