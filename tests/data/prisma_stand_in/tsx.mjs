#!/usr/bin/env node
// A stand-in for `tsx FILE`, for the suite's own tests: bundles the TypeScript file with esbuild (from
// woc-gate's node tools), leaving the checkout's node modules outside the bundle, and runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const esbuild = createRequire(process.env.WOC_GATE_ESBUILD_FROM)('esbuild');
const entry = resolve(process.argv[2]);
const out = join(mkdtempSync(join(dirname(entry), '.tsx-')), 'seed.mjs');
try {
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    external: ['@prisma/client'],
    logLevel: 'error',
  });
  await import(pathToFileURL(out).href);
} finally {
  process.on('exit', () => rmSync(dirname(out), { recursive: true, force: true }));
}
