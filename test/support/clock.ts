/**
 * A clock a test moves forward: the Huawei stand-in's `now`, so that a backup completes when the test says, not
 * when the machine gets there. Stay within the stand-in's 15-minute signature skew.
 *
 * @example
 * const clock = testClock();
 * const standIn = await startHuaweiStandIn({ ...TEST_KEYS, completeAfterMs: 60_000, now: clock.now });
 * clock.advance(61_000); // every backup made so far is COMPLETED upstream
 */
export interface TestClock {
  now: () => number;
  advance: (ms: number) => void;
  reset: () => void;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance: (ms) => {
      offsetMs += ms;
    },
    reset: () => {
      offsetMs = 0;
    },
  };
}
