// The protocol every woc-gate node script speaks: one JSON request on stdin, one JSON
// reply on stdout, either {result, inputs} or {error: {file, line, message}}.
import { readFileSync } from 'node:fs';

/** A problem in the WorkOnClock source, reported to Python as {file, line, message}. */
export class SourceProblem extends Error {
  constructor(message, file = null, line = null) {
    super(message);
    this.file = file;
    this.line = line;
  }

  toJSON() {
    return { file: this.file, line: this.line, message: this.message };
  }
}

/** The 1-based line of a character position in a TypeScript source file. */
export function lineAt(sourceFile, position) {
  return sourceFile.getLineAndCharacterOfPosition(position).line + 1;
}

/** Run handler(request) and write its {result, inputs} or its SourceProblem as the reply. */
export async function serve(handler) {
  let reply;
  try {
    reply = await handler(JSON.parse(readFileSync(0, 'utf8')));
  } catch (error) {
    if (!(error instanceof SourceProblem)) throw error;
    reply = { error };
  }
  process.stdout.write(JSON.stringify(reply));
}
