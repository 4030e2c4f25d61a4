// Every non-PSS rule of sections 2 and 3, for the CrossGuard adapter and the plain-manifest checker.
import type { ObjectRule, PodRule, StackRule } from "../lib/rule";
import { automountServiceAccountToken } from "./automountServiceAccountToken";
import { ephemeralContainerImages } from "./ephemeralContainerImages";
import { imageDigestPinned } from "./imageDigestPinned";
import { imageTagNotLatest } from "./imageTagNotLatest";
import { namespacePodSecurityLabels } from "./namespacePodSecurityLabels";
import { noContainerRuntimeSocket } from "./noContainerRuntimeSocket";
import { noExecProbesOrHooks } from "./noExecProbesOrHooks";
import { noSecretLiteralsInEnv } from "./noSecretLiteralsInEnv";
import { probesPresent } from "./probesPresent";
import { readOnlyRootFilesystem } from "./readOnlyRootFilesystem";
import { resourcesRequestsLimits } from "./resourcesRequestsLimits";
import { runAsGroupAbove10000 } from "./runAsGroupAbove10000";
import { runAsUserAbove10000 } from "./runAsUserAbove10000";
import { runtimeClassGvisor } from "./runtimeClassGvisor";
import { runtimeClassHandlerRunsc } from "./runtimeClassHandlerRunsc";
import { serviceAccountNoTokenByDefault } from "./serviceAccountNoTokenByDefault";
import { workloadsInRestrictedNamespace } from "./workloadsInRestrictedNamespace";

export { PSS_REMEDIATIONS } from "./pssRemediations";

/** Rules on the pod of every pod-carrying object (section 2). */
export const POD_RULES: readonly PodRule[] = [
  readOnlyRootFilesystem,
  runAsUserAbove10000,
  runAsGroupAbove10000,
  resourcesRequestsLimits,
  imageTagNotLatest,
  imageDigestPinned,
  automountServiceAccountToken,
  probesPresent,
  noExecProbesOrHooks,
  noContainerRuntimeSocket,
  noSecretLiteralsInEnv,
  runtimeClassGvisor,
  ephemeralContainerImages,
];

/** Rules on single non-pod objects: ServiceAccount (section 2), Namespace (section 3). */
export const OBJECT_RULES: readonly ObjectRule[] = [
  serviceAccountNoTokenByDefault,
  namespacePodSecurityLabels,
];

/** Rules over the whole stack (or a set of manifests checked together). */
export const STACK_RULES: readonly StackRule[] = [workloadsInRestrictedNamespace, runtimeClassHandlerRunsc];
