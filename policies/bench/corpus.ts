// The synthetic workload both benchmarks check: one home, so their corpora agree.
import { GVISOR_RUNTIME_CLASS, NONROOT_GID, NONROOT_UID } from "../lib/hardened";

const DIGEST = `sha256:${"a".repeat(64)}`;

/** A hardened Deployment; every fifth one breaks a check so violations are reported too. */
export function deployment(i: number): Record<string, unknown> {
  const broken = i % 5 === 0;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `svc-${i}`, namespace: "apps" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `svc-${i}` } },
      template: {
        metadata: { labels: { app: `svc-${i}` } },
        spec: {
          runtimeClassName: GVISOR_RUNTIME_CLASS,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NONROOT_UID,
            runAsGroup: NONROOT_GID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "app",
              image: `registry.example.com/svc-${i}@${DIGEST}`,
              resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
              livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
              readinessProbe: { httpGet: { path: "/readyz", port: 8080 } },
              securityContext: {
                allowPrivilegeEscalation: broken,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}
