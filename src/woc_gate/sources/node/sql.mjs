// The SQL the runtime API sends to its database: the first argument of every call to a query method.
// Request: {files: [TypeScript paths], methods: [method names, e.g. "query"]}.
// Result: [{file, line, method, sql}] where sql is the statement's text, or null when the
// argument is built at run time (then `expression` holds its source text).
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { lineAt, serve } from './protocol.mjs';

await serve(({ files, methods }) => {
  const wanted = new Set(methods);
  const calls = files.flatMap((file) => callsIn(file, wanted));
  return { result: calls, inputs: files };
});

function callsIn(file, wanted) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const method = calledName(node.expression);
      if (method && wanted.has(method)) found.push(describe(source, node, method));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function calledName(callee) {
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  return null;
}

function describe(source, call, method) {
  const argument = call.arguments[0];
  const sql = ts.isStringLiteral(argument) || ts.isNoSubstitutionTemplateLiteral(argument) ? argument.text : null;
  return {
    file: source.fileName,
    line: lineAt(source, argument.getStart(source)),
    method,
    sql,
    expression: sql === null ? argument.getText(source).slice(0, 200) : null,
  };
}
