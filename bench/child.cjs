'use strict';
// Runs inside a fresh Node process so that what it measures is what a Lambda cold or warm start pays.
// Usage: node child.cjs <mode> <job.json>; writes one JSON line to file descriptor 3. The handler's logs go to
// stdout as in Lambda, and the parent discards them, so their volume costs the parent nothing.
const { readFileSync, writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const [mode, jobFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf8'));

function context(timeoutMs = job.timeoutMs ?? 25_000) {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: job.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${job.functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `bench-${Math.random().toString(16).slice(2)}`,
    logGroupName: 'bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const report = (result) => writeSync(3, `${JSON.stringify(result)}\n`);

async function invoke(handler, event) {
  // Events are made ahead of time; each arrives now (Slack's 3 s budget counts from API Gateway's arrival time).
  if (event.requestContext?.timeEpoch) event.requestContext.timeEpoch = Date.now();
  try {
    return { result: await handler(event, context()) };
  } catch (error) {
    return { error: String(error && error.message) };
  }
}

async function main() {
  const { handler } = require(job.bundle);
  // Every JavaScript file the handler module loaded (itself and what it requires at load), read before the first
  // request can load more; the parent sizes them once the answer is in, so the measurement costs the start nothing.
  const loadedAtLoad = Object.keys(require.cache).filter((file) => file !== __filename);
  if (mode === 'cold') {
    report({ ...(await invoke(handler, job.event)), loadedAtLoad });
    return;
  }
  if (mode === 'warm') {
    const floor = require(job.floorBundle).handler;
    const overhead = [];
    let last;
    let lastFloor;
    for (const [i, event] of job.events.entries()) {
      // Alternating which goes first keeps whatever one leaves behind from always landing on the other.
      const timed = async (run) => {
        const started = performance.now();
        await run();
        return performance.now() - started;
      };
      const runFloor = () =>
        timed(async () => {
          lastFloor = await invoke(floor, job.floorEvent);
        });
      const runGateway = () =>
        timed(async () => {
          last = await invoke(handler, event);
        });
      const [bareMs, gatewayMs] =
        i % 2 ? [await runFloor(), await runGateway()] : [...[await runGateway(), await runFloor()].reverse()];
      if (i >= job.warmup) overhead.push(gatewayMs - bareMs);
    }
    report({ last, lastFloor, overheadP50: percentile(overhead, 50), overheadP99: percentile(overhead, 99) });
    return;
  }
  if (mode === 'once') {
    // One invocation, as a scheduled run meets a fresh instance: the parent times spawn → answer, this the handler.
    const started = performance.now();
    const outcome = await invoke(handler, job.event);
    report({ wallMs: performance.now() - started, ...outcome });
    return;
  }
  if (mode === 'timed') {
    await invoke(handler, job.warmupEvent);
    const started = performance.now();
    const outcome = await invoke(handler, job.event);
    report({ wallMs: performance.now() - started, ...outcome });
    return;
  }
  if (mode === 'load') {
    const latencies = [];
    const statuses = {};
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < job.events.length) {
        const event = job.events[next++];
        const t = performance.now();
        const { result } = await invoke(handler, event);
        const status = result ? result.statusCode : 'thrown';
        statuses[status] = (statuses[status] ?? 0) + 1;
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    report({
      wallMs: performance.now() - started,
      answered: latencies.length,
      statuses,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    });
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
