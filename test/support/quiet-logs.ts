/**
 * Keeps the handlers' JSON log lines out of the test report: the Powertools logger writes them straight to
 * stdout and stderr. Tests that read the logs replace the streams' `write` themselves (captureOutput), so they
 * still see every line.
 */
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('{"level":') ? true : write(chunk, ...rest)) as typeof stream.write;
}
