/**
 * Runs at most `limit` tasks at a time; the others wait for a free slot in the order they came.
 *
 * @example
 * const limit = concurrencyLimit(10);
 * await Promise.all(targets.map((target) => limit(() => backUp(target))));
 */
export function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
