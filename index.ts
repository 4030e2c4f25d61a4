// distroless-platform: validates the stack config, then creates the restricted namespace, the gVisor runtime
// class, a digest-pinned distroless image per service version and a canary release per service.
//
// The program is the exported function (Pulumi runs it and its result becomes the stack outputs), so tests can
// run it per stack under mocks. Config is read inside it, never at module load.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BASE_FAMILY, readStackConfig, type PlatformConfig, type ServiceConfig } from "./config";
import { CanaryRelease, type CanaryGatewayArgs } from "./components/canary";
import {
  DistrolessImage,
  planDockerfile,
  type DistrolessImageArgs,
  type DockerfileInputs,
} from "./components/image";
import { RestrictedNamespace } from "./components/namespace";
import { GvisorRuntimeClass } from "./components/runtimeclass";

/** Stack outputs of one service. */
interface ServiceOutputs {
  /** Kubernetes Service clients use (with a gateway: the stable backend's). */
  serviceName: pulumi.Output<string>;
  /** Digest-pinned image of the stable version (`repo@sha256:…`). */
  image: pulumi.Output<string>;
  /** Digest-pinned image of the canary version; absent without a canary version. */
  canaryImage?: pulumi.Output<string>;
  /** Image the stable Deployment runs (the canary's once promoted at weight 100). */
  stableImage: pulumi.Output<string>;
  /** Requested canary weight (canary.weight). */
  weight: pulumi.Output<number>;
  /** Share of traffic on the canary version in percent (pod ratio, or route weight with a gateway). */
  effectiveWeight: pulumi.Output<number>;
  /** stable, canary, promote or abort. */
  phase: pulumi.Output<string>;
  /** Pods per track. */
  replicas: { stable: pulumi.Output<number>; canary: pulumi.Output<number> };
}

interface PlatformOutputs {
  environment: string;
  namespace: pulumi.Output<string>;
  podSecurityVersion: pulumi.Output<string>;
  runtimeClass: pulumi.Output<string>;
  runtimeClassHandler: pulumi.Output<string>;
  services: Record<string, ServiceOutputs>;
}

/** What decides a service's Dockerfile and base image; plain values, so it can be audited before anything exists. */
interface ImageSource {
  dockerfile?: string;
  runtime?: ServiceConfig["runtime"];
  provider?: PlatformConfig["images"]["provider"];
  debian?: number;
  runtimeVersion?: string;
  baseImageDigest?: string;
  registryMirror?: string;
}

function imageSource(config: PlatformConfig, svc: ServiceConfig): ImageSource {
  const { registry, images } = config;
  const baseImageDigest = images.baseDigests[BASE_FAMILY[svc.runtime]];
  const mirror = registry.mirror !== undefined ? { registryMirror: registry.mirror } : {};
  // Paths stay relative to the project root (Pulumi's working directory), so state holds no machine paths.
  if (svc.dockerfile !== undefined)
    return { dockerfile: path.posix.join(svc.app, svc.dockerfile), ...mirror };
  return {
    runtime: svc.runtime,
    provider: images.provider,
    // Chainguard images are Wolfi-based; the Debian release only selects Google's images.
    ...(images.provider === "google" ? { debian: images.debian } : {}),
    ...(svc.runtime === "nodejs" ? { runtimeVersion: images.nodejsVersion } : {}),
    ...(baseImageDigest !== undefined ? { baseImageDigest } : {}),
    ...mirror,
  };
}

function dockerfileInputs(config: PlatformConfig, svc: ServiceConfig, version: string): DockerfileInputs {
  return { name: imageName(svc, version), ...imageSource(config, svc), buildArgs: { VERSION: version } };
}

function imageName(svc: ServiceConfig, version: string): string {
  return `${svc.name}-${version}`;
}

function versionsOf(svc: ServiceConfig): string[] {
  return svc.canary.version !== undefined ? [svc.version, svc.canary.version] : [svc.version];
}

/**
 * Audits every Dockerfile the stack would build and throws one error listing every failing one, so a bad
 * Dockerfile fails preview before any resource is registered (DistrolessImage audits again when constructed).
 */
