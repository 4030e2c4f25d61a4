// distroless-platform: validates the stack config, then creates the restricted namespace, the gVisor runtime
// class, one digest-pinned distroless image per service and a canary release per service.
//
// Only the version in the working tree is built: the service's app directory is the build context, and a rebuilt
// context overwrites the image. While a canary runs (canary.version set) that code is the canary's, so the stable
// track runs the already-built image given by digest in services[].stableImage; without a canary the built image is
// the stable one. At weight 100 CanaryRelease moves the canary's image to the stable track.
//
// The program is the exported function (Pulumi runs it and its result becomes the stack outputs), so tests can
// run it per stack under mocks. Config is read inside it, never at module load.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  BASE_FAMILY,
  baseOf,
  ENV_PORT,
  readStackConfig,
  runtimeVersionOf,
  STABLE_IMAGE_SOURCE,
  type PlatformConfig,
  type ServiceConfig,
} from "./config";
import { CanaryRelease, type CanaryGatewayArgs } from "./components/canary";
import {
  DistrolessImage,
  planDockerfile,
  type DistrolessImageArgs,
  type DockerfileInputs,
  type VulnerabilityCounts,
} from "./components/image";
import { RestrictedNamespace } from "./components/namespace";
import { GvisorRuntimeClass } from "./components/runtimeclass";

/** Stack outputs of one service. */
interface ServiceOutputs {
  /** Kubernetes Service clients use (with a gateway: the stable backend's). */
  serviceName: pulumi.Output<string>;
  /** With a gateway: the canary track's own Service while a canary runs (the release driver probes it). */
  canaryServiceName?: pulumi.Output<string | undefined>;
  /** Digest-pinned image built from the app this run (`repo@sha256:…`): the canary's version while one runs. */
  image: pulumi.Output<string>;
  /** Version built into `image` (canary.version while a canary runs, else version). */
  imageVersion: string;
  /** Digest-pinned image the canary Deployment runs (`image`); absent without a canary version. */
  canaryImage?: pulumi.Output<string>;
  /**
   * Image the stable Deployment runs (services[].stableImage while a canary runs, the canary's once promoted at
   * weight 100, else `image`). The value to copy into services[].stableImage when the next canary starts.
   */
  stableImage: pulumi.Output<string>;
  /**
   * Per platform, the digest of the SPDX SBOM attested on `image`'s index (BuildKit builds; empty otherwise):
   * fetch it with `crane blob <repository>@<digest>` or any registry client.
   */
  sbomDigests: pulumi.Output<Record<string, string>>;
  /**
   * Findings of the vulnerability gate (images.vulnerabilities) over `image`'s platforms, per severity: total and
   * fixable; empty without a gate.
   */
  vulnerabilities: pulumi.Output<VulnerabilityCounts>;
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
  base?: "minimal";
  minimal?: { caCertificates: boolean; timeZones: boolean };
  registryMirror?: string;
}

function imageSource(config: PlatformConfig, svc: ServiceConfig): ImageSource {
  const { registry, images } = config;
  const baseImageDigest = images.baseDigests[BASE_FAMILY[svc.runtime]];
  const runtimeVersion = runtimeVersionOf(images, svc.runtime);
  const mirror = registry.mirror !== undefined ? { registryMirror: registry.mirror } : {};
  // Paths stay relative to the project root (Pulumi's working directory), so state holds no machine paths.
  if (svc.dockerfile !== undefined)
    return { dockerfile: path.posix.join(svc.app, svc.dockerfile), ...mirror };
  return {
    runtime: svc.runtime,
    provider: images.provider,
    // Chainguard images are Wolfi-based; the Debian release only selects Google's images.
    ...(images.provider === "google" ? { debian: images.debian } : {}),
    ...(runtimeVersion !== undefined ? { runtimeVersion } : {}),
    ...(baseImageDigest !== undefined ? { baseImageDigest } : {}),
    ...(baseOf(svc, images) === "minimal"
      ? { base: "minimal" as const, minimal: { ...images.minimal } }
      : {}),
    ...mirror,
  };
}

