// GIDs above 10000 do not collide with host groups; distroless `nonroot` is 65532.
import type { PodRule } from "../lib/rule";
import { idAbove10000 } from "./idAbove10000";

export const runAsGroupAbove10000: PodRule = idAbove10000("runAsGroup", "runAsGroupAbove10000");
