// The SQL the runtime API sends to its database: the first argument of every call to a query method.
// Request: {files: [TypeScript paths], methods: [method names, e.g. "query"]}.
// Result: [{file, line, method, sql, binding, expression}], one entry per statement the argument can be.
// A literal gives its text. A template or a concatenation whose substitutions are literals, constants, or
// of a literal union type (`table: 'woc_a' | 'woc_b'`) gives one entry per combination of values, `binding`
// saying which ("table = 'woc_a'"). Anything else is built at run time: sql is null and `expression` holds
// its source text. A query method handing its own parameter on (the wrapper around the driver) gives no
// entry: the statements are its callers'.
import ts from 'typescript';
import { lineAt, serve } from './protocol.mjs';

const MAX_VARIANTS = 64; // beyond this many combinations a statement counts as built at run time
const OPTIONS = {
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  experimentalDecorators: true,
  strict: true,
  skipLibCheck: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
};

await serve(({ files, methods }) => {
  const wanted = new Set(methods);
  const program = ts.createProgram(files, OPTIONS);
  const checker = program.getTypeChecker();
  const calls = files.flatMap((file) => callsIn(program.getSourceFile(file), wanted, checker));
  const inputs = program
    .getSourceFiles()
    .map((sourceFile) => sourceFile.fileName)
    .filter((fileName) => !fileName.includes('/node_modules/'));
  return { result: calls, inputs };
});

function callsIn(source, wanted, checker) {
  const found = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const method = calledName(node.expression);
      if (method && wanted.has(method) && !passesOnItsParameter(node.arguments[0], wanted, checker)) {
        found.push(...describe(source, node, method, checker));
      }
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

function passesOnItsParameter(argument, wanted, checker) {
  if (!ts.isIdentifier(argument)) return false;
  const declaration = checker.getSymbolAtLocation(argument)?.valueDeclaration;
  const owner = declaration && ts.isParameter(declaration) ? declaration.parent : null;
  return Boolean(owner?.name && ts.isIdentifier(owner.name) && wanted.has(owner.name.text));
}

function describe(source, call, method, checker) {
  const argument = call.arguments[0];
  const place = { file: source.fileName, line: lineAt(source, argument.getStart(source)), method };
  const variants = valuesOf(argument, checker, new Set());
  if (variants === null) {
    return [{ ...place, sql: null, binding: null, expression: argument.getText(source).slice(0, 200) }];
  }
  const unique = new Map(variants.map((variant) => [variant.text, variant]));
  return [...unique.values()].map((variant) => ({
    ...place,
    sql: variant.text,
    binding: variant.binding.map(([name, value]) => `${name} = '${value}'`).join(', ') || null,
    expression: null,
  }));
}

// The texts an expression can evaluate to, each with the substitutions chosen ([source, value] pairs); null
// when one of them is not known before run time.
function valuesOf(node, checker, following) {
  node = ts.skipOuterExpressions(node);
  if (ts.isStringLiteralLike(node) || ts.isNumericLiteral(node)) return [{ text: node.text, binding: [] }];
  if (ts.isTemplateExpression(node)) {
    let texts = [{ text: node.head.text, binding: [] }];
    for (const span of node.templateSpans) {
      texts = joined(texts, substituted(span.expression, checker, following), span.literal.text);
      if (texts === null) return null;
    }
    return texts;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = substituted(node.left, checker, following);
    return left && joined(left, substituted(node.right, checker, following), '');
  }
  if (ts.isConditionalExpression(node)) {
    const [yes, no] = [valuesOf(node.whenTrue, checker, following), valuesOf(node.whenFalse, checker, following)];
    return yes && no ? capped([...yes, ...no]) : null;
  }
  const initializer = constInitializer(node, checker);
  if (initializer && !following.has(initializer)) {
    const values = valuesOf(initializer, checker, new Set([...following, initializer]));
    if (values) return values;
  }
  const literals = literalsOf(checker.getTypeAtLocation(node));
  return literals && literals.map((text) => ({ text, binding: [] }));
}

// The values of a substituted expression, each bound to the expression's source unless it is a literal.
function substituted(node, checker, following) {
  const values = valuesOf(node, checker, following);
  const literal = ts.isStringLiteralLike(ts.skipOuterExpressions(node));
  return values && values.map((v) => (literal || v.binding.length ? v : { ...v, binding: [[node.getText(), v.text]] }));
}

function joined(prefixes, values, suffix) {
  if (prefixes === null || values === null) return null;
  return capped(
    prefixes.flatMap((p) => values.map((v) => ({ text: p.text + v.text + suffix, binding: [...p.binding, ...v.binding] }))),
  );
}

function capped(values) {
  return values.length <= MAX_VARIANTS ? values : null;
}

function constInitializer(node, checker) {
  if (!ts.isIdentifier(node) && !ts.isPropertyAccessExpression(node)) return null;
  let symbol = checker.getSymbolAtLocation(node);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  const isConst =
    declaration && ts.isVariableDeclaration(declaration) && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const;
  return isConst ? declaration.initializer ?? null : null;
}

// The values a literal type, or a union of literal types, allows; null for any other type.
function literalsOf(type) {
  const members = type.isUnion() ? type.types : [type];
  if (!members.every((member) => member.isStringLiteral() || member.isNumberLiteral())) return null;
  return capped(members.map((member) => String(member.value)));
}
