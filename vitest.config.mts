import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Handlers read their configuration once at module load, so each test file gets fresh modules.
    isolate: true,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
