// The program's validation vocabulary: Kubernetes names, quantities, paths and image references, each checked by
// one function that throws an Error naming the key, the value and what is allowed. Components and config use it.
import { isPinnedByDigest } from "distroless-guardrails/model";

/** A DNS-1123 label (namespace names, RuntimeClass handlers), without its 63-character limit. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1035 label (Service names: starts with a letter), without its 63-character limit. */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain, without its 253-character limit. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE]\d+)?$/;
/** A container environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const SUFFIX_FACTORS: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** Numeric value of a Kubernetes quantity ("250m" → 0.25, "64Mi" → 67108864); throws on a malformed one. */
export function parseQuantity(value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) throw new Error(`"${value}" is not a Kubernetes quantity`);
  const base = Number(m[1]);
  const suffix = m[3] ?? "";
  if (suffix === "") return base;
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  return base * SUFFIX_FACTORS[suffix];
}

/** Throws the validation error; typed `never` so callers narrow after it. */
export function fail(message: string): never {
  throw new Error(message);
}

/** How a value is shown in a message: strings quoted, lists as `[a, b]`, objects as compact JSON, `undefined` as (unset). */
export function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

export function assertDns1035Label(key: string, value: unknown): void {
  if (typeof value !== "string" || value.length > 63 || !DNS1035_LABEL.test(value)) {
    fail(
      `${key}: ${show(value)} is not a DNS-1035 label; use at most 63 lowercase letters, digits and "-", starting with a letter`,
    );
  }
}

/** Throws unless `value` is a namespace name (a DNS-1123 label: may start with a digit). */
export function assertNamespaceName(key: string, value: unknown): void {
  if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
    fail(`${key}: ${show(value)} is not a namespace name; use at most 63 lowercase letters, digits and "-"`);
  }
}

export function assertDns1123Subdomain(key: string, value: unknown): void {
  if (typeof value !== "string" || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    fail(`${key}: ${show(value)} is not a DNS-1123 subdomain; use lowercase letters, digits, "-" and "."`);
  }
}

export function assertLabelValue(key: string, value: unknown): void {
  if (typeof value !== "string" || value === "" || value.length > 63 || !LABEL_VALUE.test(value)) {
    fail(
      `${key}: ${show(value)} is not a valid label value; use 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
    );
  }
}

export function assertQuantity(key: string, value: unknown): void {
  if (typeof value !== "string" || !QUANTITY.test(value)) {
    fail(`${key}: ${show(value)} is not a Kubernetes quantity; use e.g. "250m", "64Mi" or "1Gi"`);
  }
  if (parseQuantity(value) <= 0) fail(`${key}: ${show(value)} must be greater than zero`);
}

export function assertInt(key: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`${key}: ${show(value)} is not allowed; use an integer from ${min} to ${max}`);
  }
}

/** Throws unless `image` is pinned by digest (or `allowUnpinned` is set); returns it for use in apply. */
export function assertPinnedImage(image: string, allowUnpinned = false): string {
  if (typeof image !== "string" || image.trim() === "" || /\s/.test(image)) {
    fail(`image: ${show(image)} is not an image reference`);
  }
  if (!allowUnpinned && !isPinnedByDigest(image)) {
    fail(
      `image: ${show(image)} is not pinned by digest; use "<repository>@sha256:<64 hex digits>" or set allowUnpinnedImage: true`,
    );
  }
  return image;
}

export function assertAbsolutePath(key: string, path: unknown): void {
  if (typeof path !== "string" || !path.startsWith("/")) {
    fail(`${key}: ${show(path)} is not an absolute path; use a path starting with "/"`);
  }
  if (path === "/") fail(`${key}: "/" is the root filesystem, which stays read-only; use a subdirectory`);
  const segments = path.slice(1).split("/");
  if (path.endsWith("/") || segments.some((s) => s === "" || s === "." || s === "..")) {
    fail(
      `${key}: ${show(path)} is not a normalized path; drop empty, "." and ".." segments and the trailing "/"`,
    );
  }
}
