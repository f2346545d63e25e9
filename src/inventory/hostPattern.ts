/**
 * Ansible's host-identifier rules (ansible/parsing/utils/addresses.py and
 * ansible/plugins/inventory/__init__.py), ported literally because they decide two
 * observable things: whether `name:NN` is a port suffix, and how `[x:y(:step)]` ranges
 * expand. The regexes keep Python's quirks (e.g. the IPv6 pattern only anchors its first
 * and last alternatives), since a "cleaner" version would disagree with ansible-inventory.
 */

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_C = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_C = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
// Python's \w with re.UNICODE: letters, numbers and underscore.
const W = String.raw`[\p{L}\p{N}_]`;
const LABEL = String.raw`(?:${W}|${ALNUM_RANGE})(?:${W}|[_-]|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/s;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/s;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_C}\.){3}${IPV4_C}$`, 'i');
const IPV6 = new RegExp(
  '^(?:' +
    [
      String.raw`(?:${IPV6_C}:){7}${IPV6_C}`,
      String.raw`(?:${IPV6_C}:){1,6}:`,
      String.raw`(?:${IPV6_C}:)(?::${IPV6_C}){1,6}`,
      String.raw`(?:${IPV6_C}:){2}(?::${IPV6_C}){1,5}`,
      String.raw`(?:${IPV6_C}:){3}(?::${IPV6_C}){1,4}`,
      String.raw`(?:${IPV6_C}:){4}(?::${IPV6_C}){1,3}`,
      String.raw`(?:${IPV6_C}:){5}(?::${IPV6_C}){1,2}`,
      String.raw`(?:${IPV6_C}:){6}(?::${IPV6_C})`,
      String.raw`:(?::${IPV6_C}){1,6}`,
      String.raw`${IPV6_C}?::`,
      String.raw`(?:0:){6}(?:${IPV6_C}\.){3}${IPV6_C}`,
      String.raw`::(?:ffff:)?(?:${IPV6_C}\.){3}${IPV6_C}`,
      // Only this last alternative carries the `$` in Ansible's pattern.
      String.raw`(?:0:){5}ffff:(?:${IPV6_C}\.){3}${IPV6_C}$`,
    ].join('|') +
    ')',
  'iu',
);
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');
/**
 * A plain ASCII name (`node01`, `web-1.example.com`, `10.0.0.1`): every string this matches
 * HOSTNAME matches too, with no port to split. Tried first because the Unicode IPv6 and
 * hostname patterns cost milliseconds to compile on first use, in every run, before the
 * first connection — and inventories are almost always plain names.
 */
const PLAIN_ASCII_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*$/;

/** Raised for inputs Ansible rejects; callers attach the file position. */
export class HostPatternError extends Error {}

/**
 * `parse_address(address, allow_ranges=True)`: splits an optional `:port` and checks the
 * rest is an IPv4/IPv6 address or hostname (ranges allowed). Throws if it is neither.
 */
export function parseAddress(address: string): { host: string; port: number | undefined } {
  if (PLAIN_ASCII_NAME.test(address)) return { host: address, port: undefined };
  let port: number | undefined;
  let rest = address;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(rest);
    if (m) {
      rest = m[1]!;
      port = Number(m[2]!);
    }
  }
  if (!(IPV4.test(rest) || IPV6.test(rest) || HOSTNAME.test(rest))) {
    throw new HostPatternError(`Not a valid network hostname: ${rest}`);
  }
  return { host: rest, port };
}

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Python int() on a str: optional sign, digits with single underscores, outer whitespace. */
export function pyInt(s: string): number {
  const t = s.trim();
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(t)) throw new HostPatternError(`invalid literal for int() with base 10: '${s}'`);
  return Number(t.replace(/_/g, ''));
}

function zfill(s: string, width: number): string {
  const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
  const body = sign ? s.slice(1) : s;
  return sign + body.padStart(width - sign.length, '0');
}

/**
 * A hard cap on how many names one pattern may expand to: `node[1:99999999]` is almost
 * certainly a typo, and Ansible would try to allocate all of it.
 */
export const MAX_RANGE_EXPANSION = 100_000;

/** `expand_hostname_range`: expands the first `[...]` then recurses on the rest. */
export function expandHostnameRange(line: string, budget = { left: MAX_RANGE_EXPANSION }): string[] {
  const parts = line.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3) throw new HostPatternError(`invalid host range in '${line}'`);
  const [head, nrange, tail] = parts as [string, string, string];
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostPatternError('host range must be begin:end or begin:end:step');
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const stepText = bounds.length === 3 ? bounds[2]! : '1';
  if (!end) throw new HostPatternError('host range must specify end value');
  let fill = (x: string) => x;
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new HostPatternError('host range must specify equal-length begin and end formats');
    fill = (x) => zfill(x, beg.length);
  }
  let seq: string[];
  const iBeg = ASCII_LETTERS.indexOf(beg);
  const iEnd = ASCII_LETTERS.indexOf(end);
  let alpha = iBeg >= 0 && iEnd >= 0;
  let step = 0;
  if (alpha) {
    if (iBeg > iEnd) throw new HostPatternError('host range must have begin <= end');
    try {
      step = pyInt(stepText);
    } catch {
      alpha = false; // Python falls through to the numeric branch on ValueError
    }
    if (step === 0) alpha = false; // "slice step cannot be zero" is a ValueError too
  }
  if (alpha) {
    seq = [];
    // Python slicing [iBeg:iEnd+1:step]; a negative step over an ascending slice is empty.
    if (step > 0) for (let i = iBeg; i <= iEnd; i += step) seq.push(ASCII_LETTERS[i]!);
  } else {
    const b = pyInt(beg);
    const e = pyInt(end) + 1;
    const st = pyInt(stepText);
    if (st === 0) throw new HostPatternError('range() arg 3 must not be zero');
    const count = st > 0 ? Math.max(0, Math.ceil((e - b) / st)) : Math.max(0, Math.ceil((b - e) / -st));
    if (count > budget.left) throw new HostPatternError(`host range expands to more than ${MAX_RANGE_EXPANSION} names`);
    seq = [];
    for (let k = 0; k < count; k++) seq.push(String(b + k * st));
  }
  const out: string[] = [];
  for (const r of seq) {
    const name = head + fill(r) + tail;
    if (name.includes('[')) out.push(...expandHostnameRange(name, budget));
    else {
      if (--budget.left < 0) throw new HostPatternError(`host range expands to more than ${MAX_RANGE_EXPANSION} names`);
      out.push(name);
    }
  }
  return out;
}

/**
 * `_expand_hostpattern`: a host key/token -> (names, port). When the token is not a valid
 * address Ansible uses it verbatim with no port (so `web_:22` is a host named `web_:22`).
 */
export function expandHostPattern(pattern: string): { names: string[]; port: number | undefined } {
  let base = pattern;
  let port: number | undefined;
  try {
    ({ host: base, port } = parseAddress(pattern));
  } catch {
    base = pattern;
    port = undefined;
  }
  const names = base.includes('[') ? expandHostnameRange(base) : [base];
  return { names, port };
}
