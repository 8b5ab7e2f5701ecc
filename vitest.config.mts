import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/support/quiet-logs.ts'],
    // Handlers read their configuration once at module load, so each test file gets fresh modules.
    isolate: true,
    testTimeout: 20_000,
    // The JSON report lets CI print a plain "N passed, N failed" closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
    hookTimeout: 20_000,
  },
});
