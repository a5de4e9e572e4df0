import { defineConfig } from 'vitest/config';

// One engine and one Chromium per file; files run one after another (2 shared cores).
export default defineConfig({
  test: {
    include: ['*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    sequence: { concurrent: false },
  },
});
