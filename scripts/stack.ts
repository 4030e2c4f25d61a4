// The deployment driver: runs the Pulumi program through the Automation API with the program inline, because
// the Node.js language host cannot be installed here (an official Pulumi install can use `pulumi up` instead).
//
//   npm run preview -- --stack staging      npm run deploy -- --stack local      npm run destroy -- --stack local
//
// It never writes the user's Pulumi.<stack>.yaml: the engine works on a copy in a workspace folder of the cache,
// which keeps what the engine adds (the secrets salt) between runs. State goes to PULUMI_BACKEND_URL, or to a file
// backend in the cache. The policy pack in policies/ runs on every operation.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { binDir, cacheDir, localKubeconfig, PROJECT_ROOT, progress } from "./lib/paths";

export const PROJECT_NAME = "distroless-platform";

/** How to reach one operation's stack. */
export interface StackTarget {
  /** Stack name; its settings are `Pulumi.<stack>.yaml` in `projectRoot`. */
  stack: string;
  /** Folder holding Pulumi.yaml and the stack files (the repository root by default). */
  projectRoot?: string;
  /** The program; default: the project's index.ts. */
  program?: () => Promise<Record<string, unknown> | void>;
  /** Policy pack folder; default policies/ of this repository; false runs none. */
  policyPack?: string | false;
  /** Environment for the engine beyond this process's (KUBECONFIG, PULUMI_BACKEND_URL, ...). */
  env?: Record<string, string>;
  /** Engine output; default: this process's stdout. */
  onOutput?: (text: string) => void;
  /** Engine events (resource steps, policy violations). */
  onEvent?: (event: EngineEvent) => void;
  /**
   * Config values (project keys, without the `distroless-platform:` prefix) laid over the stack file for this
   * operation only: they go into the workspace copy, never into the user's file.
   */
  config?: Record<string, unknown>;
  /**
   * Policy config (policy name → settings) laid over the stack's own, `policies/config/<stack>.json` (the local
   * stack's names its base-image mirror as an allowed registry).
   */
  policyConfig?: Record<string, Record<string, unknown>>;
}

/** A clear error for the driver's users: what is wrong and what to do next. */
export class DriverError extends Error {}

const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The environment the engine runs with: our tools first on PATH, a file backend unless one is configured. */
export function engineEnv(
  target: StackTarget,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const bin = binDir(base);
  const backend = base.PULUMI_BACKEND_URL ?? `file://${path.join(cacheDir(base), "state")}`;
  if (backend.startsWith("file://")) fs.mkdirSync(backend.slice("file://".length), { recursive: true });
  const env: Record<string, string> = {
    PATH: `${bin}${path.delimiter}${base.PATH ?? ""}`,
    PULUMI_BACKEND_URL: backend,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // Plugins come from the Pulumi home's plugin cache (npm run toolchain installs them there), not from PATH.
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    // Relative build contexts in state are the project's; the BuildKit provider resolves them from here.
    DISTROLESS_PROJECT_ROOT: path.resolve(target.projectRoot ?? PROJECT_ROOT),
  };
  // A local file backend without a passphrase set uses the empty one, as `pulumi stack init` would ask for.
  if (base.PULUMI_CONFIG_PASSPHRASE === undefined && base.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    env.PULUMI_CONFIG_PASSPHRASE = "";
  }
  Object.assign(env, providerToolsEnv(base));
  if (target.stack === "local" && base.KUBECONFIG === undefined) env.KUBECONFIG = localKubeconfig(base);
  return { ...env, ...(target.env ?? {}) };
}

/** Where the dynamic providers find the toolchain's buildctl and grype (else on PATH). */
export function providerToolsEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const tool of ["buildctl", "grype"]) {
    const file = path.join(binDir(base), tool);
    if (fs.existsSync(file)) env[`DISTROLESS_${tool.toUpperCase()}`] = file;
  }
  return env;
}

/** Keys the engine writes into a stack file; kept in the workspace copy between runs. */
const ENGINE_KEYS = /^(encryptionsalt|secretsprovider|encryptedkey):/;

/**
 * The stack file the engine works on: the user's text, plus the engine's own keys from the previous copy when
 * the user's file has none. Pure, so it can be tested.
 */
export function mergeStackFile(userText: string, previousCopy: string | undefined): string {
  const userHas = userText.split("\n").some((l) => ENGINE_KEYS.test(l));
  if (userHas || previousCopy === undefined) return userText;
  const kept = previousCopy.split("\n").filter((l) => ENGINE_KEYS.test(l));
  if (kept.length === 0) return userText;
  return `${kept.join("\n")}\n${userText}`;
}

