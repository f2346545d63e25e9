import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { splitKey, textForm, yamlEditModule } from '../../src/modules/yamlEdit.js';
import { sha256, unifiedDiff } from '../../src/modules/virtualFs.js';
import { run, runTwice } from './modules-helpers.js';

const KUBELET = `# kubelet config — managed by kubeadm
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false   # keep this
  webhook:
    cacheTTL: 0s
evictionHard:
  imagefs.available: 15%
  memory.available: "100Mi"
featureGates: {RotateKubeletServerCertificate: true}
cgroupDriver: systemd
tlsCipherSuites:
- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
`;
const P = '/var/lib/kubelet/config.yaml';
const newText = (plan: { ops: unknown[] }) => (plan.ops[0] as { content: string }).content;

describe('yaml_edit', () => {
  it('replaces one scalar in place, keeping comments, quotes style elsewhere and layout', () => {
    const { plan } = run(yamlEditModule, { path: P, key: 'evictionHard.memory\\.available', value: '500Mi' }, { [P]: KUBELET });
    expect(plan.status).toBe('changed');
    expect(newText(plan)).toBe(KUBELET.replace('memory.available: "100Mi"', 'memory.available: 500Mi'));
    expect(plan.ops[0]).toMatchObject({ op: 'write', path: P, expectSha256: sha256(KUBELET) });
    expect(unifiedDiff(plan.diffs[0]!)).toContain('-  memory.available: "100Mi"\n+  memory.available: 500Mi\n');
  });

  it('keeps a trailing comment on the edited line', () => {
    const { plan } = run(yamlEditModule, { path: P, key: 'authentication.anonymous.enabled', value: true }, { [P]: KUBELET });
    expect(newText(plan)).toBe(KUBELET.replace('enabled: false   # keep this', 'enabled: true   # keep this'));
  });

  it('ok when the value is already equal (type-aware)', () => {
    expect(run(yamlEditModule, { path: P, key: 'cgroupDriver', value: 'systemd' }, { [P]: KUBELET }).plan).toMatchObject({ status: 'ok', ops: [] });
    expect(run(yamlEditModule, { path: P, key: 'authentication.anonymous.enabled', value: false }, { [P]: KUBELET }).plan.status).toBe('ok');
    expect(run(yamlEditModule, { path: P, key: 'authentication.anonymous.enabled', value: 'false' }, { [P]: KUBELET }).plan.status).toBe('changed');
  });

  it('adds missing keys (and parents) after the parent map\'s last entry, same indentation', () => {
    const { plan } = run(yamlEditModule, { path: P, key: 'authentication.x509.clientCAFile', value: '/etc/kubernetes/pki/ca.crt' }, { [P]: KUBELET });
    expect(newText(plan)).toBe(KUBELET.replace('    cacheTTL: 0s\n', '    cacheTTL: 0s\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n'));
    const top = run(yamlEditModule, { path: P, key: 'maxPods', value: 250 }, { [P]: KUBELET }).plan;
    expect(newText(top)).toBe(KUBELET + 'maxPods: 250\n');
  });

  it('quotes strings a YAML 1.1 reader would misread', () => {
    const { plan } = run(yamlEditModule, { path: P, key: 'cgroupDriver', value: 'yes' }, { [P]: KUBELET });
    expect(newText(plan)).toContain('cgroupDriver: "yes"\n');
    expect(newText(run(yamlEditModule, { path: P, key: 'mode', value: '0644' }, { [P]: KUBELET }).plan)).toContain('mode: "0644"\n');
  });

  it('removes a key (state=absent) and is ok when already absent', () => {
    const { plan } = run(yamlEditModule, { path: P, key: 'evictionHard.imagefs\\.available', state: 'absent' }, { [P]: KUBELET });
    expect(newText(plan)).toBe(KUBELET.replace('  imagefs.available: 15%\n', ''));
    expect(run(yamlEditModule, { path: P, key: 'nope.nope', state: 'absent' }, { [P]: KUBELET }).plan).toMatchObject({ status: 'ok', ops: [] });
  });

  it('flow maps and sequences fall back to the Document API, still verified', () => {
    const a = run(yamlEditModule, { path: P, key: 'featureGates.CSIMigration', value: false }, { [P]: KUBELET }).plan;
    const data = YAML.parse(newText(a));
    expect(data.featureGates).toEqual({ RotateKubeletServerCertificate: true, CSIMigration: false });
    expect(newText(a)).toContain('# kubelet config — managed by kubeadm');
    expect(newText(a)).toContain('enabled: false # keep this');
    const b = run(yamlEditModule, { path: P, key: 'tlsCipherSuites.0', value: 'TLS_AES_128_GCM_SHA256' }, { [P]: KUBELET }).plan;
    expect(YAML.parse(newText(b)).tlsCipherSuites).toEqual(['TLS_AES_128_GCM_SHA256']);
  });

  it('collections as values', () => {
    const { plan } = run(yamlEditModule, { path: P, key: 'systemReserved', value: { cpu: '500m', memory: '1Gi' } }, { [P]: KUBELET });
    expect(newText(plan)).toBe(KUBELET + 'systemReserved:\n  cpu: 500m\n  memory: 1Gi\n');
  });

  it('missing file: fails, or creates with create=yes', () => {
    expect(run(yamlEditModule, { path: '/x.yaml', key: 'a', value: 1 }, {}).plan).toMatchObject({ status: 'failed', msg: 'Path /x.yaml does not exist !' });
    const { plan } = run(yamlEditModule, { path: '/x.yaml', key: 'a.b', value: 1, create: true, mode: '0600' }, {});
    expect(plan.ops).toEqual([{ op: 'write', path: '/x.yaml', content: 'a:\n  b: 1\n', expectSha256: null, mode: 0o600 }]);
  });

  it('refuses invalid YAML, multi-document files and descending into scalars', () => {
    expect(run(yamlEditModule, { path: P, key: 'a', value: 1 }, { [P]: 'a: [1\n' }).plan.status).toBe('failed');
    expect(run(yamlEditModule, { path: P, key: 'a', value: 1 }, { [P]: 'a: 1\n---\nb: 2\n' }).plan.msg).toMatch(/multi-document/);
    expect(run(yamlEditModule, { path: P, key: 'kind.x', value: 1 }, { [P]: KUBELET }).plan.msg).toMatch(/scalar/);
  });

  it('splitKey', () => {
    expect(splitKey('a.b\\.c.d')).toEqual(['a', 'b.c', 'd']);
    expect(yamlEditModule.args.safeParse({ path: '/x', key: 'a..b', value: 1 }).success).toBe(false);
    expect(yamlEditModule.args.safeParse({ path: '/x', key: 'a' }).success).toBe(false);
    expect(yamlEditModule.args.safeParse({ path: '/x', key: 'a', value: null }).success).toBe(true);
  });

  it('idempotent, deterministic, and never changes data outside the key (property)', () => {
    const key = fc.constantFrom('cgroupDriver', 'evictionHard.memory\\.available', 'authentication.webhook.cacheTTL', 'new.deep.key', 'featureGates.X', 'maxPods', 'tlsCipherSuites');
    const value = fc.oneof(fc.constantFrom('yes', '0755', 'a b', '', 'x: y', '#x', '- z'), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.constantFrom('a', 'b'), fc.integer()), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }));
    fc.assert(
      fc.property(key, value, fc.constantFrom('present', 'absent'), (k, v, state) => {
        const raw = { path: P, key: k, value: v, state };
        const { first, second, after } = runTwice(yamlEditModule, raw, { [P]: KUBELET });
        expect(first.plan.status).not.toBe('failed');
        expect(second.plan.ops).toEqual([]);
        expect(second.plan.status).toBe('ok');
        expect(run(yamlEditModule, raw, { [P]: KUBELET }).plan).toEqual(first.plan);
        // the data changed exactly at the key, nowhere else
        const expected = structuredClone(YAML.parse(KUBELET)) as Record<string, unknown>;
        const segs = splitKey(k);
        let cur: Record<string, unknown> = expected;
        let reachable = true;
        for (const sgm of segs.slice(0, -1)) {
          if (cur[sgm] === undefined && state === 'present') cur[sgm] = {};
          if (typeof cur[sgm] !== 'object' || cur[sgm] === null) {
            reachable = false;
            break;
          }
          cur = cur[sgm] as Record<string, unknown>;
        }
        if (reachable) {
          if (state === 'present') cur[segs[segs.length - 1]!] = v;
          else delete cur[segs[segs.length - 1]!];
        }
        expect(YAML.parse(after.get(P)!.content!)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  describe('CRLF and BOM files keep their form (issue 19 part 4)', () => {
    const crlf = (t: string) => t.replace(/\n/g, '\r\n');
    const KP = 'kind: KubeProxyConfiguration\nmode: ipvs\nnodePortAddresses: null\n';
    it('an inserted key gets CRLF lines in a CRLF file, and the second run is ok', () => {
      const { first, second, after } = runTwice(yamlEditModule, { path: P, key: 'featureGates.CSIMigration', value: false }, { [P]: crlf('a: 1\nb: 2\n') });
      expect(first.plan.status).toBe('changed');
      expect(after.get(P)!.content).toBe(crlf('a: 1\nb: 2\nfeatureGates:\n  CSIMigration: false\n'));
      expect(second.plan).toMatchObject({ status: 'ok', ops: [] });
    });
    it('a replaced scalar keeps its CR; a re-serialized document keeps CRLF and its BOM (only the edited lines change)', () => {
      expect(newText(run(yamlEditModule, { path: P, key: 'b', value: 3 }, { [P]: crlf('a: 1\nb: 2\n') }).plan)).toBe(crlf('a: 1\nb: 3\n'));
      const r = run(yamlEditModule, { path: P, key: 'nodePortAddresses', value: ['10.200.0.0/16'] }, { [P]: '\ufeff' + crlf(KP) }).plan;
      expect(newText(r)).toBe('\ufeff' + crlf('kind: KubeProxyConfiguration\nmode: ipvs\nnodePortAddresses:\n  - 10.200.0.0/16\n'));
      expect(unifiedDiff(r.diffs[0]!)).toContain('@@ -1,3 +1,4 @@\n \ufeffkind: KubeProxyConfiguration\r\n mode: ipvs\r\n-nodePortAddresses: null\r\n+nodePortAddresses:\r\n+  - 10.200.0.0/16\r\n');
    });
    it('a BOM stays in front; a file with both endings keeps them and new lines get LF', () => {
      expect(newText(run(yamlEditModule, { path: P, key: 'c', value: 1 }, { [P]: '\ufeffa: 1\n' }).plan)).toBe('\ufeffa: 1\nc: 1\n');
      expect(newText(run(yamlEditModule, { path: P, key: 'c', value: 1 }, { [P]: 'a: 1\r\nb: 2\n' }).plan)).toBe('a: 1\r\nb: 2\nc: 1\n');
      expect(textForm('a\r\nb').restore('a\nb\nc\n')).toBe('a\r\nb\r\nc\r\n');
      expect(textForm('').body).toBe('');
    });
  });
});
