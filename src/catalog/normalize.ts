/**
 * What varies between two pastes of the same log line, taken out before signatures are matched:
 * what the paste itself added (terminal colour, stern's coloured pod/container names, GitHub quote
 * markers and line numbers, HTML entities, smart quotes, non-breaking and zero-width spaces), the
 * wrapper a log collector or tool put around the line (docker json-file, journald JSON, klog/zap
 * JSON, kubectl events as yaml/json/describe tables, Loki labels), escaping added each time a
 * message is embedded in another (\" \\\" \n), the headers of journald/syslog (RFC 3164 and 5424),
 * klog, dmesg, CRI container logs and ISO timestamps, and the addresses, hashes and generated pod
 * names that differ on every machine.
 *
 * Signatures are written against the result; the original line is still what diagnose reports.
 * Every step is one linear scan of the line: diagnose runs this on every line of a paste.
 */

// stern's default template colours the pod and the container name ("{{color .PodColor .PodName}}
// {{color .ContainerColor .ContainerName}} {{.Message}}", stern/stern cmd/cmd.go): coloured words
// at the start of a line are that prefix. Taken before the colour codes themselves go.
const COLOURED_PREFIX = /^(?:\x1b\[[0-9;]*m[^\x1b\s]+\x1b\[0m\s+){1,3}/;

// One pass over the characters a paste changes: ANSI escapes, CR, HTML entities (GitHub issue
// pages copied as text, e-mail), typographic quotes (word processors, chat), NBSP, zero-width and
// other control characters (a bell or a stray escape in a journald MESSAGE byte array).
const PASTE_CHARS = /\x1b\[[0-9;?]*[ -/]*[@-~]|\r|&(?:quot|lt|gt|amp|apos|nbsp|#39|#x27);|[\u2018\u2019\u201a\u201b\u2032]|[\u201c\u201d\u201e\u201f\u2033]|[\u00a0\u2007\u202f]|[\u200b-\u200d\u2060\ufeff]|[\x00-\x08\x0b-\x1f\x7f]/g;
const PASTE_TO: Record<string, string> = {
  '&quot;': '"', '&lt;': '<', '&gt;': '>', '&amp;': '&', '&apos;': "'", '&nbsp;': ' ', '&#39;': "'", '&#x27;': "'",
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
  '\u00a0': ' ', '\u2007': ' ', '\u202f': ' ',
};
const pasteChar = (c: string) => PASTE_TO[c] ?? (c.length === 1 && c < ' ' && c !== '\r' ? ' ' : '');

// Fields of a zap/klog/logrus JSON line that are envelope, not evidence (klog --logging-format=json:
// ts, caller, v; zap: level, logger, stacktrace; Istio: scope; logrus: time, level).
const JSON_ENVELOPE = new Set(['ts', 'time', 'timestamp', '@timestamp', 'caller', 'v', 'level', 'lvl', 'severity', 'logger', 'scope', 'stacktrace']);

// One line of `kubectl get events -o json` / `-o yaml` and the Message: line of `kubectl describe`.
const JSON_MESSAGE_FIELD = /^\s*"message":\s*("(?:[^"\\]|\\.)*")\s*,?\s*$/;
const YAML_MESSAGE_FIELD = /^\s*(?:-\s+)?message:[ \t]*/;
const DESCRIBE_MESSAGE = /^\s*Message:[ \t]+/;

// Headers, tried at the start of the line again and again (a journald line often carries a klog header).
const PREFIXES: RegExp[] = [
  // RFC 5424 syslog: "<165>1 2003-10-11T22:14:15.003Z host app procid msgid [sd-id k="v"] msg" (nil values are "-";
  // the BOM before the message went with the zero-width characters)
  /^<\d{1,3}>\d{1,2} \S+ \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\])+)(?: |$)/,
  // journald / RFC 3164 syslog: "<34>Dec 21 13:01:03 host unit[pid]: ", also zh_CN months ("1月 29 13:22:53 ...")
  /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2}|\d{1,2}月)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\S+\s+[^\s:[]+(?:\[\d+\])?:\s*/,
  // journalctl -o short-full: "Thu 2020-12-24 11:13:31 CST host unit[pid]: "
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+ \S+ [^\s:[]+(?:\[\d+\])?:\s*/,
  // journalctl -o short-precise cut at the time: "15:16:15 node3 kubelet[14756]: "
  /^\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+\S+\s+[^\s:[]+\[\d+\]:\s*/,
  // klog: "E0612 10:11:12.345678 1234 file.go:12] " (the time or pid are sometimes lost in a paste)
  /^[IWEF]\d{4}(?:\s+\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?:\s+\d+)?\s+[\w.-]+:\d+\]\s*/,
  // journalctl -o short-monotonic "[  123.456789] host unit[pid]: " (before dmesg: same opening), and the kernel's "host kernel: "
  /^\[\s*\d+\.\d+\]\s+\S+\s+(?:kernel|[^\s:[]+\[\d+\]):\s*/,
  // dmesg "[ 2926.286380] ", dmesg -T "[Thu Dec 24 11:13:31 2020] ", dmesg -x "kern  :warn  : "
  /^\[\s*\d+\.\d+\]\s*/,
  /^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}\]\s*/,
  /^(?:kern|user|daemon|syslog)\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*: /,
  // journalctl -o short-iso / short-iso-precise: "2020-12-24T11:13:31+0800 node-1 kubelet[3680]: "
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\s+\S+\s+[^\s:[]+\[\d+\]:\s*/,
  // ISO timestamps: "2020-03-27 19:14:31.614+0000 ", kubectl logs --timestamps and docker logs -t (RFC3339Nano,
  // "2021-09-10T14:24:11.123456789Z "), Loki/Grafana exports (tab after the time), and the CRI container log
  // format containerd and CRI-O write under /var/log/pods ("2021-09-10T14:24:11.123456789Z stderr F ")
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s+(?:(?:stdout|stderr) [FP] )?/,
  // Loki's stream labels after the time (logcli query: '2018-06-25T12:52:09Z {instance="consul-x"} msg')
  /^\{[\w.]+="(?:[^"\\]|\\.)*"(?:,\s*[\w.]+="(?:[^"\\]|\\.)*")*\}\s+/,
  // logrus text without time: "WARN[0001] "
  /^(?:ERRO|WARN|INFO|DEBU|FATA|PANI|TRAC)\[\d+\]\s*/,
  // kubectl logs --prefix / stern: "[kube-apiserver-nuc02] ", "[pod/istio-init-x/istio-init] "
  /^\[[\w.:/-]+\]\s+/,
  // kubectl describe's Events table (Type Reason Age From Message): "Warning  FailedMount  2m (x3 over 5m)  kubelet, node-1  "
  /^(?:Normal|Warning)\s+\w+\s+(?:<unknown>|<invalid>|\d[\dsmhdy]*(?:\s+\(x\d+ over \d[\dsmhdy]*\))?)\s+[^\s,]+(?:,\s*\S+)?\s+/,
  // kubectl get events (NAMESPACE? LAST SEEN TYPE REASON OBJECT MESSAGE): "2m  Warning  FailedMount  pod/web-0  "
  /^(?:[a-z0-9-]+\s+)?(?:<unknown>|<invalid>|\d[\dsmhdy]*)\s+(?:Normal|Warning)\s+\w+\s+[^\s/]+\/\S+\s+/,
  // markdown / e-mail quoting: "> " (a GitHub reply quoting an earlier paste), and line numbers "12 | "
  /^(?:>[ \t]?)+/,
  /^\s*\d{1,6} ?\| /,
];

