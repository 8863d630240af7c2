// The JSON schema of every type exported by a TypeScript entry file (ts-json-schema-generator).
// Request: {entry, tsconfig}. Result: {types: {Name: {schema} | {error: {file, line, message}}}}.
// A type that cannot be converted gets its own error, so it hides none of the others.
import ts from 'typescript';
import tsj from 'ts-json-schema-generator';
import { SourceProblem, lineAt, serve } from './protocol.mjs';

const { BaseError, DEFAULT_CONFIG, SchemaGenerator, createFormatter, createParser, createProgram } = tsj;

await serve(({ entry, tsconfig }) => {
  const config = { ...DEFAULT_CONFIG, path: entry, tsconfig: tsconfig ?? undefined, skipTypeCheck: true };
  const program = buildProgram(config);
  rejectSyntaxErrors(program);
  const generator = new SchemaGenerator(program, createParser(program, config), createFormatter(config), config);
  const types = {};
  for (const [name, declaration] of exportedTypes(program, entry)) {
    types[name] = convert(generator, declaration);
  }
  return { result: { types }, inputs: projectFiles(program, tsconfig) };
});

function buildProgram(config) {
  try {
    return createProgram(config);
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const problem = problemOf(error, true);
    problem.file ??= config.tsconfig;
    throw problem;
  }
}

function rejectSyntaxErrors(program) {
  const [first] = program.getSyntacticDiagnostics();
  if (first) {
    const message = `TypeScript syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`;
    throw new SourceProblem(message, first.file.fileName, lineAt(first.file, first.start));
  }
}

function* exportedTypes(program, entry) {
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
  for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.find(isRootableType);
    if (declaration) yield [exported.name, declaration];
  }
}

// ts-json-schema-generator can start a schema only at a non-generic named type.
function isRootableType(node) {
  const named =
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node) ||
    ts.isClassDeclaration(node);
  return named && !node.typeParameters?.length;
}

function convert(generator, declaration) {
  try {
    return { schema: generator.createSchemaFromNodes([declaration]) };
  } catch (error) {
    const problem = error instanceof BaseError ? problemOf(error) : new SourceProblem(String(error?.message ?? error));
    const sourceFile = declaration.getSourceFile();
    problem.file ??= sourceFile.fileName;
    problem.line ??= lineAt(sourceFile, declaration.getStart());
    return { error: problem };
  }
}

// The generator's codes read "J - 104", documented as TSJ-104; a configuration error wraps
// TypeScript's own diagnostic in the same form, so it is shown without a code.
function problemOf(error, configuration = false) {
  const { file, start, code, messageText } = error.diagnostic;
  const cause = error.cause instanceof Error ? ` ${error.cause.message}` : '';
  const text = `${ts.flattenDiagnosticMessageText(messageText, ' ')}${cause}`;
  const message = configuration
    ? `TypeScript configuration error: ${text}`
    : `${text} (TS${code.replace(/ /g, '')})`;
  return new SourceProblem(message, file?.fileName ?? null, file ? lineAt(file, start) : null);
}

// Third-party declarations (TypeScript's own lib, the checkout's node_modules) are left out.
function projectFiles(program, tsconfig) {
  const files = program
    .getSourceFiles()
    .map((sourceFile) => sourceFile.fileName)
    .filter((fileName) => !fileName.includes('/node_modules/'));
  return tsconfig ? [tsconfig, ...files] : files;
}
