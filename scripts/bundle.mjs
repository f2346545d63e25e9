/**
 * Bundle the CLI (dist/cli/main.js, compiled by tsc) into dist/bin/ with esbuild.
 *
 * Why: starting the CLI resolved, read and compiled ~250 files (yaml alone is 72, nunjucks
 * 21, ssh2 22) — about 0.1–0.15 s of CPU before the first connection, which the benchmark
 * counts as client CPU per host (issue 7). One bundle per command (code splitting keeps
 * `apply` from loading the guide's prompts or the scheduler) loads in a fraction of that.
 *
 * ssh2 stays outside the bundle, loaded from node_modules as before: it finds its native
 * crypto binding (and cpu-features) relative to its own files (__dirname), which a bundle
 * chunk would break — it would silently fall back to slower pure-JS ciphers.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = 'dist/bin';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { 'crane-fix': 'dist/cli/main.js', demo: 'dist/cli/demo.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['ssh2', 'cpu-features', '*.node'],
  // Bundled CommonJS packages call require() for Node built-ins; ESM has no require.
  banner: { js: "import { createRequire as __craneFixRequire } from 'node:module';\nconst require = __craneFixRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
