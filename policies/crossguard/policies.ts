// The full list of the pack's policies; index.ts only hands it to PolicyPack. Tests import this list
// (importing index.ts would start the policy server).
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { imagePolicies } from "./images";
import { PSS_CHECKS } from "../pss/registry";
import { OBJECT_RULES, POD_RULES, PSS_REMEDIATIONS, STACK_RULES } from "../rules";
import {
  helmReleaseContentsPolicy,
  objectRulePolicy,
  podRulePolicies,
  pssPolicies,
  renamedPolicyAlias,
  stackRulePolicy,
} from "./adapter";
import { RENAMED_POLICIES } from "../lib/rule";

/** Section 1: one policy per Pod Security Standards check, `pss-<checkId>`. */
export const pssCheckPolicies: ResourceValidationPolicy[] = pssPolicies(PSS_CHECKS, PSS_REMEDIATIONS);

/**
 * Sections 2 and 3, per resource: pod rules (with environment variants), object rules, and the advisory
 * notice that a Helm Release's objects escape the resource policies.
 */
export const hardenedPolicies: ResourceValidationPolicy[] = [
  ...POD_RULES.flatMap(podRulePolicies),
  ...OBJECT_RULES.map(objectRulePolicy),
  helmReleaseContentsPolicy,
];

/** Sections 2 and 3, per stack. */
export const stackPolicies: StackValidationPolicy[] = STACK_RULES.map(stackRulePolicy);

/** Section 4: image resources (docker-build, docker). */
export { imagePolicies };

/** Renamed policies under their old names, off unless a config names them (see renamedPolicyAlias). */
export const renamedPolicies: ResourceValidationPolicy[] = Object.entries(RENAMED_POLICIES).map(
  ([oldName, current]) => {
    const policy = hardenedPolicies.find((p) => p.name === current);
    if (policy === undefined) throw new Error(`renamed policy ${oldName}: no policy ${current}`);
    return renamedPolicyAlias(oldName, policy);
  },
);

/** Every policy of the pack, in README order. */
export const allPolicies: Policies = [
  ...pssCheckPolicies,
  ...hardenedPolicies,
  ...stackPolicies,
  ...imagePolicies,
  ...renamedPolicies,
];
