// The evaluated value of every JSON-valued export of a TypeScript entry file: the entry is
// bundled with esbuild and the bundle imported. Request: {entry}.
// Result: {values: {NAME: value}, other: [names of exports that are not JSON values]}.
import { dirname, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { SourceProblem, serve } from './protocol.mjs';

await serve(async ({ entry }) => {
  const { code, inputs } = await bundle(entry);
  const exports = await evaluate(code, entry);
  const values = {};
  const other = [];
  for (const [name, value] of Object.entries(exports)) {
    if (isJsonValue(value)) values[name] = value;
    else other.push(name);
  }
  return { result: { values, other }, inputs };
});

async function bundle(entry) {
  const workingDir = dirname(entry);
  try {
    const built = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: workingDir,
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(built.metafile.inputs).map((input) => resolve(workingDir, input));
    return { code: built.outputFiles[0].text, inputs: inputs.filter((file) => !file.includes('/node_modules/')) };
  } catch (error) {
    const [first] = error.errors ?? [];
    if (!first) throw error;
    const file = first.location ? resolve(workingDir, first.location.file) : entry;
    throw new SourceProblem(`esbuild cannot bundle the package: ${first.text}`, file, first.location?.line ?? null);
  }
}

async function evaluate(code, entry) {
  try {
    return await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  } catch (error) {
    throw new SourceProblem(`evaluating the bundled package failed: ${error.name}: ${error.message}`, entry);
  }
}

function isJsonValue(value) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  const prototype = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isJsonValue);
}
