// Port of pod-security-admission policy/check_appArmorProfile.go.
// The default AppArmor profile must not be overridden or disabled, through either channel upstream reads:
// the appArmorProfile fields (pod and every container) and the deprecated
// `container.apparmor.security.beta.kubernetes.io/*` annotations. One versioned check at v1.0 — upstream
// patched the field check into the v1.0 function, so it applies at every pinned version.
import type { Check, CheckPod } from "../lib/types";
import { badProfileSetters, goQuote, joinQuote, pluralize, sortedSet, str } from "./helpers";

export const APPARMOR_ANNOTATION_KEY_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

function allowedAnnotationValue(profile: string): boolean {
  return profile.length === 0 || profile === "runtime/default" || profile.startsWith("localhost/");
}

function allowedProfileType(type: string): boolean {
  return type === "RuntimeDefault" || type === "Localhost";
}

export const appArmorProfileV1_0: CheckPod = (metadata, spec) => {
  const { setters: badSetters, values: badValues } = badProfileSetters(
    spec,
    "appArmorProfile",
    allowedProfileType,
  );

  const forbiddenAnnotations: string[] = [];
  for (const [k, v] of Object.entries(metadata.annotations ?? {})) {
    const value = str(v);
    if (k.startsWith(APPARMOR_ANNOTATION_KEY_PREFIX) && !allowedAnnotationValue(value)) {
      forbiddenAnnotations.push(`${k}=${goQuote(value)}`);
    }
  }

  const badValueList = sortedSet(badValues);
  if (forbiddenAnnotations.length > 0) {
    badValueList.push(...sortedSet(forbiddenAnnotations));
    badSetters.push(pluralize("annotation", "annotations", forbiddenAnnotations.length));
  }

  if (badSetters.length > 0) {
    return {
      allowed: false,
      forbiddenReason: pluralize(
        "forbidden AppArmor profile",
        "forbidden AppArmor profiles",
        badValueList.length,
      ),
      forbiddenDetail: `${badSetters.join(" and ")} must not set AppArmor profile type to ${joinQuote(badValueList)}`,
    };
  }
  return { allowed: true };
};

export const checkAppArmorProfile: Check = {
  id: "appArmorProfile",
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: appArmorProfileV1_0 }],
};