const REPLACEMENTS: [RegExp, string][] = [
  // sha256 digests and container ids, then UUIDs
  [/\b(?:sha256:)?[0-9a-f]{64}\b/g, '<hash>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // IPv4 with an optional port
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '<ip>'],
  // generated pod names: <deployment>-<replicaset hash>-<5 chars>
  [/\b([a-z0-9]+(?:-[a-z0-9]+)*)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-<pod>'],
];

/** A JSON value as klog's text format prints it after key= (an ObjectRef {name, namespace} as "namespace/name"). */
function kvValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  const r = v as Record<string, unknown>;
  if (typeof r.name === 'string' && Object.keys(r).every((k) => k === 'name' || k === 'namespace')) {
    return typeof r.namespace === 'string' && r.namespace ? `${r.namespace}/${r.name}` : r.name;
  }
  return JSON.stringify(v);
}

/**
 * The text of a JSON log line, or undefined when the line is not a JSON object. journald -o json:
 * MESSAGE, which journalctl prints as an array of bytes when it is not printable UTF-8 (systemd
 * src/shared/logs-show.c); docker json-file: "log"; klog/zap/logrus JSON: "msg" and the other fields
 * as klog's text form prints them ("msg" key="value"), so one signature fits both.
 */
function jsonText(line: string): string | undefined {
  const t = line.trim();
  if (!(t.startsWith('{') && t.endsWith('}'))) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const m = o.MESSAGE;
  if (typeof m === 'string') return m;
  if (Array.isArray(m) && m.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Buffer.from(m as number[]).toString('utf8');
  if (typeof o.log === 'string') return jsonText(o.log) ?? o.log;
  const msgKey = ['msg', 'message'].find((k) => typeof o[k] === 'string');
  const pairs: string[] = [];
  for (const [k, val] of Object.entries(o)) {
    if (k === msgKey || JSON_ENVELOPE.has(k)) continue;
    const s = kvValue(val);
    if (s !== undefined && s !== '') pairs.push(`${k}="${s}"`);
  }
  // an object with neither a message nor an error is data, not a log line: left as it is
  if (msgKey === undefined) return typeof (o.err ?? o.error) === 'string' ? pairs.join(' ') : undefined;
  const msg = o[msgKey] as string;
  return pairs.length ? `"${msg}" ${pairs.join(' ')}` : msg;
}

/** The message of an event as kubectl prints it: -o json's "message": "...", -o yaml's message:, describe's Message:. */
function eventMessage(line: string): string | undefined {
  const j = JSON_MESSAGE_FIELD.exec(line);
  if (j) {
    try {
      return JSON.parse(j[1]!) as string;
    } catch {
      return undefined;
    }
  }
  const y = YAML_MESSAGE_FIELD.exec(line) ?? DESCRIBE_MESSAGE.exec(line);
  if (!y) return undefined;
  const v = line.slice(y[0].length).trimEnd();
  // a folded or literal block (">-", "|"): the message is on the lines that follow
  if (/^[>|][-+]?$/.test(v)) return '';
  if (v.length > 1 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  if (v.length > 1 && v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v.slice(1, -1);
    }
  }
  return v;
}

/** Undo the escaping a message gains each time it is quoted inside another (JSON, logrus, Go %q). */
export function unescapeNested(s: string): string {
  return s.replace(/\\+(["'])/g, '$1').replace(/\\+[nrt]/g, ' ');
}

export function stripPrefixes(s: string): string {
  let out = s;
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of PREFIXES) {
      const m = p.exec(out);
      if (m && m[0].length) {
        out = out.slice(m[0].length);
        changed = true;
      }
    }
  }
  return out;
}

/** One line as signatures see it. */
export function normalizeLine(raw: string): string {
  let s = raw.replace(COLOURED_PREFIX, '').replace(PASTE_CHARS, pasteChar);
  // the text inside a JSON envelope may carry its own colour codes or control bytes
  const inner = jsonText(s) ?? eventMessage(s);
  if (inner !== undefined) s = inner.replace(PASTE_CHARS, pasteChar);
  s = unescapeNested(s);
  s = stripPrefixes(s.trimStart());
  for (const [re, to] of REPLACEMENTS) s = s.replace(re, to);
  s = s.replace(/\s+/g, ' ').trim();
  // a shell line wrapped with a trailing backslash (an endsWith test: a regex for it is quadratic on long blank runs)
  if (s.endsWith(' \\')) s = s.slice(0, -2);
  return s;
}