function auditDockerfiles(config: PlatformConfig): void {
  const failures: string[] = [];
  for (const svc of config.services) {
    for (const version of versionsOf(svc)) {
      try {
        planDockerfile(dockerfileInputs(config, svc, version));
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
    }
  }
  if (failures.length > 0) throw new Error(failures.join("\n"));
}

function imageArgs(config: PlatformConfig, svc: ServiceConfig, version: string): DistrolessImageArgs {
  const { registry, images } = config;
  return {
    ...imageSource(config, svc),
    repository: `${registry.server}/${registry.repositoryPrefix}/${svc.name}`,
    context: svc.app,
    platforms: [...images.platforms],
    ...(registry.username !== undefined && registry.password !== undefined
      ? {
          registry: {
            address: registry.server,
            username: registry.username,
            password: pulumi.secret(registry.password),
          },
        }
      : {}),
    // The VERSION build arg comes from `version`; the tag is the version too.
    version,
    tags: [version],
  };
}

function gatewayArgs(config: PlatformConfig, svc: ServiceConfig): CanaryGatewayArgs | undefined {
  const gw = config.gateway;
  if (gw.name === undefined || gw.namespace === undefined) return undefined;
  return {
    name: gw.name,
    namespace: gw.namespace,
    ...(gw.sectionName !== undefined ? { sectionName: gw.sectionName } : {}),
    ...(svc.hostnames.length > 0 ? { hostnames: [...svc.hostnames] } : {}),
  };
}

/** The program. Throws before registering anything when the stack config is invalid. */
async function main(): Promise<PlatformOutputs> {
  // Validation first: a bad value or Dockerfile fails preview here, every problem listed, nothing registered.
  // CanaryRelease logs the replica-precision warning against its own resource, so it is not repeated here.
  const { config } = readStackConfig(__dirname);
  auditDockerfiles(config);
  const gatewayNamespace = config.gateway.name !== undefined ? config.gateway.namespace : undefined;

  const namespace = new RestrictedNamespace("platform", {
    namespaceName: config.namespace.name,
    podSecurityVersion: config.namespace.pssVersion,
    quota: { ...config.namespace.quota },
    ...(gatewayNamespace !== undefined ? { allowFromNamespaces: [gatewayNamespace] } : {}),
  });

  const rc = config.runtimeClass;
  const runtimeClass = new GvisorRuntimeClass(
    "sandbox",
    rc.mode === "adopt"
      ? { runtimeClassName: rc.name, handler: rc.handler, existing: true }
      : {
          runtimeClassName: rc.name,
          handler: rc.handler,
          overhead: { ...rc.overhead },
          nodeSelector: { ...rc.nodeSelector },
          tolerations: rc.tolerations.map((t) => ({ ...t })),
        },
  );

  const services: Record<string, ServiceOutputs> = {};
  for (const svc of config.services) {
    // One image per version, named by it: promoting the canary's version to stable reuses its image resource.
    const image = (version: string) =>
      new DistrolessImage(imageName(svc, version), imageArgs(config, svc, version));
    const stableImage = image(svc.version);
    const canaryImage = svc.canary.version !== undefined ? image(svc.canary.version) : undefined;
    const gateway = gatewayArgs(config, svc);

    const release = new CanaryRelease(
      svc.name,
      {
        namespace: namespace.name,
        appName: svc.name,
        stable: { image: stableImage.ref, version: svc.version },
        ...(canaryImage !== undefined && svc.canary.version !== undefined
          ? { canary: { image: canaryImage.ref, version: svc.canary.version } }
          : {}),
        weight: svc.canary.weight,
        steps: [...config.canary.steps],
        replicas: svc.replicas,
        // The gateway's pods are the only callers from outside the namespace.
        ...(gateway !== undefined && gatewayNamespace !== undefined
          ? { gateway, ingressFrom: [{ namespace: gatewayNamespace }] }
          : {}),
        pod: {
          containerPort: svc.port,
          resources: {
            requests: { ...svc.resources.requests },
            limits: { ...svc.resources.limits },
          },
          writablePaths: svc.writablePaths.map((w) => ({ ...w })),
          env: { ...svc.env, PORT: String(svc.port) },
          runtimeClassName: rc.name,
          allowUnpinnedImage: !config.requireDigest,
        },
      },
      // The pods need the runtime class and the namespace's quota and policies in place first.
      { dependsOn: [namespace, runtimeClass] },
    );

    services[svc.name] = {
      serviceName: release.serviceName,
      image: stableImage.ref,
      ...(canaryImage !== undefined ? { canaryImage: canaryImage.ref } : {}),
      stableImage: release.stableImage,
      weight: release.weight,
      effectiveWeight: release.effectiveWeight,
      phase: release.phase,
      replicas: { stable: release.stableReplicas, canary: release.canaryReplicas },
    };
  }

  return {
    environment: config.environment,
    namespace: namespace.name,
    podSecurityVersion: namespace.podSecurityVersion,
    runtimeClass: runtimeClass.name,
    runtimeClassHandler: runtimeClass.handler,
    services,
  };
}

export = main;
