import type { CatalogEntry } from '../types.js';

export const entry: CatalogEntry = {
  id: 'ansible-in-docker-offline',
  level: 'cluster',
  title: {
    en: 'Ansible in Docker with an offline install: two things to avoid',
    zh: 'Ansible in Docker 离线安装需要规避的两个问题',
  },
  explanation: {
    en:
      'When Crane runs in Docker on one of the machines being deployed and installs offline: 1) the machine running it ' +
      'must not be the first host in nodes; 2) after make local_save_image, delete the current image, or commands ' +
      'will be missing. Crane checks whether the image already exists on the machine; if it does, it does not load ' +
      'the image data, so the first deployment can lack executables. Without an offline install, ignore this.',
    zh:
      'ansible in docker 如果使用部署机器中的某一个实例并使用离线安装，则需要规避两个问题：1）执行的节点不要在 nodes 第一个节点上；' +
      '2）执行 make local_save_image 后一定要删除当前的 image，否则会出现无法执行的命令。Crane 会判断当前机器是否存在 image，' +
      '如果存在则不会 load 镜像数据到本地，可能会造成第一次部署时丢失执行文件。不使用离线安装请忽略。',
  },
  action: {
    en:
      '  make local_save_image\n' +
      '  docker images | grep crane          # find the Crane image\n' +
      '  docker rmi <crane-image>\n' +
      'and start the deployment from a machine that is not the first host in nodes.',
    zh:
      '  make local_save_image\n' +
      '  docker images | grep crane          # 找到 Crane 镜像\n' +
      '  docker rmi <crane-image>\n' +
      '并在不是 nodes 第一个节点的机器上执行部署。',
  },
  symptoms: [],
  reversible: true,
};
