// The role -> permission mapping a Prisma seed writes, read from its TypeScript (nothing is run).
// Request: {file: the seed script, shared: the shared package's folder, roleKeys: ["OWNER", ...]}.
// Result: {mappings: [{kind, name, line, used, roles, text}]}, one per object the seed indexes by a computed key:
//   kind "shared": a constant of the shared package (name), which the seed writes as it is;
//   kind "literal": an object of the seed's own whose role-key properties evaluate to lists of strings (roles);
//   kind "computed": such an object whose values cannot be evaluated without running the seed (text).
// Values are evaluated from literals, constants, spreads, property reads and `.filter((k) => k !== 'x' && ...)`.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { lineAt, serve, SourceProblem } from './protocol.mjs';

const UNKNOWN = Symbol('unknown');

function options(shared) {
  const manifest = JSON.parse(readFileSync(join(shared, 'package.json'), 'utf8'));
  const entry = resolve(shared, manifest.types || manifest.main || 'src/index.ts');
  return {
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
    paths: { [manifest.name]: [entry] },
  };
}

function isLiteral(node) {
  return ts.isStringLiteralLike(node) || ts.isNumericLiteral(node);
}

function unwrap(node) {
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}

class Reader {
  constructor(checker, shared, roleKeys) {
    this.checker = checker;
    this.shared = shared;
    this.roleKeys = roleKeys;
  }

  /** What an indexed object is: a shared constant, a mapping of the seed's own, or nothing of interest. */
  mapping(expression) {
    const declaration = this.declarationOf(unwrap(expression));
    if (!declaration) return null;
    const where = declaration.getSourceFile();
    const at = { name: declaration.name.getText(where), line: lineAt(where, declaration.getStart()) };
    if (resolve(where.fileName).startsWith(this.shared + '/')) return { kind: 'shared', ...at };
    const initializer = declaration.initializer && unwrap(declaration.initializer);
    if (!initializer || !ts.isObjectLiteralExpression(initializer)) return null;
    const names = initializer.properties.map((property) => property.name && propertyName(property.name));
    if (!names.some((name) => this.roleKeys.has(name))) return null;
    const value = this.evaluate(initializer);
    if (value === UNKNOWN) return { kind: 'computed', ...at, text: initializer.getText(where).slice(0, 200) };
    const roles = rolesOf(value, this.roleKeys);
    return roles ? { kind: 'literal', ...at, roles } : null; // role names, say: not a permission mapping
  }

  declarationOf(node) {
    if (!ts.isIdentifier(node)) return null;
    let symbol = this.checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    return declaration && ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name)
      ? declaration
      : null;
  }

  evaluate(node) {
    node = unwrap(node);
    if (ts.isStringLiteralLike(node)) return node.text;
    if (ts.isArrayLiteralExpression(node)) return this.elements(node.elements);
    if (ts.isObjectLiteralExpression(node)) return this.object(node);
    if (ts.isIdentifier(node)) {
      const declaration = this.declarationOf(node);
      return declaration?.initializer ? this.evaluate(declaration.initializer) : UNKNOWN;
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const key = ts.isPropertyAccessExpression(node) ? node.name.text : this.evaluate(node.argumentExpression);
      const target = this.evaluate(node.expression);
      return target !== UNKNOWN && typeof target === 'object' && typeof key === 'string' && key in target
        ? target[key]
        : UNKNOWN;
    }
    if (ts.isCallExpression(node)) return this.filtered(node);
    return UNKNOWN;
  }

  elements(elements) {
    const values = [];
    for (const element of elements) {
      const value = this.evaluate(ts.isSpreadElement(element) ? element.expression : element);
      if (value === UNKNOWN) return UNKNOWN;
      if (ts.isSpreadElement(element)) {
        if (!Array.isArray(value)) return UNKNOWN;
        values.push(...value);
      } else {
        values.push(value);
      }
    }
    return values;
  }

  object(node) {
    const value = {};
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property) && propertyName(property.name) !== null) {
        value[propertyName(property.name)] = this.evaluate(property.initializer);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        value[property.name.text] = this.evaluate(property.name);
      } else if (ts.isSpreadAssignment(property)) {
        const spread = this.evaluate(property.expression);
        if (spread === UNKNOWN || typeof spread !== 'object') return UNKNOWN;
        Object.assign(value, spread);
      } else {
        return UNKNOWN;
      }
    }
    return Object.values(value).includes(UNKNOWN) ? UNKNOWN : value;
  }

  /** `list.filter((k) => k !== 'a' && k !== 'b')`: the list without those keys; anything else is unknown. */
  filtered(call) {
    const callee = call.expression;
    const predicate = call.arguments[0];
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'filter' || !predicate) return UNKNOWN;
    if (!ts.isArrowFunction(predicate) || predicate.parameters.length !== 1) return UNKNOWN;
    const parameter = predicate.parameters[0].name.getText();
    const excluded = excludedKeys(predicate.body, parameter);
    const list = this.evaluate(callee.expression);
    if (excluded === null || !Array.isArray(list)) return UNKNOWN;
    return list.filter((key) => !excluded.includes(key));
  }
}

function excludedKeys(body, parameter) {
  body = unwrap(body);
  if (ts.isBinaryExpression(body) && body.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) {
    const left = excludedKeys(body.left, parameter);
    const right = excludedKeys(body.right, parameter);
    return left && right ? [...left, ...right] : null;
  }
  const unequal = [ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken];
  if (ts.isBinaryExpression(body) && unequal.includes(body.operatorToken.kind)) {
    const [name, literal] = ts.isIdentifier(body.left) ? [body.left, body.right] : [body.right, body.left];
    if (ts.isIdentifier(name) && name.text === parameter && ts.isStringLiteralLike(literal)) return [literal.text];
  }
  return null;
}

function propertyName(name) {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) ? name.text : null;
}

function rolesOf(value, roleKeys) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const roles = {};
  for (const [role, keys] of Object.entries(value)) {
    if (!roleKeys.has(role)) continue;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) return null;
    roles[role] = keys;
  }
  return roles;
}

function readSeed({ file, shared, roleKeys }) {
  const program = ts.createProgram([file], options(shared));
  const source = program.getSourceFile(file);
  const syntax = program.getSyntacticDiagnostics(source)[0];
  if (syntax) {
    throw new SourceProblem(ts.flattenDiagnosticMessageText(syntax.messageText, ' '), file, lineAt(source, syntax.start));
  }
  const checker = program.getTypeChecker();
  const reader = new Reader(checker, resolve(shared), new Set(roleKeys));
  const mappings = [];
  const seen = new Set();
  const visit = (node) => {
    if (ts.isElementAccessExpression(node) && !isLiteral(node.argumentExpression)) {
      const mapping = reader.mapping(node.expression);
      const key = mapping && `${mapping.kind}:${mapping.name}:${mapping.line}`;
      if (mapping && !seen.has(key)) {
        seen.add(key);
        mappings.push({ ...mapping, used: lineAt(source, node.getStart()) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const inputs = program
    .getSourceFiles()
    .map((sourceFile) => sourceFile.fileName)
    .filter((fileName) => !fileName.includes('/node_modules/') && !fileName.includes('/typescript/lib/'));
  return { result: { mappings }, inputs };
}

await serve(readSeed);
