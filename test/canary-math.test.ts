import { strict as assert } from "node:assert";
import {
  DEFAULT_CANARY_STEPS,
  canaryStepsError,
  canaryWeightError,
  effectiveWeightOf,
  minReplicasForExactWeight,
  precisionWarning,
  splitReplicas,
  trafficRoutedReplicas,
  validateCanarySteps,
  validateCanaryWeight,
} from "../components/canary-math";

// [replicas, weight, canary pods, stable pods, effective %], worked out by hand from Argo Rollouts'
// approximateWeightedCanaryStableReplicaCounts with maxSurge 0: candidates (ceil, R) when ceil < R or zero is
// allowed, (floor, R) when not tied at .5 and floor > 0 (or zero allowed); closest to the weight wins.
const TABLE: readonly [number, number, number, number, number][] = [
  [1, 0, 0, 1, 0],
  [1, 10, 0, 1, 0], // 1 replica, no surge: zero allowed; 0/1 is 10 away, 1/1 is 90 away
  [1, 20, 0, 1, 0],
  [1, 50, 1, 0, 100], // 0.5 is tied, so only ceil is a candidate
  [1, 100, 1, 0, 100],
  [2, 0, 0, 2, 0],
  [2, 10, 1, 1, 50], // floor 0 refused, ceil 1 < 2
  [2, 20, 1, 1, 50],
  [2, 50, 1, 1, 50],
  [2, 100, 2, 0, 100],
  [3, 0, 0, 3, 0],
  [3, 10, 1, 2, 33.33],
  [3, 20, 1, 2, 33.33],
  [3, 50, 2, 1, 66.67], // 1.5 tied: ceil wins
  [3, 100, 3, 0, 100],
  [4, 0, 0, 4, 0],
  [4, 10, 1, 3, 25],
  [4, 20, 1, 3, 25],
  [4, 50, 2, 2, 50],
  [4, 100, 4, 0, 100],
  [5, 0, 0, 5, 0],
  [5, 10, 1, 4, 20],
  [5, 20, 1, 4, 20],
  [5, 50, 3, 2, 60], // 2.5 tied: ceil wins
  [5, 100, 5, 0, 100],
  [10, 0, 0, 10, 0],
  [10, 10, 1, 9, 10],
  [10, 20, 2, 8, 20],
  [10, 50, 5, 5, 50],
  [10, 100, 10, 0, 100],
  [20, 0, 0, 20, 0],
  [20, 10, 2, 18, 10],
  [20, 20, 4, 16, 20],
  [20, 50, 10, 10, 50],
  [20, 100, 20, 0, 100],
];

