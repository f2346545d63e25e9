import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose, looksLikeProblem } from '../../src/catalog/diagnose.js';
import { catalog, getEntry } from '../../src/catalog/index.js';
import { normalizeLine } from '../../src/catalog/normalize.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'logs');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const NOTES = [
  'notes-coredns.txt', 'notes-apiserver-tls.txt', 'notes-istio-init.txt', 'notes-ipvs.txt', 'notes-kubelet-podsandbox.txt',
  'notes-kubelet-qos-pids.txt', 'notes-kubelet-dns.txt', 'notes-ansible-ctr.txt', 'notes-docker-build.txt',
  'notes-docker-load.txt', 'notes-docker-run.txt',
];

describe("diagnose on the notes' own log blocks", () => {
  it.each([
    // fixture, matches in rank order [entry, evidence lines], unexplained line numbers
    ['notes-coredns.txt', [['resolv-conf-nameserver', [2]]], []],
    ['notes-apiserver-tls.txt', [['apiserver-tls-noise', [1, 2]]], []],
    ['notes-istio-init.txt', [['istio-init-prune', [62, 120, 121]]], [117]], // 121: the implementation.go frame of the panic
    ['notes-ipvs.txt', [['ingressgateway-no-destination', [1]]], []],
    ['notes-kubelet-podsandbox.txt', [['docker-storage-driver', [3]]], [2]],
    ['notes-kubelet-qos-pids.txt', [['kernel-min-version', [3]], ['resolv-conf-trim', [1]]], [2]],
    ['notes-kubelet-dns.txt', [['resolv-conf-trim', [1]]], []],
    ['notes-ansible-ctr.txt', [['ctl-path', [3]]], []],
    ['notes-docker-build.txt', [['kernel-min-version', [2, 5]]], []],
    ['notes-docker-load.txt', [['docker-load-import', [4]]], []],
    ['notes-docker-run.txt', [['drop-caches', [2]]], []],
  ] as [string, [string, number[]][], number[]][])('%s', (name, want, unexplained) => {
    const r = diagnose(fixture(name));
    expect(r.matches.map((m) => [m.entryId, m.evidence.map((e) => e.line)])).toEqual(want);
    expect(r.unexplained.map((u) => u.line)).toEqual(unexplained);
  });

  it('reports the lines it could not explain verbatim', () => {
    const r = diagnose(fixture('notes-istio-init.txt'));
    expect(r.unexplained).toEqual([{ line: 117, text: 'panic: exit status 1' }]);
    const q = diagnose(fixture('notes-kubelet-qos-pids.txt'));
    expect(q.unexplained[0]!.text).toContain('[ContainerManager]: Failed to update QoS cgroup configuration');
  });

  it('quotes evidence with its symptom and exact line', () => {
    const r = diagnose(fixture('notes-docker-build.txt'));
    expect(r.matches[0]!.evidence).toEqual([
      { line: 2, text: expect.stringContaining("getting the final child's pid from pipe"), symptomId: 'runc-child-pid-eof' },
      { line: 5, text: expect.stringMatching(/^Linux ip-10-200-1-206\S* 3\.10\.0-1127/), symptomId: 'uname-old-kernel' },
    ]);
    expect(r.matches[0]!.score).toBe(2002);
  });

  it('ranks all the notes together: distinct symptoms first, harmless noise last', () => {
    const all = NOTES.map(fixture).join('\n');
    const r = diagnose(all);
    const ids = r.matches.map((m) => m.entryId);
    expect(new Set(ids)).toEqual(
      new Set([
        'kernel-min-version', 'istio-init-prune', 'resolv-conf-trim', 'apiserver-tls-noise', 'docker-storage-driver', 'ctl-path',
        'drop-caches', 'resolv-conf-nameserver', 'ingressgateway-no-destination', 'docker-load-import',
      ]),
    );
    // istio-init: iptables-restore + RunOrFail (weight 1 each) + implementation.go frame (weight 2) = 4
    expect(ids[0]).toBe('istio-init-prune');
    expect(r.matches[0]!.score).toBe(4003);
    expect(ids[1]).toBe('kernel-min-version'); // pids + pipe EOF + uname: 3 kinds of evidence
    expect(r.matches[1]!.score).toBe(3003);
    // resolv-conf-trim and apiserver-tls-noise both have 1 symptom on 2 lines: catalogue order decides
    expect(ids.indexOf('resolv-conf-trim')).toBeLessThan(ids.indexOf('apiserver-tls-noise'));
    const scores = r.matches.map((m) => m.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // evidence line numbers point into the joined text
    const lines = all.split('\n');
    for (const m of r.matches) for (const e of m.evidence) if (!e.lastLine) expect(lines[e.line - 1]).toBe(e.text);
  });

  it('gives a message wrapped over two lines as both lines, joined as the signature matched them', () => {
    // fast-check found this pair: the first line alone was given as evidence, which its signature does not match
    const r = diagnose('+ iptables -t nat -N ISTIO_REDIRECT\niptables: Chain already exists.');
    const ev = r.matches.find((m) => m.entryId === 'istio-init-prune')!.evidence;
    const wrapped = ev.find((e) => e.symptomId === 'istio-init-chain-exists')!;
    expect(wrapped).toMatchObject({ line: 1, lastLine: 2, text: '+ iptables -t nat -N ISTIO_REDIRECT iptables: Chain already exists.' });
    expect(ev.filter((e) => e !== wrapped).every((e) => e.lastLine === undefined)).toBe(true);
  });
});

describe('diagnose on an unrelated log', () => {
  const text = fixture('unrelated-boot-nginx.txt');
  const r = diagnose(text);
  const lines = text.split('\n');

  it('matches no catalogue entry (no false positives, near misses included)', () => {
    expect(r.matches).toEqual([]);
  });

  it('reports its errors and warnings as unexplained', () => {
    expect(r.unexplained.map((u) => u.line)).toEqual([3, 11, 12, 13, 14, 15, 19, 21, 22, 23, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37]);
    for (const u of r.unexplained) expect(u.text).toBe(lines[u.line - 1]);
  });

  it('leaves plain info lines alone', () => {
    const flagged = new Set(r.unexplained.map((u) => u.line));
    for (const probe of ['Started Docker', 'Loading containers: done', '[notice]', 'GET /favicon.ico', 'Successfully registered node', 'errors=remount-ro', 'IPVS: Creating netns', 'Linux version 5.10']) {
      const n = lines.findIndex((l) => l.includes(probe)) + 1;
      expect(n, probe).toBeGreaterThan(0);
      expect(flagged.has(n), probe).toBe(false);
    }
  });
});

describe('diagnose mechanics', () => {
  const tls = getEntry('apiserver-tls-noise').symptoms[0]!.example;
  const pids = getEntry('kernel-min-version').symptoms[0]!.example;
  const pipe = getEntry('kernel-min-version').symptoms[1]!.example;
  const limits = getEntry('resolv-conf-trim').symptoms[0]!.example;

  it('ranks more kinds of evidence above more lines of one kind', () => {
    const r = diagnose([tls, tls, tls, tls, tls, pids, pipe].join('\n'));
    expect(r.matches.map((m) => [m.entryId, m.score])).toEqual([
      ['kernel-min-version', 2002],
      ['apiserver-tls-noise', 1005],
    ]);
  });

  it('ranks more lines above fewer when the kinds are equal', () => {
    const r = diagnose([tls, tls, tls, limits].join('\n'));
    expect(r.matches.map((m) => m.entryId)).toEqual(['apiserver-tls-noise', 'resolv-conf-trim']);
  });

  it('breaks ties by catalogue order', () => {
    const order = (id: string) => catalog.findIndex((e) => e.id === id);
    const r = diagnose([limits, pids].join('\n'));
    expect(r.matches[0]!.score).toBe(r.matches[1]!.score);
    const ids = r.matches.map((m) => m.entryId);
    expect([...ids].sort((a, b) => order(a) - order(b))).toEqual(ids);
    expect(diagnose([tls, limits].join('\n')).matches.map((m) => m.entryId)).toEqual(['resolv-conf-trim', 'apiserver-tls-noise']);
  });

  it('sees through markdown quoting: every example quoted with "> " or "> > " names the same entry', () => {
    for (const e of catalog) {
      for (const sym of e.symptoms) {
        const plain = diagnose(sym.example).matches[0]?.entryId;
        for (const q of ['> ', '> > ', '>']) {
          const quoted = sym.example.split('\n').map((l) => q + l).join('\n');
          expect(diagnose(quoted).matches[0]?.entryId, `${e.id}/${sym.id} quoted ${JSON.stringify(q)}`).toBe(plain);
        }
      }
    }
  });

  it('handles CRLF, blank lines, empty input and very long lines', () => {
    expect(diagnose('')).toEqual({ matches: [], unexplained: [] });
    const r = diagnose(`\r\n${pids}\r\n\r\n`);
    expect(r.matches[0]!.evidence[0]).toMatchObject({ line: 2, text: pids });
    const long = diagnose(`error: ${'x'.repeat(200_000)}`);
    expect(long.unexplained).toHaveLength(1);
    expect(long.unexplained[0]!.text.length).toBeLessThanOrEqual(4000);
  });

  it('is fast on a big log', () => {
    const big = Array.from({ length: 20_000 }, (_, i) => (i % 100 === 0 ? pids : `I0101 00:00:00.000000 1 x.go:1] line ${i}`)).join('\n');
    const t = performance.now();
    const r = diagnose(big);
    expect(performance.now() - t).toBeLessThan(3000);
    expect(r.matches[0]!.evidence).toHaveLength(200);
  });

  it('never forces a line: evidence always matches its symptom, unexplained lines match none', () => {
    const examples = catalog.flatMap((e) => e.symptoms.flatMap((s) => (s.context ? [s.example, s.context.example] : [s.example])));
    const line = fc.oneof(
      fc.constantFrom(...examples, 'error: disk full', 'I0101 00:00:00.000000 1 a.go:1] ok', 'W0101 00:00:00.000000 1 a.go:1] hmm', ''),
      fc.string({ maxLength: 80 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (ls) => {
        const r = diagnose(ls.join('\n'));
        for (const m of r.matches) {
          const entry = getEntry(m.entryId);
          for (const ev of m.evidence) {
            const s = entry.symptoms.find((x) => x.id === ev.symptomId)!;
            expect(s.pattern.test(ev.text)).toBe(true);
          }
        }
        // a symptom with a context only counts where some line of the paste matches the context
        const inContext = (c: RegExp) => ls.some((l) => c.test(l) || c.test(normalizeLine(l)));
        for (const u of r.unexplained) {
          expect(catalog.some((e) => e.symptoms.some((s) => s.pattern.test(u.text) && (!s.context || inContext(s.context.pattern))))).toBe(false);
          expect(looksLikeProblem(u.text)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('looksLikeProblem', () => {
  it.each([
    ['E1221 13:01:03.747928  353352 kubelet.go:1845] skipping pod synchronization', true],
    ['F1221 13:01:03.777407  353352 kubelet.go:1383] Failed to start ContainerManager', true],
    ['W1224 10:30:08.150199  350845 qos_container_manager_linux.go:138] [ContainerManager] something', true],
    ['I1221 13:01:03.731043  353352 kubelet_node_status.go:73] Successfully registered node x', false],
    ['I0722 20:27:25.279953       1 log.go:172] http: TLS handshake error from 1.2.3.4:1: EOF', true],
    ['time="2024-01-12T08:14:09Z" level=info msg="skip loading plugin" error="not a btrfs filesystem"', false],
    ['time="2024-01-12T08:14:09Z" level=error msg="x"', true],
    ['WARN[0001] overlay: something', true],
    ['INFO[0001] failed attempts: 0', false],
    ['2024/01/12 08:15:13 [notice] 712#712: signal process started', false],
    ['2024/01/12 08:15:10 [error] 712#712: *1 connect() failed', true],
    ['fatal: [192.168.6.96]: FAILED! => {"rc": 1}', true],
    ['ok: [192.168.6.96]', false],
    ['PLAY RECAP: 192.168.6.96 : ok=3 changed=0 unreachable=0 failed=0', false],
    ['EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: errors=remount-ro', false],
    ['panic: exit status 1', true],
    ['Something went wrong: Error: ENOENT', true],
    ['plain information', false],
  ])('%s -> %s', (line, want) => {
    expect(looksLikeProblem(line)).toBe(want);
  });
});
