// The cross-field rules of config.ts one by one: each is a function of the parsed sections, so each is given a
// valid configuration with one thing changed, and must name exactly that key (and nothing on the valid one).
import { strict as assert } from "node:assert";
import {
  adoptedRuntimeClassUnscheduled,
  attestationsNeedBuildkit,
  vulnerabilitiesNeedSbom,
  minimalBaseNeedsMirror,
  builderOrBuildkit,
  canaryVersionDiffers,
  canaryVersionWithWeight,
  canaryWeightIsStep,
  chainguardBasesPinned,
  CONFIG_RULES,
  crossFieldProblems,
  debugImagePinnedInProd,
  envAllowed,
  minimalBaseFits,
  gatewayKeysNeedName,
  gatewayNeedsNamespace,
  hostnamesRouted,
  IMAGE_RULES,
  loadConfig,
  prodRequiresDigest,
  pythonVersionOfGoogleBase,
  quotaFitsServices,
  registryCredentialsTogether,
  registryPasswordIsSecret,
  requestsWithinLimits,
  serviceAppInsideProject,
  serviceNameUnique,
  SERVICE_RULES,
  stableImageWhileCanary,
  writablePathsUnique,
  type ConfigRule,
  type ParsedConfig,
  type RuleInput,
  type ServiceConfig,
  type ServiceRule,
} from "../config";

const PINNED = `registry.example.com/a@sha256:${"ab".repeat(32)}`;
const VALID: ParsedConfig = loadConfig({}).config;
const INPUT: RuleInput = { raw: {}, options: {} };
const svc = (over: Partial<ServiceConfig> = {}): ServiceConfig =>
  ({ ...VALID.services[0]!, ...over }) as ServiceConfig;
const keysOf = (problems: readonly string[]): string[] => problems.map((p) => p.slice(0, p.indexOf(":")));