describe("canary math", () => {
  describe("splitReplicas (Argo basic canary, no surge)", () => {
    for (const [replicas, weight, canary, stable, effective] of TABLE) {
      it(`${replicas} replicas at ${weight}% -> ${canary} canary, ${stable} stable (${effective}%)`, () => {
        assert.deepEqual(splitReplicas(replicas, weight), { canary, stable, effectiveWeight: effective });
      });
    }

    it("keeps the pod total at the replica count without surge", () => {
      for (const [replicas, weight] of TABLE) {
        const split = splitReplicas(replicas, weight);
        assert.equal(split.canary + split.stable, replicas, `${replicas} replicas at ${weight}%`);
      }
    });

    it("returns no pods for 0 replicas, as upstream does", () => {
      assert.deepEqual(splitReplicas(0, 50), { canary: 0, stable: 0, effectiveWeight: 0 });
    });

    it("matches rows of Argo's TestApproximateWeightedNewStableReplicaCounts, surge included", () => {
      // [replicas, weight, maxSurge, canary, stable] copied from argo-rollouts utils/replicaset/canary_test.go.
      const upstream: [number, number, number, number, number][] = [
        [1, 49, 0, 0, 1],
        [1, 99, 0, 1, 0],
        [1, 1, 1, 1, 1],
        [1, 100, 1, 1, 0],
        [2, 1, 0, 1, 1],
        [2, 99, 0, 1, 1],
        [2, 1, 1, 1, 2],
        [2, 99, 1, 2, 1],
        [3, 25, 0, 1, 2],
        [3, 10, 1, 1, 3],
        [3, 33, 1, 1, 2],
        [3, 49, 1, 2, 2],
        [3, 50, 1, 2, 2],
        [10, 14, 0, 1, 9],
        [10, 15, 0, 2, 8],
        [10, 99, 0, 9, 1],
        [10, 1, 1, 1, 10],
        [10, 18, 1, 2, 9],
        [10, 24, 1, 3, 8],
        [10, 99, 1, 10, 1],
        [10, 100, 1, 10, 0],
      ];
      for (const [replicas, weight, surge, canary, stable] of upstream) {
        const split = splitReplicas(replicas, weight, surge);
        assert.deepEqual(
          [split.canary, split.stable],
          [canary, stable],
          `replicas ${replicas} weight ${weight} surge ${surge}`,
        );
      }
    });

    it("reports the effective weight over the surged total", () => {
      assert.deepEqual(splitReplicas(4, 10, 1), { canary: 1, stable: 4, effectiveWeight: 20 });
    });

    it("rejects counts that are not integers in range", () => {
      assert.throws(() => splitReplicas(-1, 10), {
        name: "RangeError",
        message: "replicas: -1 is not allowed; use an integer >= 0",
      });
      assert.throws(() => splitReplicas(2.5, 10), {
        message: "replicas: 2.5 is not allowed; use an integer >= 0",
      });
      assert.throws(() => splitReplicas(4, 101), {
        message: "canary.weight: 101 is not allowed; use an integer in 0..100",
      });
      assert.throws(() => splitReplicas(4, 10, -1), {
        message: "maxSurge: -1 is not allowed; use an integer >= 0",
      });
    });
  });

  describe("trafficRoutedReplicas (Argo canary with a traffic router)", () => {
    const rows: [number, number, number, number, number][] = [
      [1, 10, 1, 1, 10],
      [4, 10, 1, 4, 10],
      [4, 50, 2, 4, 50],
      [5, 20, 1, 5, 20],
      [10, 20, 2, 10, 20],
      [3, 50, 2, 3, 50],
      [4, 0, 0, 4, 0],
      [4, 100, 4, 4, 100],
    ];
    for (const [replicas, weight, canary, stable, effective] of rows) {
      it(`${replicas} replicas at ${weight}% -> ${canary} canary, stable stays at ${stable}`, () => {
        assert.deepEqual(trafficRoutedReplicas(replicas, weight), {
          canary,
          stable,
          effectiveWeight: effective,
        });
      });
    }
  });

  describe("precisionWarning", () => {
    it("warns with the effective percentage when 4 replicas cannot give 10%", () => {
      assert.equal(
        precisionWarning(4, 10),
        "canary weight 10% with 4 replicas runs 1 canary pod of 4 (25%); use at least 10 replicas for exact 10% steps",
      );
    });

    it("tells a single replica that the canary gets no pod at 10%", () => {
      assert.equal(
        precisionWarning(1, 10),
        "canary weight 10% with 1 replica runs 0 canary pods of 1 (0%); use at least 10 replicas for exact 10% steps",
      );
    });

    it("asks for a multiple when there are enough replicas but not the right count", () => {
      assert.equal(
        precisionWarning(15, 10),
        "canary weight 10% with 15 replicas runs 2 canary pods of 15 (13.33%); " +
          "use a multiple of 10 replicas for exact 10% steps",
      );
    });

    it("warns at 50% with an odd replica count", () => {
      assert.equal(
        precisionWarning(3, 50),
        "canary weight 50% with 3 replicas runs 2 canary pods of 3 (66.67%); use a multiple of 2 replicas for exact 50% steps",
      );
    });

    it("is silent when the split is exact", () => {
      for (const [replicas, weight] of [
        [10, 10],
        [20, 10],
        [5, 20],
        [10, 20],
        [2, 50],
        [4, 50],
        [1, 0],
        [3, 0],
        [1, 100],
        [3, 100],
      ]) {
        assert.equal(precisionWarning(replicas, weight), undefined, `${replicas} replicas at ${weight}%`);
      }
    });

    it("counts the surge pod when maxSurge is given", () => {
      assert.equal(
        precisionWarning(4, 10, 1),
        "canary weight 10% with 4 replicas runs 1 canary pod of 5 (20%); use at least 10 replicas for exact 10% steps",
      );
    });

    it("derives the minimum exact replica count from the weight", () => {
      assert.deepEqual([0, 10, 20, 25, 50, 100].map(minReplicasForExactWeight), [1, 10, 5, 4, 2, 1]);
    });
  });

  describe("effectiveWeightOf", () => {
    it("rounds to 2 decimals", () => {
      assert.deepEqual(
        [effectiveWeightOf(1, 2), effectiveWeightOf(2, 1), effectiveWeightOf(1, 5), effectiveWeightOf(0, 0)],
        [33.33, 66.67, 16.67, 0],
      );
    });
  });

  describe("validation", () => {
    it("defaults the steps to 10, 20, 50, 100", () => {
      assert.deepEqual([...DEFAULT_CANARY_STEPS], [10, 20, 50, 100]);
      assert.ok(Object.isFrozen(DEFAULT_CANARY_STEPS));
    });

    it("accepts 0 and every step", () => {
      for (const weight of [0, 10, 20, 50, 100]) assert.equal(validateCanaryWeight(weight), weight);
      assert.equal(validateCanaryWeight(5, [5, 25, 100]), 5);
    });

    it("rejects a weight that is not a step, naming key, value and allowed values", () => {
      const message =
        "canary.weight: 15 is not allowed; use one of 0, 10, 20, 50, 100 (0 aborts back to stable, 100 promotes the canary)";
      assert.equal(canaryWeightError(15), message);
      assert.throws(() => validateCanaryWeight(15), { message });
    });

    it("rejects non-numbers and fractions", () => {
      assert.equal(
        canaryWeightError("10"),
        'canary.weight: "10" is not allowed; use one of 0, 10, 20, 50, 100 (0 aborts back to stable, 100 promotes the canary)',
      );
      assert.equal(
        canaryWeightError(10.5),
        "canary.weight: 10.5 is not allowed; use one of 0, 10, 20, 50, 100 (0 aborts back to stable, 100 promotes the canary)",
      );
      assert.equal(
        canaryWeightError(undefined),
        "canary.weight: (unset) is not allowed; use one of 0, 10, 20, 50, 100 (0 aborts back to stable, 100 promotes the canary)",
      );
    });

    it("lists custom steps as the allowed values", () => {
      assert.throws(() => validateCanaryWeight(10, [25, 50, 100]), {
        message:
          "canary.weight: 10 is not allowed; use one of 0, 25, 50, 100 (0 aborts back to stable, 100 promotes the canary)",
      });
    });

    const rule = "use strictly increasing integers in 1..100 ending with 100, e.g. [10, 20, 50, 100]";
    const badSteps: [unknown, string][] = [
      [[], `canary.steps: [] is not allowed (must be a non-empty list); ${rule}`],
      ["10,20", `canary.steps: "10,20" is not allowed (must be a non-empty list); ${rule}`],
      [
        [10, 30, 20, 100],
        `canary.steps: [10, 30, 20, 100] is not allowed (20 is not greater than 30); ${rule}`,
      ],
      [[10, 10, 100], `canary.steps: [10, 10, 100] is not allowed (10 is not greater than 10); ${rule}`],
      [[0, 50, 100], `canary.steps: [0, 50, 100] is not allowed (0 is not an integer in 1..100); ${rule}`],
      [
        [10, 12.5, 100],
        `canary.steps: [10, 12.5, 100] is not allowed (12.5 is not an integer in 1..100); ${rule}`,
      ],
      [[10, 150], `canary.steps: [10, 150] is not allowed (150 is not an integer in 1..100); ${rule}`],
      [
        [10, "20", 100],
        `canary.steps: [10, "20", 100] is not allowed ("20" is not an integer in 1..100); ${rule}`,
      ],
      [[10, 20, 50], `canary.steps: [10, 20, 50] is not allowed (the last step must be 100); ${rule}`],
    ];
    for (const [steps, message] of badSteps) {
      it(`rejects steps ${JSON.stringify(steps)}`, () => {
        assert.equal(canaryStepsError(steps), message);
        assert.throws(() => validateCanarySteps(steps), { message });
      });
    }

    it("reports bad steps before judging the weight", () => {
      assert.throws(() => validateCanaryWeight(10, [10, 20]), {
        message: `canary.steps: [10, 20] is not allowed (the last step must be 100); ${rule}`,
      });
    });

    it("accepts valid steps, including a single 100 step", () => {
      assert.equal(canaryStepsError([100]), undefined);
      assert.deepEqual(validateCanarySteps([1, 5, 25, 100]), [1, 5, 25, 100]);
    });
  });
});
