// UIDs above 10000 do not collide with host users (a container escape lands on an unmapped UID);
// distroless `nonroot` is 65532.
import type { PodRule } from "../lib/rule";
import { idAbove10000 } from "./idAbove10000";

export const runAsUserAbove10000: PodRule = idAbove10000("runAsUser", "runAsUserAbove10000");