describe("config rules, one at a time", () => {
  const global: [string, ConfigRule, Partial<ParsedConfig>, RuleInput, string[]][] = [
    [
      "debugImagePinnedInProd",
      debugImagePinnedInProd,
      { environment: "prod", debug: { image: "r.io/d:1" } },
      INPUT,
      ["debug.image"],
    ],
    [
      "registryPasswordIsSecret",
      registryPasswordIsSecret,
      {},
      { raw: { registry: { password: "x" } }, options: {} },
      ["registry.password"],
    ],
    [
      "registryCredentialsTogether",
      registryCredentialsTogether,
      { registry: { ...VALID.registry!, username: "u" } },
      INPUT,
      ["registry.password"],
    ],
    [
      "gatewayKeysNeedName",
      gatewayKeysNeedName,
      { gateway: { namespace: "gw", sectionName: "https" } },
      INPUT,
      ["gateway.namespace", "gateway.sectionName"],
    ],
    [
      "gatewayNeedsNamespace",
      gatewayNeedsNamespace,
      { gateway: { name: "gw" } },
      INPUT,
      ["gateway.namespace"],
    ],
    [
      "adoptedRuntimeClassUnscheduled",
      adoptedRuntimeClassUnscheduled,
      { runtimeClass: { ...VALID.runtimeClass!, mode: "adopt", nodeSelector: { a: "b" } } },
      INPUT,
      ["runtimeClass.nodeSelector"],
    ],
    [
      "prodRequiresDigest",
      prodRequiresDigest,
      { environment: "prod", requireDigest: false },
      INPUT,
      ["requireDigest"],
    ],
    [
      "attestationsNeedBuildkit",
      attestationsNeedBuildkit,
      { images: { ...VALID.images!, attestations: { provenance: false } } },
      INPUT,
      ["images.attestations"],
    ],
    [
      "vulnerabilitiesNeedSbom",
      vulnerabilitiesNeedSbom,
      {
        images: { ...VALID.images!, vulnerabilities: { database: "v.db", failOn: "high", onlyFixed: true } },
      },
      INPUT,
      ["images.vulnerabilities"],
    ],
    [
      "minimalBaseNeedsMirror",
      minimalBaseNeedsMirror,
      { images: { ...VALID.images!, base: "minimal" } },
      INPUT,
      ["images.base"],
    ],
    [
      "builderOrBuildkit",
      builderOrBuildkit,
      { images: { ...VALID.images!, builder: "b", buildkit: { address: "tcp://127.0.0.1:1" } } },
      INPUT,
      ["images.builder"],
    ],
    [
      "pythonVersionOfGoogleBase",
      pythonVersionOfGoogleBase,
      { images: { ...VALID.images!, pythonVersion: "3.12" } },
      INPUT,
      ["images.pythonVersion"],
    ],
    [
      "chainguardBasesPinned",
      chainguardBasesPinned,
      { images: { ...VALID.images!, provider: "chainguard" } },
      INPUT,
      ["images.baseDigests.nodejs", "images.baseDigests.static"],
    ],
  ];
  for (const [name, rule, change, input, keys] of global) {
    it(`${name}: silent on the defaults, names ${keys.join(", ")} when broken`, () => {
      assert.deepEqual(rule(VALID, INPUT), []);
      assert.deepEqual(keysOf(rule({ ...VALID, ...change }, input)), keys);
    });
  }

  const perService: [
    string,
    ServiceRule,
    (ServiceConfig | undefined)[],
    RuleInput,
    Partial<ParsedConfig>,
    string[],
  ][] = [
    ["serviceNameUnique", serviceNameUnique, [svc(), svc()], INPUT, {}, ["services[1].name"]],
    [
      "serviceAppInsideProject",
      serviceAppInsideProject,
      [svc(), svc({ app: "nope" })],
      { raw: {}, options: { pathProblem: (p) => (p === "nope" ? "nothing there" : undefined) } },
      {},
      ["services[1].app"],
    ],
    [
      "canaryWeightIsStep",
      canaryWeightIsStep,
      [svc(), svc({ canary: { weight: 15 } })],
      INPUT,
      {},
      ["services[1].canary.weight"],
    ],
    [
      "canaryVersionWithWeight",
      canaryVersionWithWeight,
      [svc(), svc({ canary: { weight: 10 } })],
      INPUT,
      {},
      ["services[1].canary.version"],
    ],
    [
      "stableImageWhileCanary",
      stableImageWhileCanary,
      [svc(), svc({ stableImage: PINNED })],
      INPUT,
      {},
      ["services[1].stableImage"],
    ],
    [
      "canaryVersionDiffers",
      canaryVersionDiffers,
      [svc(), svc({ canary: { weight: 0, version: "1.0.0" } })],
      INPUT,
      {},
      ["services[1].canary.version"],
    ],
    [
      "requestsWithinLimits",
      requestsWithinLimits,
      [
        svc(),
        svc({ resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } } }),
      ],
      INPUT,
      {},
      ["services[1].resources.requests.cpu"],
    ],
    [
      "writablePathsUnique",
      writablePathsUnique,
      [
        svc(),
        svc({
          writablePaths: [
            { path: "/a", sizeLimit: "1Mi" },
            { path: "/a", sizeLimit: "1Mi" },
          ],
        }),
      ],
      INPUT,
      {},
      ["services[1].writablePaths[1].path"],
    ],
    [
      "hostnamesRouted",
      hostnamesRouted,
      [svc({ hostnames: ["a.example.com"] }), svc({ hostnames: ["a.example.com"] })],
      INPUT,
      { gateway: { name: "gw", namespace: "gw" } },
      ["services[1].hostnames[0]"],
    ],
    [
      "envAllowed",
      envAllowed,
      [svc(), svc({ env: { PORT: "1", API_TOKEN: "x" } })],
      INPUT,
      {},
      ["services[1].env.PORT", "services[1].env.API_TOKEN"],
    ],
    [
      "minimalBaseFits",
      minimalBaseFits,
      [svc(), svc({ runtime: "python", base: "minimal" })],
      INPUT,
      {},
      ["services[1].base"],
    ],
  ];
  for (const [name, rule, services, input, change, keys] of perService) {
    it(`${name}: silent on a valid service, names ${keys.join(", ")} on the broken one`, () => {
      const c: ParsedConfig = { ...VALID, ...change, services };
      assert.deepEqual(rule(services[0]!, "services[0]", 0, c, input), []);
      assert.deepEqual(keysOf(rule(services[1]!, "services[1]", 1, c, input)), keys);
    });
  }

  it("quotaFitsServices: names each quota too small, and waits for valid services", () => {
    const small: ParsedConfig = {
      ...VALID,
      namespace: { ...VALID.namespace!, quota: { ...VALID.namespace!.quota, pods: 1 } },
    };
    assert.deepEqual(quotaFitsServices(VALID, true), []);
    assert.deepEqual(keysOf(quotaFitsServices(small, true)), ["namespace.quota.pods"]);
    assert.deepEqual(quotaFitsServices(small, false), []);
  });

  it("are all applied by crossFieldProblems, and every exported rule is in a list", () => {
    const named = [...CONFIG_RULES, ...SERVICE_RULES, ...IMAGE_RULES].map((r) => r.name);
    assert.equal(new Set(named).size, named.length);
    assert.equal(named.length, global.length + perService.length);
    assert.deepEqual(crossFieldProblems(VALID, INPUT), []);
    assert.deepEqual(
      keysOf(
        crossFieldProblems(
          {
            ...VALID,
            environment: "prod",
            requireDigest: false,
            services: [svc({ replicas: 10 }), svc({ replicas: 10 })],
          },
          INPUT,
        ),
      ),
      ["requireDigest", "services[1].name"],
    );
  });
});
