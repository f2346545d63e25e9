/**
 * Secrets never reach output, --json, the journal or the remote process list. Values of
 * vars whose names say they are secret (password, token, secret, passphrase, *_key but not
 * *_key_file) and the become password are collected once per run and masked everywhere
 * text leaves the process.
 */
const SECRET_NAME = /pass(word|wd|phrase)?|token|secret|api_?key|private_key|^ansible_(become|sudo|ssh)_pass/i;
const NOT_SECRET = /_file$|_path$/i;

function walk(v: unknown, name: string, out: Set<string>): void {
  if (typeof v === 'string') {
    if (SECRET_NAME.test(name) && !NOT_SECRET.test(name) && v.length >= 4) out.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) walk(x, name, out);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) walk(x, SECRET_NAME.test(name) ? name : k, out);
  }
}

export function secretValues(varSets: Record<string, unknown>[], ...extra: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const vars of varSets) for (const [k, v] of Object.entries(vars)) walk(v, k, out);
  for (const e of extra) if (e && e.length >= 1) out.add(e);
  // Longest first, so a secret containing another is masked whole.
  return [...out].sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    out = out.split(s).join('********');
    // Also as it appears inside JSON strings.
    const json = JSON.stringify(s).slice(1, -1);
    if (json !== s) out = out.split(json).join('********');
  }
  return out;
}
