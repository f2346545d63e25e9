/**
 * Test helpers: build log lines the way the programs print them, so a signature is tested against
 * the program's own format string rather than one pasted line. `fmt` fills a Go/C/Java format
 * string; the wrappers add the header or envelope each logger or collector puts around a message.
 */

/** One wording of a signature, built from its program's format string (diagnose-cases-*.ts). */
export interface SourceCase {
  entry: string;
  symptom: string;
  /** https://github.com/<repo>/blob/<tag>/<path> (or the project's own git web) where the format string is. */
  from: string;
  line: string;
}

/** A line a signature's program prints for another failure: it must name no entry (diagnose-sources.test.ts). */
export interface OtherFailure {
  why: string;
  line: string;
}

/**
 * Fills a format string: Go/C verbs (%s %v %d %u %q %x %m, %%) in order, Java MessageFormat {0}.
 * %q quotes as Go's strconv.Quote does for plain ASCII (" and \ escaped).
 */
export function fmt(format: string, ...args: (string | number)[]): string {
  let i = 0;
  const next = () => {
    if (i >= args.length) throw new Error(`format ${JSON.stringify(format)} needs more than ${args.length} values`);
    return String(args[i++]);
  };
  const out = format
    .replace(/%(?:#)?[-+ 0-9.]*([svduqxm%])/g, (_, verb: string) => {
      if (verb === '%') return '%';
      if (verb === 'q') return JSON.stringify(next());
      return next();
    })
    .replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n)]));
  if (!/\{\d+\}/.test(format) && i !== args.length) throw new Error(`format ${JSON.stringify(format)} used ${i} of ${args.length} values`);
  return out;
}

/** klog's text header (k8s.io/klog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg). */
export function klog(level: 'I' | 'W' | 'E' | 'F', file: string, msg: string): string {
  return `${level}1224 11:13:31.677889    3680 ${file}] ${msg}`;
}

/** klog structured (InfoS/ErrorS, k8s >= 1.20): the message and string values quoted with strconv.Quote. */
export function klogS(level: 'I' | 'W' | 'E' | 'F', file: string, msg: string, kv: Record<string, string>): string {
  const pairs = Object.entries(kv).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return klog(level, file, [JSON.stringify(msg), ...pairs].join(' '));
}

/** A journald/syslog line (journalctl's default short format). */
export function journald(unit: string, line: string): string {
  return `Dec 24 11:13:31 node-1 ${unit}[3680]: ${line}`;
}

/** docker's json-file log driver: one JSON object per line, the text in "log". */
export function dockerJson(line: string): string {
  return JSON.stringify({ log: `${line}\n`, stream: 'stderr', time: '2020-12-24T11:13:31.677889Z' });
}

/** logrus text format as dockerd/containerd print it (time="..." level=... msg="..." key="..."). */
export function logrus(level: string, msg: string, kv: Record<string, string> = {}): string {
  const pairs = Object.entries(kv).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return [`time="2020-12-24T11:13:31.677889000+08:00"`, `level=${level}`, `msg=${JSON.stringify(msg)}`, ...pairs].join(' ');
}

/** The kernel ring buffer as `dmesg` prints it, and as `dmesg -T` prints it. */
export function dmesg(line: string, human = false): string {
  return human ? `[Thu Dec 24 11:13:31 2020] ${line}` : `[ 2926.286380] ${line}`;
}

/**
 * An Ansible task failure as the default callback prints it: Python's json.dumps(sort_keys=True), whose
 * separators are ", " and ": " (flat results only).
 */
export function ansibleFailed(host: string, result: Record<string, string | number | boolean>): string {
  const body = Object.keys(result)
    .sort()
    .map((k) => `${JSON.stringify(k)}: ${JSON.stringify(result[k])}`)
    .join(', ');
  return `fatal: [${host}]: FAILED! => {${body}}`;
}
