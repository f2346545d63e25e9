/**
 * Action-plugin modules that never touch the host: assert, fail, debug, set_fact
 * (ansible-core 2.14 plugins/action/{assert,fail,debug,set_fact}.py).
 * `assert` and `debug var=` read variables from `ctx.vars` (the engine passes them).
 */
import { z } from 'zod';
import { evalCondition, renderString, TemplateError } from '../playbook/template.js';
import { aBool, aInt, defineModule, issue, options, toAnsibleBool } from './common.js';
import type { ModuleDef, ModulePlan, PlanContext } from './types.js';

const msgType = z.unknown().superRefine((v, ctx) => {
  if (typeof v === 'string') return;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a string or a list of strings' });
}) as z.ZodType<string | string[], z.ZodTypeDef, unknown>;

const assertArgs = options(
  {
    that: z.unknown().transform((v, ctx) => {
      const list = Array.isArray(v) ? v : [v];
      const out: (string | boolean)[] = [];
      for (const x of list) {
        if (typeof x === 'string' || typeof x === 'boolean') out.push(x);
        else if (typeof x === 'number') out.push(String(x));
        else {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'that: expected a condition string or a list of them' });
          return z.NEVER;
        }
      }
      return out;
    }),
    fail_msg: msgType.optional(),
    msg: msgType.optional(),
    success_msg: msgType.optional(),
    quiet: aBool().default(false),
  },
  {},
);
type AssertArgs = z.output<typeof assertArgs>;

function needVars(ctx: PlanContext, module: string): Readonly<Record<string, unknown>> {
  if (!ctx.vars) throw new Error(`${module}: the engine must pass vars in the PlanContext`);
  return ctx.vars;
}

export const assertModule: ModuleDef<AssertArgs> = defineModule<AssertArgs>({
  name: 'assert',
  aliases: ['ansible.builtin.assert', 'ansible.legacy.assert'],
  args: assertArgs,
  supportsCheck: true,
  supportsDiff: false,
  reversible: true,
  facts: () => [],
  plan(a, ctx): ModulePlan {
    const vars = needVars(ctx, 'assert');
    const failMsg = a.fail_msg ?? a.msg ?? 'Assertion failed';
    for (const that of a.that) {
      let ok: boolean;
      try {
        ok = evalCondition(that, vars);
      } catch (e) {
        if (e instanceof TemplateError) {
          const msg = e.message;
          return { status: 'failed', msg, ops: [], diffs: [], result: { failed: true, changed: false, msg, assertion: that } };
        }
        throw e;
      }
      if (!ok) {
        const msg = Array.isArray(failMsg) ? failMsg.join('\n') : failMsg;
        return { status: 'failed', msg, ops: [], diffs: [], result: { failed: true, changed: false, evaluated_to: false, assertion: that, msg: failMsg } };
      }
    }
    const success = a.success_msg ?? 'All assertions passed';
    return { status: 'ok', msg: Array.isArray(success) ? success.join('\n') : success, ops: [], diffs: [], result: { changed: false, msg: success } };
  },
});

const failArgs = options({ msg: z.unknown().optional() }, {});
type FailArgs = z.output<typeof failArgs>;

export const failModule: ModuleDef<FailArgs> = defineModule<FailArgs>({
  name: 'fail',
  aliases: ['ansible.builtin.fail', 'ansible.legacy.fail'],
  args: failArgs,
  supportsCheck: true,
  supportsDiff: false,
  reversible: true,
  facts: () => [],
  plan(a): ModulePlan {
    const msg = a.msg === undefined ? 'Failed as requested from task' : a.msg;
    const text = typeof msg === 'string' ? msg : JSON.stringify(msg);
    return { status: 'failed', msg: text, ops: [], diffs: [], result: { failed: true, changed: false, msg } };
  },
});

const debugArgs = options({ msg: z.unknown().optional(), var: z.unknown().optional(), verbosity: aInt().default(0) }, {}, (v, ctx) => {
  if (v.msg !== undefined && v.var !== undefined) issue(ctx, 'var', "'msg' and 'var' are incompatible options");
});
type DebugArgs = z.output<typeof debugArgs>;

export const debugModule: ModuleDef<DebugArgs> = defineModule<DebugArgs>({
  name: 'debug',
  aliases: ['ansible.builtin.debug', 'ansible.legacy.debug'],
  args: debugArgs,
  supportsCheck: true,
  supportsDiff: false,
  reversible: true,
  facts: () => [],
  plan(a, ctx): ModulePlan {
    if (a.verbosity > 0) {
      return { status: 'skipped', msg: 'Verbosity threshold not met.', ops: [], diffs: [], result: { skipped: true, skipped_reason: 'Verbosity threshold not met.', changed: false } };
    }
    if (a.var !== undefined) {
      const vars = needVars(ctx, 'debug');
      let value: unknown;
      const expr = typeof a.var === 'string' ? a.var : undefined;
      try {
        value = expr !== undefined ? renderString(`{{ ${expr} }}`, vars) : a.var;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        value = 'VARIABLE IS NOT DEFINED!';
      }
      const key = expr ?? (Array.isArray(a.var) ? "<class 'list'>" : "<class 'dict'>");
      return { status: 'ok', msg: `${key}: ${JSON.stringify(value)}`, ops: [], diffs: [], result: { changed: false, [key]: value } };
    }
    const msg = a.msg === undefined ? 'Hello world!' : a.msg;
    return { status: 'ok', msg: typeof msg === 'string' ? msg : JSON.stringify(msg), ops: [], diffs: [], result: { changed: false, msg } };
  },
});

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

const setFactArgs = z.preprocess(
  (v) => (v === null || v === undefined ? {} : v),
  z
    .record(z.unknown())
    .superRefine((v, ctx) => {
      const keys = Object.keys(v).filter((k) => k !== 'cacheable');
      if (!keys.length) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'No key/value pairs provided, at least one is required for this action to succeed' });
      for (const k of keys) {
        if (!IDENT.test(k)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [k],
            message: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
          });
        }
      }
      if ('cacheable' in v && toAnsibleBool(v.cacheable) === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['cacheable'], message: 'cacheable must be a boolean' });
    }),
) as z.ZodType<Record<string, unknown>, z.ZodTypeDef, unknown>;

export const setFactModule: ModuleDef<Record<string, unknown>> = defineModule<Record<string, unknown>>({
  name: 'set_fact',
  aliases: ['ansible.builtin.set_fact', 'ansible.legacy.set_fact'],
  args: setFactArgs,
  supportsCheck: true,
  supportsDiff: false,
  reversible: true,
  facts: () => [],
  plan(a): ModulePlan {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) {
      if (k === 'cacheable') continue;
      // non-native Jinja: 'true'/'false'/'yes'/'no' strings become booleans
      facts[k] = typeof v === 'string' && ['true', 'false', 'yes', 'no'].includes(v.toLowerCase()) ? toAnsibleBool(v) : v;
    }
    return { status: 'ok', msg: `set ${Object.keys(facts).join(', ')}`, ops: [], diffs: [], result: facts };
  },
});