/** Copies Pulumi.yaml and the stack's file into the workspace folder; returns that folder. */
export function prepareWorkDir(target: StackTarget, base: NodeJS.ProcessEnv = process.env): string {
  const root = path.resolve(target.projectRoot ?? PROJECT_ROOT);
  if (!STACK_NAME.test(target.stack)) {
    throw new DriverError(
      `--stack: ${JSON.stringify(target.stack)} is not a stack name; expected letters, digits, "_", "." or "-"`,
    );
  }
  const stackFile = path.join(root, `Pulumi.${target.stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const known = fs
      .readdirSync(root)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    throw new DriverError(
      `--stack: ${JSON.stringify(target.stack)} has no settings file Pulumi.${target.stack}.yaml; stacks here: ${known.join(", ")}`,
    );
  }
  const id = crypto.createHash("sha256").update(root).digest("hex").slice(0, 12);
  const dir = path.join(cacheDir(base), "workspaces", id);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  // Plugins started in the workspace (the dynamic-provider host) resolve @pulumi/pulumi from here.
  const modules = path.join(dir, "node_modules");
  const want = path.join(PROJECT_ROOT, "node_modules");
  if (!fs.existsSync(modules) || fs.readlinkSync(modules) !== want) {
    fs.rmSync(modules, { force: true, recursive: true });
    fs.symlinkSync(want, modules);
  }
  const copy = path.join(dir, `Pulumi.${target.stack}.yaml`);
  const previous = fs.existsSync(copy) ? fs.readFileSync(copy, "utf8") : undefined;
  fs.writeFileSync(copy, mergeStackFile(fs.readFileSync(stackFile, "utf8"), previous));
  return dir;
}

function defaultProgram(root: string): () => Promise<Record<string, unknown> | void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const main = require(path.join(root, "index.ts")) as () => Promise<Record<string, unknown> | void>;
  return () => main();
}

/** Selects (or creates) the stack in its workspace, ready for preview/up/destroy. */
export async function openStack(target: StackTarget): Promise<Stack> {
  const root = path.resolve(target.projectRoot ?? PROJECT_ROOT);
  const env = engineEnv(target);
  const pulumiBin = env.PATH.split(path.delimiter)
    .map((d) => path.join(d, "pulumi"))
    .find((p) => fs.existsSync(p));
  if (pulumiBin === undefined) {
    throw new DriverError(
      "the Pulumi CLI is not installed; run: npm run toolchain (it builds it into the cache)",
    );
  }
  const workDir = prepareWorkDir(target);
  const program = target.program ?? defaultProgram(root);
  // The CLI found first on the engine's PATH: the user's own, or ours in the cache (<root>/bin/pulumi).
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(pulumiBin)) });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: target.stack, projectName: PROJECT_NAME, program: inProject(root, program) },
    { workDir, envVars: env, pulumiCommand },
  );
  if (target.config !== undefined && Object.keys(target.config).length > 0) {
    await stack.setAllConfig(
      Object.fromEntries(
        Object.entries(target.config).map(([key, value]) => [
          `${PROJECT_NAME}:${key}`,
          { value: typeof value === "string" ? value : JSON.stringify(value) },
        ]),
      ),
    );
  }
  return stack;
}

/** Runs the program with the project as working directory: app paths in the config are relative to it. */
function inProject(
  root: string,
  program: () => Promise<Record<string, unknown> | void>,
): () => Promise<Record<string, unknown> | void> {
  return async () => {
    const before = process.cwd();
    process.chdir(root);
    try {
      return await program();
    } finally {
      process.chdir(before);
    }
  };
}

/** The stack's policy config, `policies/config/<stack>.json`, with the target's `policyConfig` laid over it. */
export function policyConfigFor(target: StackTarget): Record<string, Record<string, unknown>> {
  const own = path.join(PROJECT_ROOT, "policies", "config", `${target.stack}.json`);
  const merged: Record<string, Record<string, unknown>> = fs.existsSync(own)
    ? (JSON.parse(fs.readFileSync(own, "utf8")) as Record<string, Record<string, unknown>>)
    : {};
  for (const [policy, settings] of Object.entries(target.policyConfig ?? {})) {
    merged[policy] = { ...(merged[policy] ?? {}), ...settings };
  }
  return merged;
}

/** The policy config file for an operation: the stack's own, with `policyConfig` laid over it; none if neither. */
export function policyConfigFile(target: StackTarget, workDir: string): string | undefined {
  const own = path.join(PROJECT_ROOT, "policies", "config", `${target.stack}.json`);
  if (target.policyConfig === undefined) return fs.existsSync(own) ? own : undefined;
  const file = path.join(workDir, `policy-config.${target.stack}.json`);
  fs.writeFileSync(file, `${JSON.stringify(policyConfigFor(target), null, 2)}\n`);
  return file;
}

function opOptions(target: StackTarget, workDir: string) {
  const pack = target.policyPack ?? path.join(PROJECT_ROOT, "policies");
  const packConfig = pack !== false ? policyConfigFile(target, workDir) : undefined;
  return {
    onOutput: target.onOutput ?? ((text: string) => process.stdout.write(text)),
    ...(target.onEvent !== undefined ? { onEvent: target.onEvent } : {}),
    ...(pack !== false ? { policyPacks: [pack] } : {}),
    ...(packConfig !== undefined ? { policyPackConfigs: [packConfig] } : {}),
  };
}

export async function preview(target: StackTarget) {
  const stack = await openStack(target);
  return stack.preview({ ...opOptions(target, stack.workspace.workDir), diff: false });
}

export async function up(target: StackTarget) {
  const stack = await openStack(target);
  return stack.up(opOptions(target, stack.workspace.workDir));
}

export async function destroy(target: StackTarget) {
  const stack = await openStack(target);
  const { onOutput, onEvent } = opOptions(target, stack.workspace.workDir);
  return stack.destroy({ onOutput, ...(onEvent !== undefined ? { onEvent } : {}) });
}

/** The Kubernetes client library and a config for the cluster the target's stack deploys to. */
export async function kubeClientFor(target: StackTarget): Promise<{
  k8s: typeof import("@kubernetes/client-node");
  kc: import("@kubernetes/client-node").KubeConfig;
}> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  const kubeconfig = engineEnv(target).KUBECONFIG ?? process.env.KUBECONFIG;
  if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return { k8s, kc };
}

/** `<name>  http://<cluster IP>:<port>` for each service the stack exports. */
export async function endpoints(stack: Stack, kubeconfig: string | undefined): Promise<string[]> {
  const outputs = await stack.outputs();
  const namespace = outputs.namespace?.value as string | undefined;
  const services = (outputs.services?.value ?? {}) as Record<string, { serviceName?: string }>;
  if (namespace === undefined) return [];
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const lines: string[] = [];
  for (const [name, svc] of Object.entries(services)) {
    if (svc.serviceName === undefined) continue;
    const s = await core.readNamespacedService({ name: svc.serviceName, namespace });
    const port = s.spec?.ports?.[0]?.port;
    lines.push(
      `${name}  http://${s.spec?.clusterIP ?? "?"}:${port ?? "?"}  (Service ${namespace}/${svc.serviceName})`,
    );
  }
  return lines;
}

const USAGE = `usage: stack.ts <preview|up|destroy|outputs> [--stack <name>] [--no-policy]
  --stack      stack whose Pulumi.<stack>.yaml is used (default: local)
  --no-policy  run without the policy pack (policies/)`;

async function cli(argv: string[]): Promise<number> {
  const t0 = Date.now();
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stack: { type: "string", default: "local" },
      "no-policy": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const target: StackTarget = {
    stack: values.stack,
    ...(values["no-policy"] ? { policyPack: false as const } : {}),
  };
  const env = engineEnv(target);
  progress(
    t0,
    `${command} ${target.stack}: backend ${env.PULUMI_BACKEND_URL}${env.KUBECONFIG ? `, kubeconfig ${env.KUBECONFIG}` : ""}`,
  );
  switch (command) {
    case "preview": {
      const r = await preview(target);
      progress(t0, `preview ${target.stack}: ${JSON.stringify(r.changeSummary)}`);
      return 0;
    }
    case "up": {
      const r = await up(target);
      progress(
        t0,
        `up ${target.stack}: ${r.summary.result} ${JSON.stringify(r.summary.resourceChanges ?? {})}`,
      );
      const stack = await openStack(target);
      for (const line of await endpoints(stack, env.KUBECONFIG ?? process.env.KUBECONFIG)) {
        process.stdout.write(`endpoint: ${line}\n`);
      }
      if (target.stack === "local") {
        process.stdout.write(
          "Reach them inside the cluster network: npm run local:exec -- curl -s http://<ip>:<port>/healthz\n",
        );
      }
      return 0;
    }
    case "destroy": {
      const r = await destroy(target);
      progress(t0, `destroy ${target.stack}: ${r.summary.result}`);
      return 0;
    }
    case "outputs": {
      const stack = await openStack(target);
      process.stdout.write(`${JSON.stringify(await stack.outputs(), null, 2)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof DriverError) process.stderr.write(`error: ${e.message}\n`);
      else if (e instanceof Error && e.name === "CommandError") {
        // The engine's output was streamed above; its error stream is in the message.
        const stderr = /\n stderr: ([\s\S]*)$/.exec(e.message)?.[1]?.trim();
        process.stderr.write(
          `error: the Pulumi operation failed${stderr ? `:\n${stderr}` : " (details above)"}\n`,
        );
      } else process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
