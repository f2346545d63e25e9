/**
 * Step 3a of the guided session: the entry's vars. Required ones that neither the inventory nor
 * the playbook settles are asked; the others are shown with their defaults and can be changed.
 */
import type { CatalogEntry } from '../catalog/types.js';
import { resolveTarget } from '../engine/targets.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Ctx } from './context.js';
import { mustAsk, typedValue, varRows, type VarRow } from './hosts.js';

function playVarsOf(e: CatalogEntry): Record<string, unknown> {
  try {
    const pb = loadPlaybook(resolveTarget(e.id));
    return Object.assign({}, ...pb.plays.map((p) => p.vars));
  } catch {
    return {}; // the preview reports a missing or broken playbook with its own error
  }
}

async function askOne(ctx: Ctx, row: VarRow, required: boolean): Promise<void> {
  const { t, d, lang } = ctx;
  const value = typedValue(
    await d.prompts.input({
      id: required ? 'varRequiredQ' : 'varQ',
      message: t(required ? 'varRequiredQ' : 'varQ', { name: row.name, description: row.description[lang] }),
      default: ctx.vars.get(row.name) ?? row.current,
      validate: required ? (v) => (typedValue(v) !== '' || /^(""|'')$/.test(v.trim()) ? true : t('varRequiredError')) : undefined,
    }),
  );
  if (required || value !== row.current) ctx.vars.set(row.name, value);
}

/** Required vars not settled by the inventory or the playbook: asked once per entry. */
export async function askRequired(ctx: Ctx, e: CatalogEntry, hosts: string[]): Promise<void> {
  for (const row of varRows(e, ctx.inv, hosts, playVarsOf(e))) {
    if (mustAsk(row) && !ctx.vars.has(row.name)) await askOne(ctx, row, true);
  }
}

export async function askVars(ctx: Ctx, e: CatalogEntry, hosts: string[]): Promise<void> {
  const { t, d, lang, s } = ctx;
  const rows = varRows(e, ctx.inv, hosts, playVarsOf(e));
  if (!rows.length) return;
  d.out(s.bold(t('varsHeader')));
  await askRequired(ctx, e, hosts);
  const optional = rows.filter((r) => !ctx.vars.has(r.name));
  for (const r of rows) {
    if (ctx.vars.has(r.name)) d.out(`  ${r.name} = ${JSON.stringify(ctx.vars.get(r.name))}`);
    else if (r.source === 'inventory') d.out(`  ${t('varFromInventory', { name: r.name, value: r.current! })}`);
    else if (r.current !== undefined) d.out(`  ${t('varDefault', { name: r.name, value: r.current, description: r.description[lang] })}`);
    else d.out(`  ${t('varQ', { name: r.name, description: r.description[lang] })}`);
  }
  if (optional.length && (await d.prompts.confirm({ id: 'varsChangeQ', message: t('varsChangeQ'), default: false }))) {
    for (const r of optional) await askOne(ctx, r, false);
  }
  d.out('');
}
