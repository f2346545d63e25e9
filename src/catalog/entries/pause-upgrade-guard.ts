import type { CatalogEntry } from '../types.js';

/** Where a node's pause (sandbox) image is configured: kubelet flag, kubelet/containerd config, Crane vars. */
const PAUSE_SETTINGS: RegExp[] = [
  /--pod-infra-container-image[= ]["']?([^\s"']+)/g,
  /\bpodInfraContainerImage:\s*["']?([^\s"']+)/g,
  /\bsandbox_image\s*=\s*"([^"]+)"/g,
  /\bpause_version:\s*["']?([^\s"']+)/g,
  /\bk8s_pod_infra_container_image:\s*["']?([^\s"']+)/g,
];

function pauseRefs(text: string): string[] {
  const out: string[] = [];
  PAUSE_SETTINGS.forEach((re, i) => {
    for (const m of text.matchAll(re)) out.push(`${i}=${m[1]}`);
  });
  return out.sort();
}

/**
 * Guard for planners and the engine: true when going from `before` to `after` changes the pause image a node
 * uses (kubelet --pod-infra-container-image, containerd sandbox_image, Crane's pause_version, ...). Such a change
 * on a cluster in use restarts every Pod, so it must not be applied as a routine fix.
 */
export function changesPauseImage(before: string, after: string): boolean {
  return pauseRefs(before).join('\n') !== pauseRefs(after).join('\n');
}

export const entry: CatalogEntry = {
  id: 'pause-upgrade-guard',
  level: 'cluster',
  title: {
    en: "Don't upgrade the pause image on a cluster in use",
    zh: '不要对正在使用的集群升级 pause',
  },
  explanation: {
    en:
      "Every Pod's sandbox is a pause container. Updating pause on a cluster that is in use restarts all Pods: each " +
      'sandbox, and with it every container of the Pod, has to be re-created to use the new image. The pause image is ' +
      "set by kubelet's --pod-infra-container-image, containerd's sandbox_image or Crane's pause_version; none of " +
      "crane-fix's fixes change it.",
    zh:
      '每个 Pod 的沙箱都是一个 pause 容器。如果集群正在使用，不要对 pause 进行更新，它会重启所有的 Pod：要使用新镜像，' +
      '每个沙箱以及 Pod 中的所有容器都必须重建。pause 镜像由 kubelet 的 --pod-infra-container-image、containerd 的 ' +
      'sandbox_image 或 Crane 的 pause_version 决定；crane-fix 的修复项均不会修改它。',
  },
  action: {
    en:
      "Leave the pause image as it is on a cluster in use. If it really has to change, do it node by node in a " +
      'maintenance window:\n' +
      '  kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\n' +
      '  # change --pod-infra-container-image (or sandbox_image), then:\n' +
      '  systemctl restart kubelet\n' +
      '  kubectl uncordon <node>',
    zh:
      '正在使用的集群保持 pause 镜像不变。确需更换时，请在维护窗口内逐个节点进行：\n' +
      '  kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\n' +
      '  # 修改 --pod-infra-container-image（或 sandbox_image）后执行：\n' +
      '  systemctl restart kubelet\n' +
      '  kubectl uncordon <node>',
  },
  symptoms: [],
  reversible: true,
};
