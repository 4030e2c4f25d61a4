// A literal in the manifest ends up in git, in the Pulumi state and in `kubectl describe`; secrets
// belong in a Secret referenced with valueFrom.secretKeyRef.
import type { PodRule } from "../lib/rule";
import { containersOf } from "./common";

const SECRET_WORDS = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL"];
const SECRET_SEGMENTS = new Set(["PWD", "KEY", "KEYS", "APIKEY", "PRIVATEKEY", "ACCESSKEY"]);

/** Whether an env var name looks like it holds a secret (`DB_PASSWORD`, `apiKey`, `GITHUB_TOKEN`). */
export function isSecretName(name: string): boolean {
  const segments = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((s) => s !== "");
  return segments.some((s) => SECRET_SEGMENTS.has(s) || SECRET_WORDS.some((w) => s.includes(w)));
}

export const noSecretLiteralsInEnv: PodRule = {
  name: "noSecretLiteralsInEnv",
  description:
    "Env vars named like secrets (password, secret, token, key, credential) must use valueFrom.secretKeyRef, not a literal value.",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) => {
    const out: string[] = [];
    for (const { container, label } of containersOf(spec)) {
      for (const env of container.env ?? []) {
        if (typeof env?.name !== "string" || !isSecretName(env.name)) continue;
        if (typeof env.value === "string" && env.value !== "") {
          out.push(
            `${label} env ${JSON.stringify(env.name)} sets a literal value; reference a Secret with valueFrom.secretKeyRef`,
          );
        }
      }
    }
    return out;
  },
};
