// Port of pod-security-admission policy/check_hostProbesAndhostLifecycle.go.
// The `host` of httpGet/tcpSocket probes and lifecycle handlers must be empty: a probe aimed at another host
// lets a pod make the kubelet reach arbitrary endpoints. New in policy v1.34; absent before.
import type { HandlerAction } from "../lib/k8s";
import type { Check, CheckPod } from "../lib/types";
import { joinQuote, namedContainers, nameOf, pluralize, sortedSet, str, visitContainers } from "./helpers";

function forbiddenHosts(handler: HandlerAction | null | undefined): string[] {
  if (handler === null || handler === undefined || typeof handler !== "object") return [];
  const bad: string[] = [];
  const httpHost = str(handler.httpGet?.host);
  if (httpHost !== "") bad.push(httpHost);
  const tcpHost = str(handler.tcpSocket?.host);
  if (tcpHost !== "") bad.push(tcpHost);
  return bad;
}

export const hostProbesAndHostLifecycleV1_34: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  const forbidden: string[] = [];
  visitContainers(spec, (c) => {
    const handlers = [
      c.livenessProbe,
      c.readinessProbe,
      c.startupProbe,
      c.lifecycle?.postStart,
      c.lifecycle?.preStop,
    ];
    for (const handler of handlers) {
      const hosts = forbiddenHosts(handler);
      if (hosts.length > 0) {
        badContainers.push(nameOf(c));
        forbidden.push(...hosts);
      }
    }
  });
  const containers = sortedSet(badContainers);
  if (containers.length > 0) {
    const hosts = sortedSet(forbidden);
    return {
      allowed: false,
      forbiddenReason: "probe or lifecycle host",
      forbiddenDetail: `${namedContainers(containers)} ${pluralize("uses", "use", containers.length)} ${pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.length)} ${joinQuote(hosts)}`,
    };
  }
  return { allowed: true };
};

export const checkHostProbesAndHostLifecycle: Check = {
  id: "hostProbesAndHostLifecycle",
  level: "baseline",
  versions: [{ minimumVersion: "v1.34", checkPod: hostProbesAndHostLifecycleV1_34 }],
};
