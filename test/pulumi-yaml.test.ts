// Pulumi.yaml declares every config key with a description and a default that pass validation, and the stack
// files hold only known keys, no plaintext credentials, and the differences users expect between environments.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import { cacheDir, pinnedVersions } from "../scripts/lib/paths";
import { projectPathProblem } from "../components/project-path";
import { CONFIG_KEYS, decodeConfigValue, loadConfig } from "../config";
import { encodeConfigValue, PROJECT_ROOT, STACKS } from "./helpers/run-program";

function readYaml(file: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as Record<string, unknown>;
}

interface ConfigDeclaration {
  type?: string;
  items?: { type: string };
  description?: string;
  default?: unknown;
  secret?: boolean;
}

const project = readYaml("Pulumi.yaml");
const declarations = project.config as Record<string, ConfigDeclaration>;
/**
 * The pinned CLI's own project schema (sdk/go/common/workspace/project.json of github.com/pulumi/pulumi/sdk/v3 at
 * PULUMI_VERSION, from the Go module proxy or its cache): the declarable config types and attributes.
 */
function pulumiProjectSchema(): { types: string[]; attributes: string[] } {
  const env = {
    ...process.env,
    GOMODCACHE: path.join(cacheDir(), "go", "mod"),
    GOFLAGS: "-modcacherw",
    GOTOOLCHAIN: "local",
  };
  const mod = `github.com/pulumi/pulumi/sdk/v3@v${pinnedVersions().PULUMI_VERSION}`;
  const out = execFileSync("go", ["mod", "download", "-json", mod], { env, encoding: "utf8" });
  const dir = (JSON.parse(out) as { Dir: string }).Dir;
  const schema = JSON.parse(
    fs.readFileSync(path.join(dir, "go", "common", "workspace", "project.json"), "utf8"),
  ) as { $defs: Record<string, { enum?: string[]; properties?: Record<string, unknown> }> };
  return {
    types: schema.$defs.simpleConfigType.enum ?? [],
    attributes: Object.keys(schema.$defs.configTypeDeclaration.properties ?? {}),
  };
}
const { types: PULUMI_TYPES, attributes: PULUMI_ATTRIBUTES } = pulumiProjectSchema();

function pulumiTypeOf(value: unknown): string | undefined {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number" && Number.isInteger(value)) return "integer";
  // Pulumi's `items` can only name a primitive type, so only arrays of primitives are typeable.
  if (Array.isArray(value) && value.every((v) => pulumiTypeOf(v) !== undefined && !Array.isArray(v)))
    return "array";
  return undefined;
}

/** Short key → value, as the program reads them after the engine's string encoding. */
function decoded(config: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const short = key.slice(prefix.length);
    out[short] = decodeConfigValue(short, encodeConfigValue(value));
  }
  return out;
}

describe("Pulumi.yaml", () => {
  it("names the project and runs TypeScript on the nodejs runtime with npm", () => {
    assert.equal(project.name, "distroless-platform");
    assert.deepEqual(project.runtime, {
      name: "nodejs",
      options: { typescript: true, packagemanager: "npm" },
    });
    assert.equal(typeof project.description, "string");
    assert.ok((project.description as string).length > 20);
  });

  it("declares exactly the keys config.ts validates", () => {
    assert.deepEqual(Object.keys(declarations).sort(), [...CONFIG_KEYS].sort());
  });

  for (const key of CONFIG_KEYS) {
    it(`declares ${key} with a description, a default and a valid Pulumi type`, () => {
      const decl = declarations[key];
      assert.ok(decl !== undefined, `${key} is not declared`);
      for (const attribute of Object.keys(decl)) {
        assert.ok(
          PULUMI_ATTRIBUTES.includes(attribute),
          `${key}.${attribute} is not a Pulumi config attribute`,
        );
      }
      assert.equal(typeof decl.description, "string");
      assert.ok((decl.description as string).length >= 30, `${key} needs a real description`);
      assert.notEqual(decl.default, undefined, `${key} has no default`);
      const primitive = pulumiTypeOf(decl.default);
      if (primitive === undefined) {
        // Structured keys carry no `type` (the schema makes it optional, and its "object" would not describe the
        // shape inside); config.ts's zod schema validates them.
        assert.ok(PULUMI_TYPES.includes("object"), "the pinned CLI's schema lists the object type");
        assert.equal(typeof decl.default, "object");
        assert.equal(decl.type, undefined, `${key}: structured keys are validated by config.ts, not typed`);
      } else {
        assert.equal(decl.type, primitive, `${key}: type must match its default`);
        assert.ok(PULUMI_TYPES.includes(decl.type as string));
        if (primitive === "array") {
          const itemTypes = new Set((decl.default as unknown[]).map(pulumiTypeOf));
          assert.equal(itemTypes.size, 1);
          assert.deepEqual(decl.items, { type: [...itemTypes][0] });
        }
      }
    });
  }

  it("has defaults that pass validation and equal the schema's own defaults", () => {
    const defaults: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(declarations)) defaults[key] = decl.default;
    const fromYaml = loadConfig(decoded(defaults), {
      pathProblem: (p, kind) => projectPathProblem(PROJECT_ROOT, p, kind),
    });
    assert.deepEqual(fromYaml, loadConfig({}));
  });
});

