// A stand-in for @prisma/client, for the suite's own tests: Prisma's client needs its query engine, which
// cannot be downloaded on the test machines. It answers the model calls a WorkOnClock seed makes
// (findMany, upsert, createMany, deleteMany) by running SQL through the `mariadb` client against the
// database of DATABASE_URL, with the tables and columns of datamodel.json (written from Prisma's DMMF).
const { execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const datamodel = require('./datamodel.json');

function connection() {
  const url = new URL(process.env.DATABASE_URL);
  const socket = url.searchParams.get('socket');
  return [
    '--no-defaults',
    `--user=${decodeURIComponent(url.username)}`,
    ...(socket ? [`--socket=${socket}`] : [`--host=${url.hostname}`, `--port=${url.port || 3306}`]),
    url.pathname.slice(1),
  ];
}

function run(sql) {
  const output = execFileSync('mariadb', [...connection(), '--batch', '--raw', '-e', sql], { encoding: 'utf8' });
  const [header, ...lines] = output.split('\n').filter((line) => line.length > 0);
  if (!header) return [];
  const names = header.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, i) => [names[i], value === 'NULL' ? null : value])));
}

function literal(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return `'${value.toISOString().slice(0, 23).replace('T', ' ')}'`;
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

class Model {
  constructor(model) {
    this.model = model;
  }

  column(field) {
    const column = this.model.columns[field];
    if (!column) throw new Error(`stand-in client: ${this.model.name} has no field ${field}`);
    return `\`${column}\``;
  }

  where(where = {}) {
    const parts = [];
    for (const [field, condition] of Object.entries(where)) {
      if (!(field in this.model.columns) && condition && typeof condition === 'object') {
        parts.push(this.where(condition)); // a compound unique key: organizationId_key: {organizationId, key}
      } else if (condition && typeof condition === 'object' && !(condition instanceof Date)) {
        if ('not' in condition) parts.push(`${this.column(field)} <> ${literal(condition.not)}`);
        if ('in' in condition) parts.push(`${this.column(field)} IN (${[null, ...condition.in].map(literal).join(', ')})`);
        if ('notIn' in condition && condition.notIn.length > 0) {
          parts.push(`${this.column(field)} NOT IN (${condition.notIn.map(literal).join(', ')})`);
        }
      } else {
        parts.push(`${this.column(field)} = ${literal(condition)}`);
      }
    }
    return parts.length > 0 ? parts.join(' AND ') : '1 = 1';
  }

  fields(row) {
    const byColumn = Object.fromEntries(Object.entries(this.model.columns).map(([field, column]) => [column, field]));
    return Object.fromEntries(Object.entries(row).map(([column, value]) => [byColumn[column] ?? column, value]));
  }

  insert(data, ignore = false, operation = 'create') {
    const rows = data.map((given) => {
      for (const [field, value] of Object.entries(given)) {
        if (value === undefined) {
          throw new Error(`Invalid \`prisma.${this.model.name}.${operation}()\` invocation: Argument \`${field}\` is missing.`);
        }
      }
      const row = { ...given };
      if (this.model.generatedId && row[this.model.generatedId] === undefined) row[this.model.generatedId] = randomUUID();
      for (const field of this.model.updatedAt) row[field] ??= new Date();
      return row;
    });
    const fields = Object.keys(rows[0]);
    const values = rows.map((row) => `(${fields.map((f) => literal(row[f])).join(', ')})`);
    run(
      `INSERT ${ignore ? 'IGNORE ' : ''}INTO \`${this.model.table}\` (${fields.map((f) => this.column(f)).join(', ')})` +
        ` VALUES ${values.join(', ')}`,
    );
    return rows;
  }

  async findMany({ where } = {}) {
    return run(`SELECT * FROM \`${this.model.table}\` WHERE ${this.where(where)}`).map((row) => this.fields(row));
  }

  async findUnique({ where }) {
    return (await this.findMany({ where }))[0] ?? null;
  }

  async upsert({ where, update, create }) {
    const found = await this.findUnique({ where });
    if (!found) return this.insert([create], false, 'upsert')[0];
    const sets = Object.entries(update).map(([field, value]) => `${this.column(field)} = ${literal(value)}`);
    if (sets.length > 0) run(`UPDATE \`${this.model.table}\` SET ${sets.join(', ')} WHERE ${this.where(where)}`);
    return this.findUnique({ where });
  }

  async createMany({ data, skipDuplicates = false }) {
    if (data.length > 0) this.insert(data, skipDuplicates, 'createMany');
    return { count: data.length };
  }

  async deleteMany({ where } = {}) {
    run(`DELETE FROM \`${this.model.table}\` WHERE ${this.where(where)}`);
    return { count: 0 };
  }
}

class PrismaClient {
  constructor() {
    for (const model of datamodel.models) {
      this[model.name[0].toLowerCase() + model.name.slice(1)] = new Model(model);
    }
  }

  async $disconnect() {}
}

const enums = Object.fromEntries(datamodel.enums.map((e) => [e.name, Object.fromEntries(e.values.map((v) => [v, v]))]));
exports.PrismaClient = PrismaClient;
Object.assign(exports, enums);
