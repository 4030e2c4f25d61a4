// Compliant objects for the rule and harness tests: the hardening contract, written as users write it.
import type { PodSpec } from "../lib/k8s";

export const DIGEST = `sha256:${"a".repeat(64)}`;
export const IMAGE = `gcr.io/acme/web:1.2.3@${DIGEST}`;

/** A pod spec that passes every PSS check and every rule of sections 2–3. */
export function hardenedPodSpec(): PodSpec {
  return {
    runtimeClassName: "gvisor",
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [
      {
        name: "web",
        image: IMAGE,
        ports: [{ containerPort: 8080 }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
        readinessProbe: { grpc: { port: 8081 } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      },
    ],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
  };
}

type Props = Record<string, unknown>;

/** Resource props of each pod-carrying kind around `spec` (Pulumi props: no apiVersion/kind). */
export function podCarrier(
  kind: string,
  spec: PodSpec,
  name = "web",
  namespace: string | undefined = "apps",
): Props {
  const metadata: Props = namespace === undefined ? { name } : { name, namespace };
  const template = { metadata: { labels: { app: name } }, spec };
  const selector = { matchLabels: { app: name } };
  switch (kind) {
    case "Pod":
      return { metadata: { ...metadata, labels: { app: name } }, spec };
    case "PodTemplate":
      return { metadata, template };
    case "CronJob":
      return { metadata, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } } };
    case "Job":
      return { metadata, spec: { template } };
    case "ReplicationController":
      return { metadata, spec: { selector: { app: name }, template } };
    default:
      return { metadata, spec: { selector, template } };
  }
}

/** The Pulumi type of each pod-carrying kind. */
export const POD_TYPES: Record<string, string> = {
  Pod: "kubernetes:core/v1:Pod",
  PodTemplate: "kubernetes:core/v1:PodTemplate",
  ReplicationController: "kubernetes:core/v1:ReplicationController",
  ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
  Deployment: "kubernetes:apps/v1:Deployment",
  DaemonSet: "kubernetes:apps/v1:DaemonSet",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  Job: "kubernetes:batch/v1:Job",
  CronJob: "kubernetes:batch/v1:CronJob",
};

/** Props of a Namespace labelled restricted at a pinned version. */
export function restrictedNamespace(name = "apps", version = "v1.37"): Props {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return { metadata: { name, labels } };
}

/** Props of a RuntimeClass. */
export function runtimeClass(name = "gvisor", handler = "runsc"): Props {
  return { metadata: { name }, handler };
}
