import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, getEntry } from '../../src/catalog/index.js';
import { SH_FILE, SH_RUN, parseRecords } from '../../src/catalog/detect.js';
import { LAB_OLD_DNS, PATHS, kubeletConfig, kubeletDropIn, kubeProxyConfig, labFile, labNode } from './catalog-fixtures.js';
import { fileOut, hasShell, ok, recOut, runOut, runSh, shSyntaxError, writeRisks } from './catalog-helpers.js';
import type { CatalogEntry, Detector, DetectorResult } from '../../src/catalog/types.js';
import type { NodeSpec, ResolvShape } from '../../src/lab/layout.js';

const detectorEntries = catalog.filter((e): e is CatalogEntry & { detector: Detector } => e.detector !== undefined);
const det = (id: string) => getEntry(id).detector!;

/** Vars that make every detector do its full job. */
const FULL_VARS: Record<string, unknown> = {
  dns_cluster_ip: '10.9.0.10',
  service_cluster_ip_range: '10.9.0.0/16',
  calico_type: 'Off',
  kube_proxy_node_port_addresses: '10.100.21.0/24',
  xfs_device: '/dev/loop7',
  resolv_nameserver: '10.100.20.105',
};

function expectResult(r: DetectorResult, status: DetectorResult['status'], evidence?: RegExp) {
  expect(r.status, r.evidence).toBe(status);
  expect(r.evidence.trim()).not.toBe('');
  expect(r.evidence.length).toBeLessThanOrEqual(300);
  if (evidence) expect(r.evidence).toMatch(evidence);
}

