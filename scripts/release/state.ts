// The release as a state machine: each state × event gives the next state and the change to the service's stack
// config that makes it so. Pure, so the whole table is tested; the driver only performs what it returns.
//
// The stack config is the release's record (no controller, no side file): a service with `canary.version` set is
// mid-release at `canary.weight`, or rolled back when the weight is 0. So a driver that died is resumed by reading
// the config back (`fromConfig`) and running `up` again, which changes nothing when the step was applied.

/** The service's release keys in stack config; `null` removes a key. */
export interface ConfigPatch {
  version?: string;
  stableImage?: string | null;
  canaryVersion?: string | null;
  canaryWeight?: number;
}

export type ReleaseState =
  /** No canary: the stable track serves everything. */
  | { phase: "idle" }
  /** The step's weight is in config; `up` is to run (again, on resume). */
  | { phase: "applying"; step: number }
  /** The step is deployed; its analysis runs. */
  | { phase: "analysing"; step: number }
  /** 100 % passed: config closes the release (stable takes the version); `up` is to run. */
  | { phase: "closing" }
  | { phase: "done" }
  /** Weight 0 is in config; `up` is to run. */
  | { phase: "rollingBack"; reason: string }
  | { phase: "rolledBack"; reason: string }
  /** The rollback's own `up` failed: a person must look. */
  | { phase: "rollbackFailed"; reason: string };

export type ReleaseEvent =
  | { type: "start"; to: string; stableImage: string }
  | { type: "applied" }
  | { type: "upFailed"; message: string }
  | { type: "analysisPassed" }
  | { type: "analysisFailed"; message: string }
  | { type: "interrupted" }
  | { type: "abort" }
  | { type: "promote" };

export interface Transition {
  state: ReleaseState;
  patch?: ConfigPatch;
}

/** The service's release keys as read from stack config. */
export interface ReleaseConfig {
  version: string;
  stableImage?: string;
  canaryVersion?: string;
  canaryWeight: number;
}

export class TransitionError extends Error {}

function describe(s: ReleaseState): string {
  return "step" in s ? `${s.phase} (step ${s.step + 1})` : s.phase;
}

/** Where a release stands, from the stack config alone. */
export function fromConfig(config: ReleaseConfig, steps: readonly number[]): ReleaseState {
  if (config.canaryVersion === undefined) return { phase: "idle" };
  if (config.canaryWeight === 0) return { phase: "rolledBack", reason: "canary.weight is 0" };
  const step = steps.indexOf(config.canaryWeight);
  if (step < 0) {
    throw new TransitionError(
      `canary.weight: ${config.canaryWeight} is not one of canary.steps (${steps.join(", ")}); set it to a step or 0`,
    );
  }
  return { phase: "applying", step };
}

const rollback = (reason: string): Transition => ({
  state: { phase: "rollingBack", reason },
  patch: { canaryWeight: 0 },
});

/** The next state and config change for an event; throws TransitionError when the event does not apply. */
export function transition(
  state: ReleaseState,
  event: ReleaseEvent,
  steps: readonly number[],
  to: string | undefined,
): Transition {
  const last = steps.length - 1;
  switch (state.phase) {
    case "idle":
      if (event.type === "start") {
        return {
          state: { phase: "applying", step: 0 },
          patch: { canaryVersion: event.to, stableImage: event.stableImage, canaryWeight: steps[0] },
        };
      }
      break;
    case "rolledBack":
      // A new attempt starts at the first step; stable stays pinned where it was.
      if (event.type === "start") {
        return {
          state: { phase: "applying", step: 0 },
          patch: { canaryVersion: event.to, canaryWeight: steps[0] },
        };
      }
      break;
    case "applying":
    case "analysing":
      if (event.type === "upFailed") return rollback(`up failed at ${steps[state.step]} %: ${event.message}`);
      if (event.type === "interrupted") return rollback(`interrupted at ${steps[state.step]} %`);
      if (event.type === "abort") return rollback(`aborted at ${steps[state.step]} %`);
      if (event.type === "promote") {
        return { state: { phase: "applying", step: last }, patch: { canaryWeight: steps[last] } };
      }
      if (state.phase === "applying" && event.type === "applied") {
        return { state: { phase: "analysing", step: state.step } };
      }
      if (state.phase === "analysing" && event.type === "analysisFailed") {
        return rollback(`analysis failed at ${steps[state.step]} %: ${event.message}`);
      }
      if (state.phase === "analysing" && event.type === "analysisPassed") {
        if (state.step < last) {
          return {
            state: { phase: "applying", step: state.step + 1 },
            patch: { canaryWeight: steps[state.step + 1] },
          };
        }
        if (to === undefined) throw new TransitionError("closing a release needs the canary's version");
        return {
          state: { phase: "closing" },
          patch: { version: to, stableImage: null, canaryVersion: null, canaryWeight: 0 },
        };
      }
      break;
    case "closing":
      if (event.type === "applied") return { state: { phase: "done" } };
      // The close is a config change only; retrying `up` is the way on.
      if (event.type === "upFailed" || event.type === "interrupted") return { state };
      break;
    case "rollingBack":
      if (event.type === "applied") return { state: { phase: "rolledBack", reason: state.reason } };
      if (event.type === "upFailed") {
        return {
          state: { phase: "rollbackFailed", reason: `${state.reason}; rollback up failed: ${event.message}` },
        };
      }
      if (event.type === "interrupted") return { state };
      break;
    case "done":
    case "rollbackFailed":
      break;
  }
  throw new TransitionError(`${event.type} does not apply to a release that is ${describe(state)}`);
}

/** The config after a patch. */
export function applyPatch(config: ReleaseConfig, patch: ConfigPatch | undefined): ReleaseConfig {
  if (patch === undefined) return config;
  const next: ReleaseConfig = { ...config };
  if (patch.version !== undefined) next.version = patch.version;
  if (patch.canaryWeight !== undefined) next.canaryWeight = patch.canaryWeight;
  if (patch.stableImage === null) delete next.stableImage;
  else if (patch.stableImage !== undefined) next.stableImage = patch.stableImage;
  if (patch.canaryVersion === null) delete next.canaryVersion;
  else if (patch.canaryVersion !== undefined) next.canaryVersion = patch.canaryVersion;
  return next;
}
