/**
 * Match a pasted log against the catalogue's symptoms. A line is attributed only to entries
 * whose own patterns match it; lines that look like errors or warnings and match nothing are
 * reported as unexplained, plain info lines are left alone.
 */
import { catalog } from './index.js';
import type { CatalogEntry, Symptom } from './types.js';
import { normalizeLine } from './normalize.js';

export interface DiagnoseEvidence {
  /** 1-based line number in the input. */
  line: number;
  /** Set when the message was wrapped over two lines: the evidence is `line` and the next one, joined as matched. */
  lastLine?: number;
  /** The line that matched, or the joined pair (the normalised form the signature matched) for a wrapped message. */
  text: string;
  symptomId: string;
}

export interface DiagnoseMatch {
  entryId: string;
  /** distinct symptoms x 1000 + matched lines (capped at 999): more kinds of evidence first, then more lines. */
  score: number;
  evidence: DiagnoseEvidence[];
}

export interface DiagnoseResult {
  matches: DiagnoseMatch[];
  unexplained: { line: number; text: string }[];
}

/** Lines are clipped to this many characters for matching and reporting (keeps regexes cheap). */
const MAX_LINE = 4000;

// Severity markers, tried most specific first; the first one present decides.
const KLOG = /(?:^|\s)([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+\S+:\d+\]/;
const LOGRUS_LEVEL = /\blevel=(\w+)/;
const LOGRUS_SHORT = /^(?:\S.*\s)?(ERRO|WARN|FATA|PANI|INFO|DEBU|TRAC)\[\d+\]/;
const BRACKET_LEVEL = /\[(emerg|alert|crit|error|warn|warning|notice|info|debug)\]/i;
const ANSIBLE = /^(fatal|failed|ok|changed|skipping): \[/;
const KEYWORDS =
  /\b(?:error|failed|failure|fatal|panic|panicked|segfault|out of memory|command not found)\b(?!=0\b)|\bwarn(?:ing)?:/i;

/**
 * Whether a line reads as an error or warning. An explicit severity wins (klog E/F/W, logrus level=,
 * nginx [error], Ansible fatal:), except klog I lines: Go's net/http and many libraries log their
 * errors at info level (e.g. "http: TLS handshake error"), so those still go through the keywords.
 */
export function looksLikeProblem(line: string): boolean {
  const k = KLOG.exec(line);
  if (k) return k[1] !== 'I' || KEYWORDS.test(line);
  const l = LOGRUS_LEVEL.exec(line);
  if (l) return /^(?:error|err|fatal|panic|warning|warn)$/i.test(l[1]!);
  const s = LOGRUS_SHORT.exec(line);
  if (s) return !/^(?:INFO|DEBU|TRAC)$/.test(s[1]!);
  const b = BRACKET_LEVEL.exec(line);
  if (b) return !/^(?:notice|info|debug)$/i.test(b[1]!);
  const a = ANSIBLE.exec(line);
  if (a) return a[1] === 'fatal' || a[1] === 'failed';
  return KEYWORDS.test(line);
}

/** A pattern (a symptom's or its context's) matches the raw line or its normalised form (see normalize.ts). */
function lineMatches(re: RegExp, raw: string, norm: string): boolean {
  return re.test(raw) || re.test(norm);
}

export function diagnose(logText: string, entries: readonly CatalogEntry[] = catalog): DiagnoseResult {
  const found = new Map<string, { order: number; symptoms: Map<string, number>; evidence: DiagnoseEvidence[] }>();
  const unexplained: { line: number; text: string }[] = [];
  const lines = logText.split(/\r?\n|\r/).map((raw) => (raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw.replace(/\s+$/, '')));
  const norms = lines.map((t) => (t.trim() === '' ? '' : normalizeLine(t)));
  const contextSeen = new Map<RegExp, boolean>();
  const inContext = (s: Symptom) => {
    const c = s.context?.pattern;
    if (!c) return true;
    let seen = contextSeen.get(c);
    if (seen === undefined) contextSeen.set(c, (seen = lines.some((l, j) => lineMatches(c, l, norms[j]!))));
    return seen;
  };
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    let explained = false;
    // A paste that wrapped a message: try this line joined with the next (with and without a space). The evidence is
    // then the joined text the signature matched, so it can be checked against it.
    const next = norms[i + 1] ?? '';
    const joined = next ? [`${norms[i]} ${next}`, `${norms[i]}${next}`] : [];
    const match = (symptoms: readonly Symptom[]): { symptom: Symptom; evidence: DiagnoseEvidence } | undefined => {
      const symptom = symptoms.find((s) => lineMatches(s.pattern, text, norms[i]!) && inContext(s));
      if (symptom) return { symptom, evidence: { line: i + 1, text, symptomId: symptom.id } };
      for (const s of symptoms) {
        // the joined text first: most signatures match neither, and then the next line need not be tried
        const pair = joined.find((j) => s.pattern.test(j));
        if (pair && !s.pattern.test(next) && inContext(s)) return { symptom: s, evidence: { line: i + 1, lastLine: i + 2, text: pair, symptomId: s.id } };
      }
      return undefined;
    };
    entries.forEach((entry, order) => {
      const hit = match(entry.symptoms);
      if (!hit) return;
      const { symptom, evidence } = hit;
      explained = true;
      let f = found.get(entry.id);
      if (!f) found.set(entry.id, (f = { order, symptoms: new Map(), evidence: [] }));
      f.symptoms.set(symptom.id, symptom.weight ?? 1);
      f.evidence.push(evidence);
    });
    if (!explained && looksLikeProblem(text)) unexplained.push({ line: i + 1, text });
  });
  const result = [...found.entries()]
    .map(([entryId, f]) => ({
      entryId,
      order: f.order,
      // evidence: the weight of the distinct signatures seen, then how many lines
      score: [...f.symptoms.values()].reduce((a, b) => a + b, 0) * 1000 + Math.min(f.evidence.length, 999),
      evidence: f.evidence,
    }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ entryId, score, evidence }) => ({ entryId, score, evidence }));
  return { matches: result, unexplained };
}
