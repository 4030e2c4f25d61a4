// Pack entry: only assembles. Constructing PolicyPack starts the policy server, so tests import
// lib/policies.ts, never this file.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./lib/policies";

new PolicyPack("distroless-guardrails", { policies: allPolicies });
