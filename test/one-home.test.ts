// Concepts defined once and used everywhere: each test names the home and checks every user agrees with it.
import { strict as assert } from "node:assert";
import { LATEST_PSS_VERSION as CONFIG_LATEST_MINOR, loadConfig } from "../config";
import { DEFAULT_POD_SECURITY_VERSION } from "../components/namespace";
import { LATEST_PSS_MINOR, LATEST_PSS_VERSION } from "../policies/lib/pss-version";
import { DEFAULT_RULE_CONFIG } from "../policies/lib/rule";
import {
  LATEST_PSS_VERSION as REGISTRY_LATEST,
  MAX_PSS_MINOR,
  parsePssVersion,
} from "../policies/pss/registry";

describe("one home: the newest Pod Security Standards version (policies/lib/pss-version.ts)", () => {
  it("is what the PSS checks define, what `latest` means, and every default", () => {
    assert.equal(LATEST_PSS_VERSION, `v1.${LATEST_PSS_MINOR}`);
    assert.equal(MAX_PSS_MINOR, LATEST_PSS_MINOR);
    assert.equal(parsePssVersion("latest").minor, LATEST_PSS_MINOR);
    assert.equal(REGISTRY_LATEST, LATEST_PSS_VERSION);
    assert.equal(CONFIG_LATEST_MINOR, LATEST_PSS_MINOR);
    assert.equal(DEFAULT_POD_SECURITY_VERSION, LATEST_PSS_VERSION);
    assert.equal(DEFAULT_RULE_CONFIG.pssVersion, LATEST_PSS_VERSION);
    assert.equal(loadConfig({}).config.namespace.pssVersion, LATEST_PSS_VERSION);
  });
});

describe("one home: the image platforms (policies/lib/platforms.ts)", () => {
  it("are the component's default, the config's allowed and default list, and the pack's required set", async () => {
    const { PLATFORMS } = await import("../policies/lib/platforms");
    const { DEFAULT_PLATFORMS } = await import("../components/image");
    const { SUPPORTED_PLATFORMS } = await import("../config");
    const { REQUIRED_PLATFORMS } = await import("../policies/images/imagePlatforms");
    for (const list of [DEFAULT_PLATFORMS, SUPPORTED_PLATFORMS, REQUIRED_PLATFORMS])
      assert.equal(list, PLATFORMS);
    assert.deepEqual(loadConfig({}).config.images.platforms, [...PLATFORMS]);
  });
});

describe("one home: the hardened security contexts (policies/lib/hardened.ts)", () => {
  it("are the program's pod and container contexts and the pack's compliant baseline", async () => {
    const hardened = await import("../policies/lib/hardened");
    const podspec = await import("../components/podspec");
    const { compliantPodSpec, patchedPodSpec } = await import("../policies/lib/crossguard");
    const { ruleConfig } = await import("../policies/lib/rule");
    assert.deepEqual(podspec.buildPodSecurityContext(), hardened.hardenedPodSecurityContext());
    assert.deepEqual(
      podspec.buildContainerSecurityContext(true),
      hardened.hardenedContainerSecurityContext(true),
    );
    assert.equal(podspec.NONROOT_UID, hardened.NONROOT_UID);
    assert.deepEqual(compliantPodSpec(ruleConfig()).securityContext, hardened.hardenedPodSecurityContext());
    const patched = patchedPodSpec({ containers: [{ name: "web" }] }, ruleConfig());
    assert.deepEqual(patched.containers?.[0]?.securityContext, hardened.hardenedContainerSecurityContext());
  });
});

describe("one home: the namespace quota defaults (components/namespace.ts DEFAULT_QUOTA)", () => {
  it("are the stack config's defaults", async () => {
    const { DEFAULT_QUOTA } = await import("../components/namespace");
    assert.deepEqual(loadConfig({}).config.namespace.quota, { ...DEFAULT_QUOTA });
  });
});
