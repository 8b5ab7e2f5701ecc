'use strict';
// Runs inside a fresh Node process so that what it measures is what a Lambda cold or warm start pays.
// Usage: node child.cjs <mode> <job.json>; writes one JSON line to stdout.
const { readFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const [mode, jobFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf8'));

function context(timeoutMs = 25_000) {
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

async function main() {
  if (mode === 'cold') {
    const { handler } = require(job.bundle);
    const result = await handler(job.event, context());
    process.stdout.write(`${JSON.stringify({ ok: true, statusCode: result?.statusCode })}\n`);
    return;
  }
  if (mode === 'warm') {
    const { handler } = require(job.bundle);
    const floor = require(job.floorBundle).handler;
    const gateway = [];
    const bare = [];
    for (let i = 0; i < job.warmup + job.requests; i++) {
      let started = performance.now();
      await floor(job.floorEvent);
      const bareMs = performance.now() - started;
      const event = structuredClone(job.event);
      started = performance.now();
      const result = await handler(event, context());
      const gatewayMs = performance.now() - started;
      if (!job.okStatus.includes(result?.statusCode ?? 200)) throw new Error(`unexpected answer ${JSON.stringify(result)}`);
      if (i >= job.warmup) {
        bare.push(bareMs);
        gateway.push(gatewayMs);
      }
    }
    process.stdout.write(`${JSON.stringify({
      gatewayP50: percentile(gateway, 50), gatewayP99: percentile(gateway, 99),
      bareP50: percentile(bare, 50), bareP99: percentile(bare, 99),
    })}\n`);
    return;
  }
  if (mode === 'load') {
    const { handler } = require(job.bundle);
    const latencies = [];
    const statuses = {};
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < job.events.length) {
        const event = job.events[next++];
        const t = performance.now();
        try {
          const result = await handler(event, context());
          statuses[result.statusCode] = (statuses[result.statusCode] ?? 0) + 1;
        } catch {
          statuses.thrown = (statuses.thrown ?? 0) + 1;
        }
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    const wallMs = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ wallMs, answered: latencies.length, statuses, p50: percentile(latencies, 50), p99: percentile(latencies, 99) })}\n`);
    return;
  }
  if (mode === 'invoke') {
    const { handler } = require(job.bundle);
    const started = performance.now();
    let outcome;
    try {
      outcome = { result: await handler(job.event, context()) };
    } catch (error) {
      outcome = { error: String(error && error.message) };
    }
    process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - started, ...outcome })}\n`);
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
