import { defineConfig } from 'vitest/config';

// Two projects: `unit` never touches the network; `integration` drives real sshd lab nodes
// and therefore needs root (namespaces, loop devices). See test/integration/README note in each file.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Lab tests share 127.0.0.X addresses; run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
