import { attributeType, type ApiError, type AttributeType, type Item } from '@vidplat/contracts';

/**
 * Item attribute filters: `filter=price<20;language=en;level!=advanced`. Each clause is
 * `name op value` with op one of = != < <= > >=. How a value compares follows the attribute's type
 * in the tenant (numbers numerically; booleans true/false; on a list, = means "contains" and !=
 * "does not contain"); < <= > >= need a number. An unknown attribute name or operator, or a value
 * of the wrong type, is a 400 naming the `filter` field.
 */
export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
export interface Clause {
  name: string;
  op: Op;
  type: AttributeType;
  value: string | number;
}

const CLAUSE = /^([a-z][a-z0-9_]{0,39})\s*(<=|>=|!=|=|<|>)\s*(.*)$/;
const ORDERING = new Set<Op>(['<', '<=', '>', '>=']);

const fail = (message: string): ApiError => ({ code: 'invalid_query', message, field: 'filter' });

export function parseFilter(raw: string, types: ReadonlyMap<string, AttributeType>): Clause[] | ApiError {
  const out: Clause[] = [];
  for (const part of raw.split(';').map((p) => p.trim()).filter(Boolean)) {
    const m = CLAUSE.exec(part);
    if (!m) {
      const name = /^[a-z][a-z0-9_]*/.exec(part)?.[0];
      return fail(name ? `unknown operator in "${part}": use one of = != < <= > >=` : `"${part}" is not name op value`);
    }
    const [, name, op, text] = m as unknown as [string, string, Op, string];
    // "price=>20", "price<>20": the rest starts with another operator character.
    if (/^[<>=!]/.test(text)) return fail(`unknown operator in "${part}": use one of = != < <= > >=`);
    const type = types.get(name);
    if (!type) return fail(`unknown attribute ${name}`);
    if (ORDERING.has(op) && type !== 'number') return fail(`operator ${op} needs a number attribute; ${name} is a ${type}`);
    if (type === 'number') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) return fail(`${name} is a number: "${text}" is not one`);
      out.push({ name, op, type, value: n });
    } else if (type === 'boolean') {
      if (text !== 'true' && text !== 'false') return fail(`${name} is a boolean: use true or false`);
      out.push({ name, op, type, value: text });
    } else out.push({ name, op, type, value: text });
  }
  if (!out.length) return fail('empty filter');
  if (out.length > 10) return fail('at most 10 filter clauses');
  return out;
}

/** One SQL condition per clause over item_attribute_values (alias `i` is the items row). */
export function clauseSql(c: Clause, arg: (v: unknown) => string): string {
  const base = `FROM item_attribute_values v WHERE v.tenant_id = i.tenant_id AND v.item_id = i.item_id AND v.name = ${arg(c.name)}`;
  if (c.type === 'number') return `EXISTS (SELECT 1 ${base} AND v.n ${c.op} ${arg(c.value)})`;
  const eq = `EXISTS (SELECT 1 ${base} AND v.s = ${arg(String(c.value))})`;
  return c.op === '=' ? eq : `NOT ${eq}`;
}

/** Index rows of an item's attributes: a list gives one row per element; booleans as 'true'/'false'. */
export function attributeRows(it: Item): { name: string; s: string | null; n: number | null }[] {
  const rows: { name: string; s: string | null; n: number | null }[] = [];
  for (const [name, v] of Object.entries(it.attributes ?? {})) {
    if (Array.isArray(v)) for (const x of new Set(v)) rows.push({ name, s: x, n: null });
    else if (typeof v === 'number') rows.push({ name, s: null, n: v });
    else rows.push({ name, s: String(v), n: null });
  }
  return rows;
}

/** The first attribute whose type differs from the tenant's registered type for that name. */
export function typeConflict(items: Item[], types: ReadonlyMap<string, AttributeType>): { itemId: string; name: string; want: AttributeType; got: AttributeType } | null {
  const seen = new Map(types);
  for (const it of items) {
    for (const [name, v] of Object.entries(it.attributes ?? {})) {
      const got = attributeType(v);
      const want = seen.get(name);
      if (want && want !== got) return { itemId: it.itemId, name, want, got };
      seen.set(name, got);
    }
  }
  return null;
}