function dockerfileInputs(config: PlatformConfig, svc: ServiceConfig, version: string): DockerfileInputs {
  return {
    name: imageName(svc, version),
    ...imageSource(config, svc),
    context: svc.app,
    buildArgs: { VERSION: version },
  };
}

function imageName(svc: ServiceConfig, version: string): string {
  return `${svc.name}-${version}`;
}

/** The version the working tree holds, the only one built: the canary's while a canary runs. */
function builtVersion(svc: ServiceConfig): string {
  return svc.canary.version ?? svc.version;
}

/**
 * Audits every Dockerfile the stack would build and throws one error listing every failing one, so a bad
 * Dockerfile fails preview before any resource is registered (DistrolessImage audits again when constructed).
 */
function auditDockerfiles(config: PlatformConfig): void {
  const failures: string[] = [];
  for (const svc of config.services) {
    try {
      planDockerfile(dockerfileInputs(config, svc, builtVersion(svc)));
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
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
    ...(images.builder !== undefined ? { builder: images.builder } : {}),
    ...(images.buildkit !== undefined ? { buildkitAddress: images.buildkit.address } : {}),
    ...(images.attestations !== undefined ? { attestations: { ...images.attestations } } : {}),
    ...(images.vulnerabilities !== undefined ? { vulnerabilityGate: { ...images.vulnerabilities } } : {}),
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
  // Config warnings (unpinned prod base images) are logged; CanaryRelease logs the replica-precision warning
  // against its own resource, and config.ts leaves that one to it.
  const { config, warnings } = readStackConfig(__dirname);
  auditDockerfiles(config);
  for (const warning of warnings) void pulumi.log.warn(warning);
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
      ? // overhead is what the stack expects the cluster's class to declare; a mismatch is warned about.
        {
          runtimeClassName: rc.name,
          handler: rc.handler,
          existing: true,
          overhead: { ...rc.overhead },
          overheadConfigKey: "runtimeClass.overhead",
        }
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
    // One image per service, named by the version built: closing a release (version = canary.version) keeps the
    // same image resource, so the promoted image is neither rebuilt nor replaced.
    const version = builtVersion(svc);
    const image = new DistrolessImage(imageName(svc, version), imageArgs(config, svc, version));
    const canaryVersion = svc.canary.version;
    const stableImage = canaryVersion !== undefined ? svc.stableImage : image.ref;
    if (stableImage === undefined) {
      // config.ts refuses a canary without stableImage; this keeps the types honest.
      throw new Error(
        `services.${svc.name}.stableImage is unset while canary.version is set; ${STABLE_IMAGE_SOURCE}`,
      );
    }
    const gateway = gatewayArgs(config, svc);

    const release = new CanaryRelease(
      svc.name,
      {
        namespace: namespace.name,
        appName: svc.name,
        stable: { image: stableImage, version: svc.version },
        ...(canaryVersion !== undefined ? { canary: { image: image.ref, version: canaryVersion } } : {}),
        weight: svc.canary.weight,
        steps: [...config.canary.steps],
        replicas: svc.replicas,
        progressDeadlineSeconds: svc.progressDeadlineSeconds,
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
          env: { ...svc.env, [ENV_PORT]: String(svc.port) },
          runtimeClassName: rc.name,
          allowUnpinnedImage: !config.requireDigest,
        },
      },
      // The pods need the runtime class and the namespace's quota and policies in place first.
      { dependsOn: [namespace, runtimeClass] },
    );

    services[svc.name] = {
      serviceName: release.serviceName,
      image: image.ref,
      imageVersion: version,
      ...(canaryVersion !== undefined ? { canaryImage: image.ref } : {}),
      ...(gateway !== undefined ? { canaryServiceName: release.canaryServiceName } : {}),
      stableImage: release.stableImage,
      sbomDigests: image.sbomDigests,
      vulnerabilities: image.vulnerabilities,
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
