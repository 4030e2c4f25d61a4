// Pack entry: only assembles. Constructing PolicyPack starts the policy server, so tests import
// crossguard/policies.ts, never this file.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./crossguard/policies";

new PolicyPack("distroless-guardrails", { policies: allPolicies });