// ---------------------------------------------------------------------------------------------
describe('the output protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crane-proto-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['plain', 'a\nb\n'],
    ['no final newline', 'a\n\\x  \nlast'],
    ['blank lines and leading spaces', '\n  x\n\n'],
    ['empty', ''],
    ['looks like a header', '@@crane file evil\n|x\n'],
  ])('fileOut() builds what crane_file prints (%s)', (_n, content) => {
    const f = join(dir, 'f.txt');
    writeFileSync(f, content);
    const real = runSh(`${SH_FILE}\ncrane_file lbl '${f}'\n`);
    expect(real.stdout).toBe(fileOut('lbl', content));
    // and a file's content can never turn into a record of its own
    expect(parseRecords(real.stdout)).toHaveLength(1);
  });

  it('fileOut() builds what crane_file prints for missing files and directories', () => {
    expect(runSh(`${SH_FILE}\ncrane_file a '${join(dir, 'nope')}'\ncrane_file b '${dir}'\n`).stdout).toBe(
      fileOut('a', null) + fileOut('b', { notfile: true }),
    );
  });

  it.each([
    ['output', `printf 'x\\ny\\n\\n'`, 0, 'x\ny\n\n'],
    ['no output', 'true', 0, ''],
    ['failure', `sh -c 'echo oops >&2; exit 3'`, 3, 'oops'],
    ['not installed', 'no-such-command-crane', 127, undefined],
  ])('runOut() builds what crane_run prints (%s)', (_n, cmd, rc, text) => {
    const real = runSh(`${SH_RUN}\ncrane_run lbl ${cmd}\n`);
    const recs = parseRecords(real.stdout);
    expect(recs[0]!.args).toEqual(['lbl', String(rc)]);
    if (text !== undefined) expect(real.stdout).toBe(runOut('lbl', rc, text));
  });

  it('rejects anything outside the protocol', () => {
    expect(() => parseRecords('')).toThrow();
    expect(() => parseRecords('hello\n')).toThrow();
    expect(() => parseRecords('|body before a header\n')).toThrow();
    expect(() => parseRecords('@@crane BAD\n')).toThrow();
    expect(() => parseRecords('@@crane file x\n|ok\nstray\n')).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
describe('every detector command', () => {
  const varSets: [string, Record<string, unknown>][] = [
    ['no vars', {}],
    ['full vars', FULL_VARS],
    [
      'hostile vars',
      {
        ...FULL_VARS,
        docker_data_dir: "/var/lib/doc'ker $(reboot) `halt`",
        xfs_device: '/dev/x"; rm -rf / #',
        kube_proxy_config: "/tmp/a b'c\\d",
        kubernetes_ctl_path: '/usr/local/bin/ && touch /tmp/pwned',
        resolv_conf: '/etc/resolv.conf;>x',
      },
    ],
    ['invalid vars', { ...FULL_VARS, docker_data_dir: 'relative', kube_proxy_config: '-rf', kubernetes_ctl_path: '/a\nb', resolv_conf: 5 }],
  ];

  describe.each(detectorEntries.map((e) => [e.id, e] as const))('%s', (_id, e) => {
    it.each(varSets)('parses with sh -n (%s)', (_n, vars) => {
      const cmd = e.detector.command(vars);
      expect(shSyntaxError(cmd)).toBeUndefined();
      if (hasShell('bash')) expect(shSyntaxError(cmd, 'bash')).toBeUndefined();
    });

    it.each(varSets)('is read-only by construction (%s)', (_n, vars) => {
      expect(writeRisks(e.detector.command(vars))).toEqual([]);
    });

    it('stays short (under ~15 lines of its own sh)', () => {
      const own = e.detector.command(FULL_VARS).split('\n').filter((l) => !l.startsWith('crane_file()') && !l.startsWith('crane_run()'));
      expect(own.length).toBeLessThanOrEqual(16);
    });

    it('says unknown, never crashes, on garbage, failures and empty output', () => {
      for (const out of [
        { rc: 0, stdout: 'total garbage\n', stderr: '' },
        { rc: 0, stdout: '', stderr: '' },
        { rc: 0, stdout: '@@crane\n', stderr: '' },
        { rc: 0, stdout: '@@crane wat\n|x\n', stderr: '' },
        { rc: 127, stdout: '', stderr: 'sh: 1: awk: not found' },
        { rc: 255, stdout: '', stderr: 'ssh: connect to host 127.0.0.11 port 22: Connection refused' },
        { rc: 0, stdout: '\u0000\u0001binary\n', stderr: '' },
      ]) {
        const r = e.detector.evaluate(out, FULL_VARS);
        expectResult(r, 'unknown');
      }
    });

    it('runs for real on this machine without failing (read-only)', () => {
      const r = runSh(e.detector.command(FULL_VARS));
      expect(r.rc, r.stderr).toBe(0);
      const res = e.detector.evaluate(r, FULL_VARS);
      expect(['affected', 'clean', 'unknown']).toContain(res.status);
      expect(res.evidence).not.toMatch(/unexpected detector output|cannot evaluate/);
    }, 30_000);
  });

  it.each(detectorEntries.map((e) => [e.id, e] as const))('%s also works under set -eu and through a pty (CRLF)', (_id, e) => {
    const r = runSh(`set -eu\n${e.detector.command(FULL_VARS)}`);
    expect(r.rc, r.stderr).toBe(0);
    const res = e.detector.evaluate(r, FULL_VARS);
    expect(res.evidence).not.toMatch(/unexpected detector output|cannot evaluate/);
    const crlf = e.detector.evaluate({ ...r, stdout: r.stdout.replace(/\n/g, '\r\n') }, FULL_VARS);
    expect(crlf.status).toBe(res.status);
  }, 30_000);

  it('injects nothing through vars (a real run with hostile vars creates no file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crane-inject-'));
    const marker = join(dir, 'pwned');
    const vars = {
      ...FULL_VARS,
      docker_data_dir: `/x'; touch ${marker}; '`,
      xfs_device: `/x$(touch ${marker})`,
      kube_proxy_config: `/x\`touch ${marker}\``,
      kubernetes_ctl_path: `/x" && touch ${marker} && "`,
      resolv_conf: `/x'"; touch ${marker} #`,
    };
    try {
      for (const e of detectorEntries) runSh(e.detector.command(vars));
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the read-only check itself', () => {
  it.each([
    'echo x > /etc/resolv.conf',
    'echo 1 >> /proc/sys/vm/drop_caches',
    "sed -i 's/a/b/' /var/lib/kubelet/config.yaml",
    'sed -e s/a/b/ --in-place f',
    'rm -f /tmp/x',
    'cat a | tee b',
    'if true; then mv a b; fi',
    'x=$(rm -rf /tmp/x)',
    'crane_run t rm -f /x',
    'timeout 5 mkfs.xfs -f -n ftype=1 /dev/loop0',
    'ip link delete tunl0',
    'ip -4 addr flush dev tunl0',
    'docker system prune -af',
    'modprobe -r ipip',
    'hostnamectl set-hostname x',
    'hostname newname',
    'find / -name x -delete',
    `awk 'BEGIN { system("id") }'`,
    'systemctl restart kubelet',
    'sysctl -w vm.drop_caches=1',
    'sudo ln -s /usr/local/bin/ctr /usr/bin/ctr',
    'xfs_db -x -c "version" /dev/loop0',
  ])('flags %s', (snippet) => {
    expect(writeRisks(snippet)).not.toEqual([]);
  });

  it.each([
    'grep -q x /etc/docker/daemon.json 2>/dev/null',
    'command -v kubelet >/dev/null 2>&1',
    'o=$(xfs_info /dev/loop0 2>&1)',
    'ip -o link show dev tunl0',
    'docker info',
    'hostname',
    'cat /etc/systemd/system/kubelet.service.d/10-kubelet.conf',
    'for b in ctr kubectl; do echo "$b"; done',
  ])('accepts %s', (snippet) => {
    expect(writeRisks(snippet)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Real tool output (xfsprogs 6.1 on this machine; CentOS 7's 4.5 prints the same without the comma).
const XFS_INFO_V4 = `meta-data=/dev/loop7             isize=256    agcount=4, agsize=19200 blks
         =                       sectsz=512   attr=2, projid32bit=1
         =                       crc=0        finobt=0, sparse=0, rmapbt=0
         =                       reflink=0    bigtime=0 inobtcount=0 nrext64=0
data     =                       bsize=4096   blocks=76800, imaxpct=25
         =                       sunit=0      swidth=0 blks
naming   =version 2              bsize=4096   ascii-ci=0, ftype=0
log      =internal log           bsize=4096   blocks=16384, version=2
         =                       sectsz=512   sunit=0 blks, lazy-count=1
realtime =none                   extsz=4096   blocks=0, rtextents=0`;
const XFS_INFO_V5 = XFS_INFO_V4.replace('isize=256', 'isize=512').replace('crc=0        finobt=0, sparse=0', 'crc=1        finobt=1, sparse=1').replace('ftype=0', 'ftype=1');
const XFS_INFO_CENTOS7_FTYPE0 = `meta-data=/dev/mapper/centos-root isize=256    agcount=4, agsize=1144832 blks
         =                       sectsz=512   attr=2, projid32bit=1
         =                       crc=0        finobt=0
data     =                       bsize=4096   blocks=4579328, imaxpct=25
         =                       sunit=0      swidth=0 blks
naming   =version 2              bsize=4096   ascii-ci=0 ftype=0
log      =internal               bsize=4096   blocks=2560, version=2
         =                       sectsz=512   sunit=0 blks, lazy-count=1
realtime =none                   extsz=4096   blocks=0, rtextents=0`;
const XFS_INFO_NO_FTYPE = XFS_INFO_CENTOS7_FTYPE0.replace(' ftype=0', '');
const XFS_NOT_XFS = 'xfs_info: /dev/loop7 is not a valid XFS filesystem (unexpected SB magic number 0x00000000)\nUse -F to force a read attempt.';

describe('xfs-ftype', () => {
  const d = det('xfs-ftype');
  const dirOnly = { docker_data_dir: '/var/lib/docker' };
  const withDev = { docker_data_dir: '/var/lib/docker', xfs_device: '/dev/loop7' };
  const dirRec = recOut('dir', ['/var/lib/docker']);

  it('is clean when the data dir is not on XFS and no device is named', () => {
    expectResult(d.evaluate(ok(dirRec + runOut('fstype', 0, 'ext4')), dirOnly), 'clean', /\/var\/lib\/docker is on ext4/);
  });
  it('is affected when the data dir is on XFS with ftype=0', () => {
    const out = dirRec + runOut('fstype', 0, 'xfs') + runOut('dirxfs', 0, XFS_INFO_CENTOS7_FTYPE0);
    expectResult(d.evaluate(ok(out), dirOnly), 'affected', /ftype=0/);
  });
  it('is clean when the data dir is on XFS with ftype=1', () => {
    const out = dirRec + runOut('fstype', 0, 'xfs') + runOut('dirxfs', 0, XFS_INFO_V5);
    expectResult(d.evaluate(ok(out), dirOnly), 'clean', /ftype=1/);
  });
  it('is affected when the named (unmounted) device is XFS V4 ftype=0, even if the data dir is fine', () => {
    const out = dirRec + runOut('fstype', 0, 'overlay') + runOut('devxfs', 0, XFS_INFO_V4);
    expectResult(d.evaluate(ok(out), withDev), 'affected', /\/dev\/loop7: XFS ftype=0/);
  });
  it('is clean when the named device has ftype=1', () => {
    const out = dirRec + runOut('fstype', 0, 'overlay') + runOut('devxfs', 0, XFS_INFO_V5);
    expectResult(d.evaluate(ok(out), withDev), 'clean', /\/dev\/loop7: XFS ftype=1/);
  });
  it('is clean when the named device is not XFS at all', () => {
    const out = dirRec + runOut('fstype', 0, 'ext4') + runOut('devxfs', 1, XFS_NOT_XFS);
    expectResult(d.evaluate(ok(out), withDev), 'clean', /not an XFS filesystem/);
  });
  it('is unknown when the named device does not exist, xfs_info is missing or prints no ftype', () => {
    expectResult(d.evaluate(ok(dirRec + runOut('fstype', 0, 'ext4') + recOut('nodev')), withDev), 'unknown', /does not exist/);
    expectResult(
      d.evaluate(ok(dirRec + runOut('fstype', 0, 'ext4') + runOut('devxfs', 127, 'sh: 1: xfs_info: not found')), withDev),
      'unknown',
      /xfs_info not installed/,
    );
    expectResult(d.evaluate(ok(dirRec + runOut('fstype', 0, 'xfs') + runOut('dirxfs', 0, XFS_INFO_NO_FTYPE)), dirOnly), 'unknown', /no ftype/);
    expectResult(d.evaluate(ok(dirRec + runOut('fstype', 127, 'sh: 1: findmnt: not found')), dirOnly), 'unknown', /findmnt not installed/);
  });
  it('lets affected win over unknown, and names both', () => {
    const out = dirRec + runOut('fstype', 127, 'sh: 1: findmnt: not found') + runOut('devxfs', 0, XFS_INFO_V4);
    expectResult(d.evaluate(ok(out), withDev), 'affected', /findmnt.*ftype=0|ftype=0.*findmnt/);
  });
  it("accepts Crane's docker_data_root and refuses a relative path", () => {
    expect(d.command({ docker_data_root: '/data/docker' })).toContain("d='/data/docker'");
    expectResult(d.evaluate(ok(dirRec + runOut('fstype', 0, 'ext4')), { docker_data_dir: 'var/lib/docker' }), 'unknown', /absolute path/);
  });

  describe.skipIf(!hasShell('mkfs.xfs') || !hasShell('xfs_info') || !hasShell('findmnt'))('for real, on XFS images', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'crane-xfs-'));
      for (const [name, args] of [
        ['v4.img', ['-m', 'crc=0', '-n', 'ftype=0']],
        ['v5.img', ['-n', 'ftype=1']],
      ] as const) {
        const img = join(dir, name);
        writeFileSync(img, '');
        spawnSync('truncate', ['-s', '300M', img]);
        const r = spawnSync('mkfs.xfs', ['-q', ...args, img], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`mkfs.xfs ${name}: ${r.stderr}`);
      }
      writeFileSync(join(dir, 'blank.img'), Buffer.alloc(1 << 20));
      mkdirSync(join(dir, 'data'));
    }, 60_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const run = (vars: Record<string, unknown>) => d.evaluate(runSh(d.command(vars)), vars);
    it('finds ftype=0 on a V4 image', () => {
      expectResult(run({ docker_data_dir: join(dir, 'data'), xfs_device: join(dir, 'v4.img') }), 'affected', /ftype=0/);
    });
    it('passes an ftype=1 image', () => {
      expectResult(run({ docker_data_dir: join(dir, 'data'), xfs_device: join(dir, 'v5.img') }), 'clean', /ftype=1/);
    });
    it('passes a device without XFS', () => {
      expectResult(run({ docker_data_dir: join(dir, 'data'), xfs_device: join(dir, 'blank.img') }), 'clean', /not an XFS/);
    });
    it('is unknown for a device that does not exist', () => {
      expectResult(run({ docker_data_dir: join(dir, 'data'), xfs_device: join(dir, 'nope.img') }), 'unknown', /does not exist/);
    });
    it('checks the nearest existing parent of a data dir that does not exist yet', () => {
      const r = run({ docker_data_dir: join(dir, 'data', 'not', 'yet') });
      expect(r.evidence).toContain(join(dir, 'data'));
      expect(r.status).not.toBe('affected');
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('clusterip-dns', () => {
  const d = det('clusterip-dns');
  const out = (dropIn: string | null, config: string | null) => ok(fileOut('dropin', dropIn) + fileOut('config', config));
  const vars = { dns_cluster_ip: '10.9.0.10' };
  const seededDropIn = labFile(PATHS.kubeletDropIn);
  const seededConfig = labFile(PATHS.kubeletConfig);

  it('is affected while both kubelet files carry the old address (as the lab seeds them)', () => {
    expect(LAB_OLD_DNS).toBe('10.96.0.10');
    expectResult(d.evaluate(out(seededDropIn, seededConfig), vars), 'affected', /10\.96\.0\.10.*want 10\.9\.0\.10/);
    // and with the gate line the lab adds on some nodes
    expectResult(d.evaluate(out(seededDropIn, labFile(PATHS.kubeletConfig, (n) => n.csiMigrationOff)), vars), 'affected', /10\.96\.0\.10.*want 10\.9\.0\.10/);
  });
  it('is affected when only one of them was changed', () => {
    expectResult(d.evaluate(out(kubeletDropIn('10.9.0.10'), seededConfig), vars), 'affected', /config\.yaml: 10\.96\.0\.10/);
    expectResult(d.evaluate(out(seededDropIn, kubeletConfig('10.9.0.10')), vars), 'affected', /10-kubelet\.conf: 10\.96\.0\.10/);
  });
  it('is clean when both carry dns_cluster_ip', () => {
    expectResult(d.evaluate(out(kubeletDropIn('10.9.0.10'), kubeletConfig('10.9.0.10')), vars), 'clean');
  });
  it('warns when the address found is not dns_cluster_ip_old (the replacement would miss it)', () => {
    expectResult(d.evaluate(out(kubeletDropIn('10.96.0.11'), kubeletConfig('10.9.0.10')), vars), 'affected', /not dns_cluster_ip_old 10\.96\.0\.10/);
  });
  it('ignores commented-out flags', () => {
    const dropIn = `# Environment="KUBELET_DNS_ARGS=--cluster-dns=10.96.0.10"\n${kubeletDropIn('10.9.0.10')}`;
    expectResult(d.evaluate(out(dropIn, kubeletConfig('10.9.0.10')), vars), 'clean');
  });
  it('is clean with one file missing and the other right, and says so', () => {
    expectResult(d.evaluate(out(null, kubeletConfig('10.9.0.10')), vars), 'clean', /10-kubelet\.conf missing/);
  });
  it('is unknown when dns_cluster_ip is not set or not an IP', () => {
    expectResult(d.evaluate(out(seededDropIn, seededConfig), {}), 'unknown', /dns_cluster_ip is not set/);
    expectResult(d.evaluate(out(seededDropIn, seededConfig), { dns_cluster_ip: '10.9.0' }), 'unknown', /not an IP/);
  });
  it('is unknown when the files are missing, unreadable YAML or carry no address', () => {
    expectResult(d.evaluate(out(null, null), vars), 'unknown', /missing/);
    expectResult(d.evaluate(out(kubeletDropIn('10.9.0.10'), 'clusterDNS: [unclosed'), vars), 'unknown', /not a valid/);
    expectResult(d.evaluate(out('[Service]\n', 'kind: KubeletConfiguration\n'), vars), 'unknown', /no cluster DNS address/);
  });
});

describe('apiserver-service-cidr', () => {
  const d = det('apiserver-service-cidr');
  const out = (m: string | null) => ok(fileOut('manifest', m));
  const apiserverManifest = () => labFile(PATHS.apiserverManifest); // seeded on masters only
  it('is clean when the manifest has the wanted range', () => {
    expectResult(d.evaluate(out(apiserverManifest()), { service_cluster_ip_range: '10.96.0.0/12' }), 'clean');
  });
  it('is affected when it differs', () => {
    expectResult(d.evaluate(out(apiserverManifest()), { service_cluster_ip_range: '10.9.0.0/16' }), 'affected', /10\.96\.0\.0\/12, want 10\.9\.0\.0\/16/);
  });
  it("accepts Crane's k8s_cluster_ip_range and quoted flags", () => {
    const quoted = apiserverManifest().replace('- --service-cluster-ip-range=10.96.0.0/12', '- "--service-cluster-ip-range=10.9.0.0/16"');
    expectResult(d.evaluate(out(quoted), { k8s_cluster_ip_range: '10.9.0.0/16' }), 'clean');
  });
  it('is unknown without the var, without the manifest (worker) or without the flag', () => {
    expectResult(d.evaluate(out(apiserverManifest()), {}), 'unknown', /not set/);
    expectResult(d.evaluate(out(null), { service_cluster_ip_range: '10.9.0.0/16' }), 'unknown', /not found/);
    expectResult(d.evaluate(out('kind: Pod\n'), { service_cluster_ip_range: '10.9.0.0/16' }), 'unknown', /not set in/);
    expectResult(d.evaluate(out(apiserverManifest()), { service_cluster_ip_range: 'ten-nine' }), 'unknown', /not a CIDR/);
  });
});

describe('resolv.conf detectors', () => {
  const trim = det('resolv-conf-trim');
  const ns = det('resolv-conf-nameserver');
  const seeded = (s: ResolvShape) => labFile(PATHS.resolv, (n) => n.resolv === s);
  const shape = (s: ResolvShape) => ok(fileOut('resolv', seeded(s)));

  it.each([
    ['none', 'clean', 'affected'],
    ['one', 'clean', 'clean'],
    ['three', 'clean', 'clean'],
    ['five', 'affected', 'clean'],
  ] as const)('%s nameserver(s): trim %s, nameserver %s', (s, t, n) => {
    expectResult(trim.evaluate(shape(s), {}), t);
    expectResult(ns.evaluate(shape(s), {}), n);
  });
  it('names the 5 nameservers when trimming is needed', () => {
    expectResult(trim.evaluate(shape('five'), {}), 'affected', /^5 nameservers.*10\.100\.21\.242/);
  });
  it('does not count comments or incomplete lines, and accepts indentation', () => {
    const text = '# nameserver 1.1.1.1\n; nameserver 2.2.2.2\nnameserver\n  nameserver 9.9.9.9 # the only one\nsearch x\n';
    expectResult(ns.evaluate(ok(fileOut('resolv', text)), {}), 'clean', /1 nameserver in \/etc\/resolv\.conf: 9\.9\.9\.9$/);
  });
  it('treats a missing resolv.conf as no nameserver', () => {
    expectResult(ns.evaluate(ok(fileOut('resolv', null)), {}), 'affected', /missing/);
    expectResult(trim.evaluate(ok(fileOut('resolv', null)), {}), 'clean', /missing/);
  });
  it('reads the resolv_conf var', () => {
    expect(ns.command({ resolv_conf: '/run/systemd/resolve/resolv.conf' })).toContain("crane_file resolv '/run/systemd/resolve/resolv.conf'");
    expectResult(ns.evaluate(ok(fileOut('resolv', { notfile: true })), { resolv_conf: '/etc' }), 'unknown', /\/etc is not a regular file/);
  });
  it('works for real on a temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crane-resolv-'));
    try {
      const f = join(dir, 'resolv.conf');
      writeFileSync(f, seeded('five'));
      expectResult(trim.evaluate(runSh(trim.command({ resolv_conf: f })), { resolv_conf: f }), 'affected');
      writeFileSync(f, seeded('none'));
      expectResult(ns.evaluate(runSh(ns.command({ resolv_conf: f })), { resolv_conf: f }), 'affected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('drop-caches', () => {
  const d = det('drop-caches');
  const MEMINFO = 'MemTotal:       24576000 kB\nMemFree:          512000 kB\nMemAvailable:    2048000 kB\nBuffers:          102400 kB\nCached:         18432000 kB\n';
  it('never claims affected: it is symptom-driven, and reports memory as context', () => {
    expectResult(d.evaluate(ok(fileOut('meminfo', MEMINFO)), {}), 'unknown', /available 2000 MiB, page cache 18000 MiB/);
    expectResult(d.evaluate(ok(fileOut('meminfo', null)), {}), 'unknown', /cannot read/);
    expectResult(d.evaluate(ok(fileOut('meminfo', 'nonsense\n')), {}), 'unknown', /no MemAvailable/);
  });
});

describe('calico-tunl0', () => {
  const d = det('calico-tunl0');
  const LINK = '5: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1440 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ipip 0.0.0.0 brd 0.0.0.0';
  const ADDR = '5: tunl0    inet 172.208.104.0/32 brd 172.208.104.0 scope global tunl0\\       valid_lft forever preferred_lft forever';
  const present = ok(recOut('sys yes') + runOut('link', 0, LINK) + runOut('addr', 0, ADDR));
  const absent = ok(recOut('sys no') + runOut('link', 1, 'Device "tunl0" does not exist.') + runOut('addr', 1, 'Device "tunl0" does not exist.'));

  it('is affected when calico_type is Off and tunl0 exists', () => {
    expectResult(d.evaluate(present, { calico_type: 'Off' }), 'affected', /tunl0 exists, UP, address 172\.208\.104\.0\/32/);
    expectResult(d.evaluate(present, { calico_type: 'Never' }), 'affected');
  });
  it('is clean in BGP mode without tunl0, and in IPIP mode either way', () => {
    expectResult(d.evaluate(absent, { calico_type: 'Off' }), 'clean');
    expectResult(d.evaluate(present, { calico_type: 'Always' }), 'clean', /IPIP/);
    expectResult(d.evaluate(absent, { calico_type: 'CrossSubnet' }), 'clean');
  });
  it('still sees tunl0 without the ip tool', () => {
    const noIp = ok(recOut('sys yes') + runOut('link', 127, 'sh: 1: ip: not found') + runOut('addr', 127, 'sh: 1: ip: not found'));
    expectResult(d.evaluate(noIp, { calico_type: 'Off' }), 'affected', /tunl0 exists$/);
  });
  it('is unknown without calico_type', () => {
    expectResult(d.evaluate(present, {}), 'unknown', /calico_type is not set/);
  });
});

describe('kube-proxy-nodeport-addresses', () => {
  const d = det('kube-proxy-nodeport-addresses');
  const out = (c: string | null) => ok(fileOut('config', c));
  /** As the lab seeds it: `nodePortAddresses: null` on most nodes, a list on some. */
  const allAddresses = labFile(PATHS.kubeProxyConfig, (n) => n.nodePortAddresses === null);
  const seededList = labNode((n) => n.nodePortAddresses !== null).nodePortAddresses!;
  const withSeededList = labFile(PATHS.kubeProxyConfig, (n) => n.nodePortAddresses !== null);
  /** The lab's builder with other lists than it seeds. */
  const withList = (l: string[]) => kubeProxyConfig(l);

  it('is affected when kube-proxy serves all addresses but a network is wanted', () => {
    expectResult(d.evaluate(out(allAddresses), { kube_proxy_node_port_addresses: '10.100.21.0/24' }), 'affected', /null \(all addresses\), want \[10\.100\.21\.0\/24\]/);
  });
  it("is clean when both say all addresses (Crane's default \"\")", () => {
    expectResult(d.evaluate(out(allAddresses), { kube_proxy_node_port_addresses: '' }), 'clean');
    expectResult(d.evaluate(out(allAddresses), { kube_proxy_node_port_addresses: null }), 'clean');
  });
  it('reads the list the lab seeds on some nodes', () => {
    expect(seededList).toEqual(['10.200.0.0/16']);
    expectResult(d.evaluate(out(withSeededList), { kube_proxy_node_port_addresses: '10.200.0.0/16' }), 'clean');
    expectResult(d.evaluate(out(withSeededList), { kube_proxy_node_port_addresses: '10.100.21.0/24' }), 'affected', /\[10\.200\.0\.0\/16\], want \[10\.100\.21\.0\/24\]/);
  });
  it('compares lists as sets', () => {
    const vars = { kube_proxy_node_port_addresses: ['10.100.22.0/24', '10.100.21.0/24'] };
    expectResult(d.evaluate(out(withList(['10.100.21.0/24', '10.100.22.0/24'])), vars), 'clean');
    expectResult(d.evaluate(out(withList(['10.100.21.0/24'])), vars), 'affected');
    expectResult(d.evaluate(out(withList(['10.100.21.0/24', '10.100.22.0/24'])), { kube_proxy_node_port_addresses: '10.100.21.0/24,10.100.22.0/24' }), 'clean');
  });
  it('is unknown without the var, the file, or readable YAML, or with a bad var', () => {
    expectResult(d.evaluate(out(allAddresses), {}), 'unknown', /not set/);
    expectResult(d.evaluate(out(null), { kube_proxy_node_port_addresses: '' }), 'unknown', /not found/);
    expectResult(d.evaluate(out('nodePortAddresses: [a'), { kube_proxy_node_port_addresses: '' }), 'unknown', /not a valid/);
    expectResult(d.evaluate(out(allAddresses), { kube_proxy_node_port_addresses: 'eth0' }), 'unknown', /not a CIDR/);
    expectResult(d.evaluate(out(allAddresses), { kube_proxy_node_port_addresses: { a: 1 } }), 'unknown', /must be/);
  });
  it('works for real on kube_proxy_config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crane-kp-'));
    try {
      const f = join(dir, "config 'x'.conf");
      writeFileSync(f, allAddresses);
      const vars = { kube_proxy_config: f, kube_proxy_node_port_addresses: '10.100.21.0/24' };
      expectResult(d.evaluate(runSh(d.command(vars)), vars), 'affected');
      writeFileSync(f, withList(['10.100.21.0/24']));
      expectResult(d.evaluate(runSh(d.command(vars)), vars), 'clean');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubelet-csimigration', () => {
  const d = det('kubelet-csimigration');
  /** As the lab seeds it: no featureGates on most nodes, `CSIMigration: false` on some. */
  const noGate = labFile(PATHS.kubeletConfig, (n) => !n.csiMigrationOff);
  const gateFalse = labFile(PATHS.kubeletConfig, (n) => n.csiMigrationOff);
  /** Not seeded by the lab: the gate set the wrong way. */
  const gateTrue = gateFalse.replace('CSIMigration: false', 'CSIMigration: true');
  const gate = (v: 'true' | 'false') => (v === 'false' ? gateFalse : gateTrue);
  const out = (cfg: string | null, version: string | null) =>
    ok(fileOut('config', cfg) + (version === null ? recOut('nokubelet') : runOut('version', 0, `Kubernetes ${version}`)));

  it('is affected on kubelet 1.16-1.24 without CSIMigration: false', () => {
    expectResult(d.evaluate(out(noGate, 'v1.17.0'), {}), 'affected', /not set.*kubelet v1\.17/);
    expectResult(d.evaluate(out(noGate, 'v1.16.2'), {}), 'affected');
    expectResult(d.evaluate(out(gate('true'), 'v1.20.1'), {}), 'affected', /is true/);
  });
  it('is clean with the gate set to false', () => {
    expectResult(d.evaluate(out(gate('false'), 'v1.17.0'), {}), 'clean');
  });
  it('does not ask for the gate where it does not apply', () => {
    expectResult(d.evaluate(out(noGate, 'v1.15.3'), {}), 'clean', /off by default/);
    expectResult(d.evaluate(out(noGate, 'v1.13.5'), {}), 'clean', /does not exist/);
    expectResult(d.evaluate(out(noGate, 'v1.26.0'), {}), 'clean', /GA/);
  });
  it('is unknown where the gate is set but would stop kubelet', () => {
    expectResult(d.evaluate(out(gate('false'), 'v1.26.0'), {}), 'unknown', /locked to true/);
    expectResult(d.evaluate(out(gate('false'), 'v1.13.5'), {}), 'unknown', /does not know/);
  });
  it('still checks when the kubelet binary is not found, and says so', () => {
    expectResult(d.evaluate(out(noGate, null), {}), 'affected', /kubelet version unknown/);
  });
  it('is unknown without a readable config', () => {
    expectResult(d.evaluate(out(null, 'v1.17.0'), {}), 'unknown', /not found/);
    expectResult(d.evaluate(out('featureGates: [x', 'v1.17.0'), {}), 'unknown', /not a valid/);
  });
});

describe('hostname-lowercase', () => {
  const d = det('hostname-lowercase');
  const out = (uname: string, etc: string | null) => ok(recOut('uname', [uname]) + fileOut('hostfile', etc));
  it('is affected by capital letters', () => {
    expectResult(d.evaluate(out('Crane-Master-2', 'Crane-Master-2\n'), {}), 'affected', /Crane-Master-2 has capital letters \(node name would be crane-master-2\)/);
  });
  it('is affected when only /etc/hostname has capitals (it applies at next boot)', () => {
    expectResult(d.evaluate(out('crane-worker-7', 'Crane-Worker-7\n'), {}), 'affected', /\/etc\/hostname Crane-Worker-7/);
  });
  it('is clean for lower-case names', () => {
    expectResult(d.evaluate(out('crane-worker-1', 'crane-worker-1\n'), {}), 'clean');
    expectResult(d.evaluate(out('bj-m8-hadoop-105-145', null), {}), 'clean');
  });
  it('is unknown with no name at all', () => {
    expectResult(d.evaluate(out('', null), {}), 'unknown');
  });
});

describe('kernel-min-version', () => {
  const d = det('kernel-min-version');
  const CGROUPS_V1_NO_PIDS = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t2\t4\t1\ncpu\t3\t60\t1\ncpuacct\t3\t60\t1\nmemory\t7\t60\t1\ndevices\t6\t60\t1\nfreezer\t8\t4\t1\nnet_cls\t4\t4\t1\nblkio\t9\t60\t1\nperf_event\t5\t4\t1\nhugetlb\t10\t4\t1\n';
  const CGROUPS_V1 = `${CGROUPS_V1_NO_PIDS}pids\t11\t60\t1\n`;
  const out = (rel: string, v1: string | null, v2: string | null) => ok(recOut('kernel', [rel]) + fileOut('cgroups', v1) + fileOut('cgroup2', v2));

  it("is affected on CentOS 7's 3.10 kernel without pids", () => {
    expectResult(d.evaluate(out('3.10.0-327.el7.x86_64', CGROUPS_V1_NO_PIDS, null), {}), 'affected', /3\.10\.0-327.*older than 4\.14; no pids/);
  });
  it('is affected by an old kernel even with pids, and by a missing pids controller on a new kernel', () => {
    expectResult(d.evaluate(out('4.4.0-210-generic', CGROUPS_V1, null), {}), 'affected', /older than 4\.14$/);
    expectResult(d.evaluate(out('4.19.0-21-amd64', CGROUPS_V1_NO_PIDS, null), {}), 'affected', /^no pids/);
    expectResult(d.evaluate(out('4.19.0-21-amd64', CGROUPS_V1.replace('pids\t11\t60\t1', 'pids\t0\t1\t0'), null), {}), 'affected');
  });
  it('is clean on 4.14+ with pids (cgroup v1 or v2)', () => {
    expectResult(d.evaluate(out('4.14.0', CGROUPS_V1, null), {}), 'clean');
    expectResult(d.evaluate(out('6.1.0-18-amd64', null, 'cpuset cpu io memory hugetlb pids rdma misc\n'), {}), 'clean');
  });
  it('is unknown when the version cannot be read or cgroups cannot be seen', () => {
    expectResult(d.evaluate(out('', CGROUPS_V1, null), {}), 'unknown');
    expectResult(d.evaluate(out('5.10.0', null, null), {}), 'unknown', /cannot read \/proc\/cgroups/);
  });
});

describe('docker-storage-driver', () => {
  const d = det('docker-storage-driver');
  /** daemon.json as the lab seeds it, on a node with that storage driver. */
  const daemon = (driver: NodeSpec['storageDriver']) => labFile(PATHS.dockerDaemon, (n) => n.storageDriver === driver);
  it('reads storage-driver from daemon.json', () => {
    expectResult(d.evaluate(ok(fileOut('daemon', daemon('overlay2'))), {}), 'clean', /overlay2/);
    expectResult(d.evaluate(ok(fileOut('daemon', daemon('devicemapper'))), {}), 'affected', /devicemapper, want overlay2/);
  });
  it('asks docker info when daemon.json does not say', () => {
    const info = (drv: string) => `Client:\n Debug Mode: false\n\nServer:\n Containers: 3\n Server Version: 19.03.12\n Storage Driver: ${drv}\n  Pool Name: docker-253:0-1234-pool\n Logging Driver: json-file`;
    expectResult(d.evaluate(ok(fileOut('daemon', null) + runOut('info', 0, info('devicemapper'))), {}), 'affected', /docker uses devicemapper/);
    expectResult(d.evaluate(ok(fileOut('daemon', '{"log-driver": "json-file"}\n') + runOut('info', 0, info('overlay2'))), {}), 'clean');
  });
  it('is clean without docker, unknown when docker cannot tell', () => {
    expectResult(d.evaluate(ok(fileOut('daemon', null) + runOut('info', 127, 'sh: 1: docker: not found')), {}), 'clean', /not installed/);
    const down = 'Client:\n Debug Mode: false\n\nServer:\nERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
    expectResult(d.evaluate(ok(fileOut('daemon', null) + runOut('info', 1, down)), {}), 'unknown', /no storage driver/);
  });
  it('is unknown for a broken daemon.json', () => {
    expectResult(d.evaluate(ok(fileOut('daemon', '{"storage-driver": "overlay2",}\n')), {}), 'unknown', /not valid JSON/);
  });
  it('reads a daemon.json with a UTF-8 BOM or CRLF lines (dockerd >= 23.0 does)', () => {
    expectResult(d.evaluate(ok(fileOut('daemon', '\ufeff' + daemon('devicemapper').replace(/\n/g, '\r\n'))), {}), 'affected', /devicemapper, want overlay2/);
  });
  it('honours docker_storage_driver', () => {
    expectResult(d.evaluate(ok(fileOut('daemon', daemon('devicemapper'))), { docker_storage_driver: 'devicemapper' }), 'clean');
  });
});

describe('istio-init-prune', () => {
  const d = det('istio-init-prune');
  const cron = (lines: string[]) => ok(recOut('cron', lines));
  it('is affected by a scheduled prune that removes istio-init', () => {
    expectResult(d.evaluate(cron(['/etc/cron.d/docker-gc:0 3 * * * root docker system prune -af --volumes']), {}), 'affected', /\/etc\/cron\.d\/docker-gc/);
  });
  it('is clean when every prune keeps istio-init', () => {
    const line = '/var/spool/cron/root:0 3 * * * docker system prune -af --volumes --filter "label!=io.kubernetes.container.name=istio-init"';
    expectResult(d.evaluate(cron([line]), {}), 'clean');
  });
  it("judges the cron jobs the lab seeds (what the detector's grep -H prune prints of them)", () => {
    const grepped = (kind: NodeSpec['dockerPruneCron']) =>
      cron(labFile(PATHS.dockerPruneCron, (n) => n.dockerPruneCron === kind).split('\n').filter((l) => l.includes('prune')).map((l) => `${PATHS.dockerPruneCron}:${l}`));
    expectResult(d.evaluate(grepped('unfiltered'), {}), 'affected', /\/etc\/cron\.d\/docker-prune: 30 3 \* \* \* root docker system prune -af --volumes$/);
    expectResult(d.evaluate(grepped('keeps-istio-init'), {}), 'clean', /^1 scheduled prune job, all keep istio-init$/);
  });
  it('is unknown with no prune job (image-only prunes and comments do not count)', () => {
    expectResult(d.evaluate(cron([]), {}), 'unknown', /no scheduled/);
    expectResult(d.evaluate(cron(['/etc/crontab:# 0 3 * * * root docker system prune -af', '/etc/crontab:0 4 * * * root docker image prune -f']), {}), 'unknown');
  });
});

describe('ctl-path', () => {
  const d = det('ctl-path');
  const vars = { kubernetes_ctl_path: '/usr/local/bin/' };
  it('is affected when a binary in kubernetes_ctl_path does not resolve on PATH', () => {
    const out = ok(recOut('path', ['/usr/sbin:/usr/bin:/sbin:/bin']) + recOut('bin ctr -') + recOut('bin kubectl /usr/bin/kubectl'));
    expectResult(d.evaluate(out, vars), 'affected', /^ctr in \/usr\/local\/bin not found.*\/usr\/sbin:\/usr\/bin:\/sbin:\/bin/);
  });
  it('is clean when all of them resolve', () => {
    const out = ok(recOut('path', ['/usr/local/bin:/usr/bin']) + recOut('bin ctr /usr/local/bin/ctr'));
    expectResult(d.evaluate(out, vars), 'clean');
  });
  it('is unknown without the directory or any binary in it', () => {
    expectResult(d.evaluate(ok(recOut('path', ['/usr/bin']) + recOut('nodir')), vars), 'unknown', /does not exist/);
    expectResult(d.evaluate(ok(recOut('path', ['/usr/bin'])), vars), 'unknown', /none of/);
  });
  it('works for real with a non-login PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crane-ctl-'));
    try {
      writeFileSync(join(dir, 'ctr'), '#!/bin/sh\nexit 0\n');
      chmodSync(join(dir, 'ctr'), 0o755);
      const v = { kubernetes_ctl_path: `${dir}/` };
      const bare = runSh(d.command(v), { env: { PATH: '/usr/bin:/bin' } });
      expectResult(d.evaluate(bare, v), 'affected', /^ctr in /);
      const login = runSh(d.command(v), { env: { PATH: `${dir}:/usr/bin:/bin` } });
      expectResult(d.evaluate(login, v), 'clean');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
