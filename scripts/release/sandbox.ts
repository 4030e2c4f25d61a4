// A throwaway copy of the project for trying releases on the local cluster: Pulumi.yaml, the Go sample app and a
// stack file of its own (the release's record), with its own namespace, RuntimeClass, registry prefix and state
// backend, so neither the user's stack files nor their state are touched. Used by the release e2e suite and
// `npm run bench:rollback`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import {
  GVISOR_HANDLER,
  GVISOR_RUNTIME_CLASS,
  LATEST_PSS_VERSION,
  PLATFORMS,
} from "distroless-guardrails/model";
import { localKubeconfig, PROJECT_ROOT } from "../lib/paths";
import { stackConfig, stackFilePath } from "../lib/stack-config";
import type { StackTarget } from "../stack";

export const SANDBOX_SERVICE = "go-service";
/** The version the sandbox's app fails as (FAIL_VERSION); every other version is healthy. */
export const SANDBOX_BAD_VERSION = "1.2.0-bad";

export interface SandboxOptions {
  /** Namespace, RuntimeClass and registry prefix are derived from it. */
  name: string;
  analysis?: Record<string, unknown>;
}

export interface Sandbox {
  dir: string;
  /** Its Pulumi.local.yaml. */
  file: string;
  namespace: string;
  runtimeClass: string;
  /** The stack of the sandbox on `backend`, with the repository's program and policy pack. */
  target(backend: string, extra?: Partial<StackTarget>): StackTarget;
  dispose(): void;
}

/** A RuntimeClass of its own for the `runtimeClass` config key: gVisor's handler, small overhead. */
export function gvisorRuntimeClass(name: string): Record<string, unknown> {
  return {
    mode: "create",
    name,
    handler: GVISOR_HANDLER,
    overhead: { cpu: "10m", memory: "64Mi" },
    nodeSelector: {},
    tolerations: [],
  };
}

function stackFileText(name: string, runtimeClass: string, analysis: Record<string, unknown>): string {
  // The local environment's registry, mirror and BuildKit, as the local stack names them.
  const local = stackConfig(stackFilePath("local"));
  return stringify({
    config: {
      "distroless-platform:environment": "local",
      "distroless-platform:requireDigest": true,
      "distroless-platform:namespace": {
        name,
        pssVersion: LATEST_PSS_VERSION,
        quota: { requestsCpu: "2", requestsMemory: "4Gi", limitsCpu: "8", limitsMemory: "8Gi", pods: 20 },
      },
      "distroless-platform:registry": {
        server: local.registry.server,
        repositoryPrefix: name,
        mirror: local.registry.mirror,
      },
      "distroless-platform:runtimeClass": gvisorRuntimeClass(runtimeClass),
      "distroless-platform:images": {
        provider: "google",
        debian: 13,
        platforms: [...PLATFORMS],
        buildkit: local.images.buildkit,
      },
      "distroless-platform:canary": { steps: [10, 20, 50, 100], analysis },
      "distroless-platform:services": [
        {
          name: SANDBOX_SERVICE,
          app: "apps/go-service",
          runtime: "go",
          version: "1.0.0",
          replicas: 2,
          // Only the version named here misbehaves: the stable track and healthy releases are unaffected.
          env: { FAIL_VERSION: SANDBOX_BAD_VERSION },
          resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        },
      ],
    },
  });
}

export function createSandbox(opts: SandboxOptions): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${opts.name}-`));
  const file = path.join(dir, "Pulumi.local.yaml");
  fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.cpSync(path.join(PROJECT_ROOT, "apps", "go-service"), path.join(dir, "apps", "go-service"), {
    recursive: true,
  });
  const runtimeClass = `gvisor-${opts.name}`;
  fs.writeFileSync(file, stackFileText(opts.name, runtimeClass, opts.analysis ?? {}));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(PROJECT_ROOT, "index.ts")) as () => Promise<Record<string, unknown>>;
  return {
    dir,
    file,
    namespace: opts.name,
    runtimeClass,
    target: (backend, extra = {}) => ({
      stack: "local",
      projectRoot: dir,
      program,
      env: { PULUMI_BACKEND_URL: `file://${backend}`, KUBECONFIG: localKubeconfig() },
      policyConfig: { runtimeClassGvisor: { allowedRuntimeClasses: [GVISOR_RUNTIME_CLASS, runtimeClass] } },
      ...extra,
    }),
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
