// Port of pod-security-admission policy/check_seLinuxOptions.go.
// Setting the SELinux type is restricted, and setting a custom SELinux user or role is forbidden.
import type { SELinuxOptions } from "../lib/k8s";
import type { Check, CheckPod } from "../lib/types";
import {
  isSet,
  joinQuote,
  namedContainers,
  nameOf,
  pluralize,
  sortedSet,
  str,
  visitContainers,
} from "./helpers";

export const SELINUX_ALLOWED_TYPES_V1_0: ReadonlySet<string> = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
]);
/** v1.31 adds container_engine_t. */
export const SELINUX_ALLOWED_TYPES_V1_31: ReadonlySet<string> = new Set([
  ...SELINUX_ALLOWED_TYPES_V1_0,
  "container_engine_t",
]);

function seLinuxOptionsCheck(allowedTypes: ReadonlySet<string>): CheckPod {
  return (_metadata, spec) => {
    const badSetters: string[] = [];
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;

    const valid = (opts: SELinuxOptions): boolean => {
      let ok = true;
      const type = str(opts.type);
      if (!allowedTypes.has(type)) {
        ok = false;
        badTypes.push(type);
      }
      if (str(opts.user).length > 0) {
        ok = false;
        setUser = true;
      }
      if (str(opts.role).length > 0) {
        ok = false;
        setRole = true;
      }
      return ok;
    };

    const podOpts = spec.securityContext?.seLinuxOptions;
    if (isSet(podOpts) && !valid(podOpts)) badSetters.push("pod");

    const badContainers: string[] = [];
    visitContainers(spec, (c) => {
      const opts = c.securityContext?.seLinuxOptions;
      if (isSet(opts) && !valid(opts)) badContainers.push(nameOf(c));
    });
    if (badContainers.length > 0) {
      badSetters.push(namedContainers(badContainers));
    }

    if (badSetters.length > 0) {
      const badData: string[] = [];
      const types = sortedSet(badTypes);
      if (types.length > 0) badData.push(`${pluralize("type", "types", types.length)} ${joinQuote(types)}`);
      if (setUser) badData.push("user may not be set");
      if (setRole) badData.push("role may not be set");
      return {
        allowed: false,
        forbiddenReason: "seLinuxOptions",
        forbiddenDetail: `${badSetters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${badData.join("; ")}`,
      };
    }
    return { allowed: true };
  };
}

export const seLinuxOptionsV1_0: CheckPod = seLinuxOptionsCheck(SELINUX_ALLOWED_TYPES_V1_0);
export const seLinuxOptionsV1_31: CheckPod = seLinuxOptionsCheck(SELINUX_ALLOWED_TYPES_V1_31);

export const checkSeLinuxOptions: Check = {
  id: "seLinuxOptions",
  level: "baseline",
  versions: [
    { minimumVersion: "v1.0", checkPod: seLinuxOptionsV1_0 },
    { minimumVersion: "v1.31", checkPod: seLinuxOptionsV1_31 },
  ],
};
