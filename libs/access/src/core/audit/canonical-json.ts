/**
 * Deterministic JSON: object keys sorted (UTF-16 code unit order) at every level, no whitespace, `undefined`
 * members dropped and non-finite numbers written as `null` (as `JSON.stringify` does). Used for the
 * policy version hash and the audit hash chain, so equal data always hashes equal.
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

// Deep enough for a policy condition at the engine's deepest bound (two JSON levels per `all`/`any`).
const MAX_DEPTH = 256;

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new RangeError('canonicalJson: value nests too deeply');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : write(item, depth + 1))).join(',')}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${write(member, depth + 1)}`);
  }
  return `{${parts.join(',')}}`;
}
