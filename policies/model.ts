// The shared model: what the program, its scripts and the pack agree on, imported by package name
// (`distroless-guardrails/model`) so that each concept has one definition. The pack's own layers import the
// same modules directly; this file only re-exports, like the pack's entry only assembles.
export * from "./lib/image-ref";
export * from "./lib/pss-version";
export * from "./lib/hardened";
export * from "./lib/platforms";
export * from "./images/vulnerabilities";
export { auditDockerfile, finalStageBase } from "./lib/dockerfile";
export { BUILDKIT_IMAGE_KIND } from "./images/image";
export { ruleConfig } from "./lib/rule";
export { ephemeralContainerImages } from "./rules/ephemeralContainerImages";
