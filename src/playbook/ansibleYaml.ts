/**
 * YAML with PyYAML's YAML 1.1 scalar resolution (what ansible-playbook reads): `yes`/`no`/`on`/
 * `off` are booleans, `0644` is octal, `09` and `1e3` are strings, `1:20` is 80.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';

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