describe("stack files", () => {
  const stacks = Object.fromEntries(
    STACKS.map((stack) => [
      stack,
      (readYaml(`Pulumi.${stack}.yaml`).config ?? {}) as Record<string, unknown>,
    ]),
  );
  const loaded = (stack: string) =>
    loadConfig(decoded(stacks[stack], "distroless-platform:"), {
      pathProblem: (p, kind) => projectPathProblem(PROJECT_ROOT, p, kind),
    }).config;

  for (const stack of STACKS) {
    it(`Pulumi.${stack}.yaml sets only known project keys and no plaintext credential`, () => {
      for (const key of Object.keys(stacks[stack])) {
        assert.ok(key.startsWith("distroless-platform:"), `${key} is not in the project namespace`);
        assert.ok((CONFIG_KEYS as readonly string[]).includes(key.slice("distroless-platform:".length)), key);
      }
      const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
      assert.doesNotMatch(text, /^\s*password\s*:/m);
      assert.equal(loaded(stack).environment, stack);
    });
  }

  it("prod pins digests and runs a multiple of 10 replicas per service", () => {
    const prod = loaded("prod");
    assert.equal(prod.requireDigest, true);
    assert.deepEqual(
      prod.services.map((s) => [s.name, s.replicas, s.canary.weight]),
      [
        ["node-service", 10, 10],
        ["go-service", 10, 0],
      ],
    );
    assert.equal(prod.runtimeClass.mode, "adopt");
    assert.equal(prod.registry.server, "ghcr.io");
  });

  for (const stack of ["staging", "prod"]) {
    it(`${stack} runs its canary's stable track from a digest-pinned stableImage, flagged as illustrative`, () => {
      const node = loaded(stack).services[0];
      assert.equal(node.canary.version, "1.1.0");
      assert.match(
        node.stableImage ?? "",
        /^ghcr\.io\/acme\/distroless-platform\/node-service@sha256:[0-9a-f]{64}$/,
      );
      const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
      assert.match(text, /ILLUSTRATIVE VALUE/);
      assert.equal(loaded(stack).services[1].stableImage, undefined);
    });
  }

  it("prod leaves base digests unset and warns for each family instead of inventing digests", () => {
    const { config, warnings } = loadConfig(decoded(stacks.prod, "distroless-platform:"));
    assert.deepEqual(config.images.baseDigests, {});
    assert.deepEqual(
      warnings.map((w) => w.slice(0, w.indexOf(":"))),
      ["images.baseDigests.nodejs", "images.baseDigests.static"],
    );
  });

  it("staging is smaller than prod and splits its canary weight exactly", () => {
    const { config, warnings } = loadConfig(decoded(stacks.staging, "distroless-platform:"));
    assert.deepEqual(
      config.services.map((s) => [s.name, s.replicas, s.canary.weight, s.canary.version]),
      [
        ["node-service", 5, 20, "1.1.0"],
        ["go-service", 2, 0, undefined],
      ],
    );
    assert.deepEqual(warnings, []);
    assert.ok(config.namespace.quota.pods < loaded("prod").namespace.quota.pods);
  });

  it("local targets the local registry and creates the gvisor RuntimeClass", () => {
    const local = loaded("local");
    assert.deepEqual(local.registry, {
      server: "localhost:5000",
      repositoryPrefix: "distroless-platform",
      mirror: "localhost:5000/distroless",
    });
    assert.deepEqual(
      [local.runtimeClass.mode, local.runtimeClass.name, local.runtimeClass.handler],
      ["create", "gvisor", "runsc"],
    );
    assert.deepEqual(
      local.services.map((s) => [s.name, s.runtime, s.replicas]),
      [
        ["node-service", "nodejs", 1],
        ["go-service", "go", 1],
        ["python-service", "python", 1],
      ],
    );
    // The local environment's BuildKit daemon builds the images; no buildx builder or docker-build plugin.
    assert.equal(local.images.builder, undefined);
    assert.deepEqual(local.images.buildkit, { address: "tcp://127.0.0.1:1234" });
  });
});
