// Prisma's own data model (the DMMF) of a schema, from prisma-schema-wasm's get_dmmf.
// Request: {files: [schema paths]}. Result: the DMMF's datamodel (models, enums, types, indexes).
import { readFileSync } from 'node:fs';
import wasm from '@prisma/prisma-schema-wasm';
import { SourceProblem, serve } from './protocol.mjs';

await serve(({ files }) => {
  const prismaSchema = files.map((file) => [file, readFileSync(file, 'utf8')]);
  let dmmf;
  try {
    dmmf = wasm.get_dmmf(JSON.stringify({ prismaSchema }));
  } catch (error) {
    throw validationProblem(error.message, files[0]);
  }
  return { result: JSON.parse(dmmf).datamodel, inputs: files };
});

// get_dmmf throws {"error_code", "message"} whose message is the CLI's coloured report:
// "error: <text>\n  -->  <file>:<line>\n ... Validation Error Count: N".
function validationProblem(thrown, fallbackFile) {
  const report = JSON.parse(thrown).message.replace(/\u001b\[[0-9;]*m/g, '');
  const text = report.match(/^error: (.*)$/m)?.[1] ?? report.split('\n')[0];
  const location = report.match(/^\s*-->\s+(.*):(\d+)$/m);
  const count = Number(report.match(/Validation Error Count: (\d+)/)?.[1] ?? 1);
  const more = count > 1 ? ` (and ${count - 1} more error${count > 2 ? 's' : ''})` : '';
  const file = location ? location[1] : fallbackFile;
  return new SourceProblem(`Prisma schema error: ${text}${more}`, file, location ? Number(location[2]) : null);
}
