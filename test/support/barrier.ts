/**
 * A barrier for requests held at the stand-in (its `hold` fault): each arrival waits until `parties` have
 * arrived, then all go on together, and later arrivals pass straight through. It proves that that many were in
 * flight at once without comparing durations; a caller that never sends that many at once keeps them waiting
 * until the test times out.
 *
 * @example
 * const tenAtOnce = arrivalBarrier(10);
 * standIn.script(...Array.from({ length: 12 }, (): Fault => ({ kind: 'hold', until: tenAtOnce.arrive })));
 */
export function arrivalBarrier(parties: number): { arrive: () => Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    arrive: () => {
      arrived += 1;
      if (arrived === parties) open();
      return opened;
    },
  };
}
