import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'docker-load-import',
  level: 'cluster',
  title: {
    en: 'docker load fails on an image exported with ctr',
    zh: '通过 docker load 导入 ctr 导出的镜像时报错',
  },
  explanation: {
    en:
      'An archive written by `ctr image export` is in OCI layout. A docker that cannot read that layout fails with ' +
      '"open /data/docker/tmp/docker-import-NNN/blobs/json: no such file or directory".',
    zh:
      '通过 containerd（ctr image export）导出的镜像包为 OCI 格式，docker load 无法识别时报错 ' +
      '“open /data/docker/tmp/docker-import-NNN/blobs/json: no such file or directory”。',
  },
  action: {
    en:
      'Workaround from the notes:\n' +
      '  cat crane-v1.20.1.5-image.tar.gz | docker import - slzcc/crane\n' +
      'docker import treats the archive as a root filesystem: the image it creates has no entrypoint, env or layers ' +
      'of the original, so check that it really runs. Better, when possible: pull the image with docker ' +
      '(docker pull docker.io/slzcc/crane:v1.20.1.5), or export it with a ctr that adds a Docker manifest.json ' +
      '(see --skip-manifest-json in `ctr image export --help`) and load that:\n' +
      '  ctr image export crane-v1.20.1.5-image.tar docker.io/slzcc/crane:v1.20.1.5\n' +
      '  docker load -i crane-v1.20.1.5-image.tar',
    zh:
      '笔记中的解决方法：\n' +
      '  cat crane-v1.20.1.5-image.tar.gz | docker import - slzcc/crane\n' +
      'docker import 会把压缩包当作根文件系统导入，生成的镜像不包含原镜像的 entrypoint、环境变量和分层，请确认它确实能正常运行。' +
      '条件允许时更推荐：直接用 docker 拉取镜像（docker pull docker.io/slzcc/crane:v1.20.1.5），或使用会写入 Docker ' +
      'manifest.json 的 ctr 版本导出（见 `ctr image export --help` 中的 --skip-manifest-json）后再导入：\n' +
      '  ctr image export crane-v1.20.1.5-image.tar docker.io/slzcc/crane:v1.20.1.5\n' +
      '  docker load -i crane-v1.20.1.5-image.tar',
  },
  symptoms: [
    {
      id: 'docker-load-oci-layout',
      pattern: /docker-import-\d+\/blobs\/json: no such file or directory/,
      example: 'open /data/docker/tmp/docker-import-011951360/blobs/json: no such file or directory',
      source: 'notes',
      reason: { en: 'docker load looked for a docker save manifest in an OCI-layout archive (ctr image export).', zh: 'docker load 在 OCI 格式的压缩包（ctr image export 导出）中寻找 docker save 格式的文件。' },
    },
    {
      id: 'docker-load-not-a-save-archive',
      // image/tarexport/load.go: with no manifest.json, dockerd up to the removal of the legacy loader fell back to the
      // pre-1.10 layout and opened "<dir>/json" for every directory; since then it fails on manifest.json itself.
      pattern: /docker-import-\d+\/(?:(?![0-9a-f]{64}\/json)(?!<hash>\/json)(?:[^\s\/]+\/)*json|manifest\.json): no such file or directory/,
      example: 'open /var/lib/docker/tmp/docker-import-3645772770/boot/json: no such file or directory',
      source: 'discoverse-dev/DISCOVERSE#60',
      reason: { en: 'docker load was given an archive that is not a docker save archive (OCI layout or a root filesystem).', zh: 'docker load 的压缩包不是 docker save 格式（OCI 格式或根文件系统）。' },
      weight: 2,
    },
    {
      id: 'containerd-import-unrecognized',
      // containerd's archive importer (ctr images import, nerdctl load) finds neither index.json nor manifest.json:
      // the same archive docker load refuses. The bare phrase is common to image libraries (ImageMagick and others),
      // so only containerd's own forms count: logrus's level=… msg="…" (nerdctl, ctr) or "ctr: …".
      pattern: /level=(?:fatal|error) msg="?(?:[^"]*: )?unrecognized image format|\bctr: (?:[^:\n]*: )?unrecognized image format/,
      example: 'time="2022-03-18T05:10:56Z" level=fatal msg="unrecognized image format"',
      source: 'containerd/nerdctl#908',
      reason: { en: 'containerd was asked to import an archive that is not a docker save / OCI image archive (a root filesystem from docker export needs an import, not a load).', zh: 'containerd 导入的压缩包不是 docker save / OCI 镜像格式（docker export 导出的根文件系统应当 import，而不是 load）。' },
    },
    {
      id: 'podman-load-unrecognized',
      // podman load (containers/common libimage/load.go) tries oci, oci-archive, docker-archive and dir, then fails with
      // "payload does not match any of the supported image formats" (" (oci, oci-archive, dir, docker-archive)" in early
      // libimage, ":" and one " * <transport>: <error>" line each later; the docker-compatible API wraps it in "failed to
      // load image: "). Only this program words it so.
      pattern: /payload does not match any of the supported image formats/,
      example: 'Error: payload does not match any of the supported image formats:',
      source: 'containers/common libimage/load.go',
      reason: { en: 'podman load was given an archive that is no image archive it knows (a root filesystem needs podman import).', zh: 'podman load 的压缩包不是它能识别的镜像格式（根文件系统应当用 podman import 导入）。' },
    },
  ],
  reversible: true,
};
