import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/apps/ holds the Laravel test apps (and their vendor/ trees), not tests.
    exclude: ['**/node_modules/**', 'test/apps/**'],
    // End-to-end suites start real servers with real PHP workers: run files one at a time so
    // they do not fight over the machine's two cores or over ports.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
