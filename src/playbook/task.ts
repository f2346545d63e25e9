/**
 * One task of a playbook: its keywords, its module and the module's arguments (YAML mapping,
 * `k=v` string or old-style `action:`), each checked at load time at its file:line:col.
 */
import { isMap, isScalar, isSeq, Scalar, type Node as YNode, type YAMLMap } from 'yaml';
import type { SourcePos } from '../errors.js';
import { isTemplated, pyStr } from '../modules/common.js';
import { findModule, moduleOptions, type AnyModule } from '../modules/index.js';
import { parseKv } from './splitArgs.js';
import { validateAtLoad } from './taskArgs.js';
import type { TaskDef } from './types.js';
import { asBool, asConditions, asInt, asString, asStringList, asVarsMap, checkTemplatesIn, pairsOf, type Ctx } from './yamlWalk.js';

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
  // Ansible's, not in crane-fix's subset: say what does the same job here.
  template:
    'template is not supported by crane-fix: write the file with copy and content: (Jinja in it is rendered per host, e.g. content: "nameserver {{ dns_cluster_ip }}\\n"), or edit it in place with lineinfile/replace',
};

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

export function parseTask(c: Ctx, node: unknown, section: 'tasks' | 'handlers' | 'verify' | 'rollback', topics: Set<string> | undefined): TaskDef {
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
