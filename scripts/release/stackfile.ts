// The release's record is the stack's own settings file: a step is written to Pulumi.<stack>.yaml before its
// `up`, so a plain `pulumi up` afterwards changes nothing and a driver that died resumes from the file. Edits go
// through the yaml library's document model, so the user's comments and layout stay as they were.
import * as fs from "node:fs";
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from "yaml";
import type { ConfigPatch, ReleaseConfig } from "./state";

const PROJECT = "distroless-platform";

export class StackFileError extends Error {}

function serviceNode(doc: Document, file: string, service: string): YAMLMap {
  const services = doc.getIn(["config", `${PROJECT}:services`], true);
  if (!isSeq(services)) {
    throw new StackFileError(
      `${file}: config ${PROJECT}:services is not a list; the release needs the service there`,
    );
  }
  const names: string[] = [];
  for (const item of services.items) {
    if (!isMap(item)) continue;
    const name = item.get("name");
    if (typeof name === "string") names.push(name);
    if (name === service) return item;
  }
  throw new StackFileError(
    `--service: ${JSON.stringify(service)} is not a service of ${file}; services there: ${names.join(", ") || "none"}`,
  );
}

function load(file: string): Document {
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length > 0)
    throw new StackFileError(`${file}: not valid YAML (${doc.errors[0].message.split("\n")[0]})`);
  return doc;
}

/** The service's release keys as the file has them (the config loader has already validated the file). */
export function readReleaseConfig(file: string, service: string): ReleaseConfig {
  const svc = serviceNode(load(file), file, service);
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const weight = svc.getIn(["canary", "weight"]);
  const out: ReleaseConfig = {
    version: str(svc.get("version")) ?? "",
    canaryWeight: typeof weight === "number" ? weight : 0,
  };
  const stableImage = str(svc.get("stableImage"));
  if (stableImage !== undefined) out.stableImage = stableImage;
  const canaryVersion = str(svc.getIn(["canary", "version"]));
  if (canaryVersion !== undefined) out.canaryVersion = canaryVersion;
  return out;
}

/** Writes a patch into the file (atomically: a crash leaves the old or the new file, never half of one). */
export function writePatch(file: string, service: string, patch: ConfigPatch): void {
  const doc = load(file);
  const svc = serviceNode(doc, file, service);
  if (patch.version !== undefined) svc.set("version", patch.version);
  if (patch.stableImage === null) svc.delete("stableImage");
  else if (patch.stableImage !== undefined) svc.set("stableImage", patch.stableImage);
  if (patch.canaryVersion === null) svc.deleteIn(["canary", "version"]);
  else if (patch.canaryVersion !== undefined) svc.setIn(["canary", "version"], patch.canaryVersion);
  if (patch.canaryWeight !== undefined) {
    if (patch.canaryWeight === 0 && patch.canaryVersion === null) svc.deleteIn(["canary", "weight"]);
    else svc.setIn(["canary", "weight"], patch.canaryWeight);
  }
  const canary = svc.get("canary", true);
  if (isMap(canary) && canary.items.length === 0) svc.delete("canary");
  const tmp = `${file}.release-tmp`;
  fs.writeFileSync(tmp, doc.toString());
  fs.renameSync(tmp, file);
}
