import type { AuditEvent } from '../interfaces/audit-event.interface.js';

/** Options of `sanitizeAuditEvent`. */
export interface AuditSanitizeOptions {
  /** Longest string kept (default 512); longer ones are cut and end with `…`. */
  readonly maxFieldLength?: number;
  /**
   * About how many characters of keys and strings one event may hold (default 4 096): the fields past
   * the budget are left out and the event says `truncated: true`, so a queued event has a bounded size.
   */
  readonly maxEventLength?: number;
}

/** What replaces a value that looks like a credential. */
export const AUDIT_REDACTED = '[REDACTED]';

// Keys whose values are credentials whatever they look like.
const SECRET_KEY =
  /token|passw(or)?d|^pwd$|secret|authori[sz]ation|api[-_]?key|connection[-_]?string|cookie|credential|pepper|private[-_]?key|signature|session[-_]?id/i;

// Values shaped like credentials. Checked on every string, whatever its field.
const SECRET_VALUE: readonly RegExp[] = [
  /\bbearer\s+\S/i, // an Authorization header value
  /\bbasic\s+[A-Za-z0-9+/=]{6,}/i,
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./, // a JWT (header.payload.)
  /[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]*@/i, // a URL with user:password@
  /(passw(or)?d|pwd|secret|token|api[-_]?key|access[-_]?key)\s*[=:]\s*\S/i, // key=value pairs in text
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[A-Za-z][A-Za-z0-9]{1,15}_[A-Za-z0-9_-]{20,}/, // candidate `<prefix>_<random>` API key, confirmed below
  /[A-Za-z0-9+/_-]{32,}/, // candidate long random string, confirmed below
];

// The last two patterns are candidates: only mixed case with digits (random, not a word or a hex hash) counts.
const CANDIDATES_FROM = SECRET_VALUE.length - 2;
// Global copies, compiled once; `matchAll` clones them, so sharing is safe.
const CANDIDATES = SECRET_VALUE.slice(CANDIDATES_FROM).map((pattern) => new RegExp(pattern.source, 'g'));
const DEFINITE = SECRET_VALUE.slice(0, CANDIDATES_FROM);

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators: anything that can forge a log line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 3;
const MAX_KEYS = 32;
const MAX_ITEMS = 64;
const MAX_KEY_LENGTH = 64;

/**
 * Returns a clean copy of an audit event: credential-named keys and credential-shaped values dropped
 * (replaced by `[REDACTED]`), control characters (CR, LF, …) replaced by spaces, strings capped,
 * nesting, lists and key counts bounded. The input is never modified.
 */
export function sanitizeAuditEvent<T extends AuditEvent>(event: T, options: AuditSanitizeOptions = {}): T {
  const max = options.maxFieldLength ?? 512;
  const budget: Budget = { left: options.maxEventLength ?? 4_096, cut: false };
  const clean = cleanObject(event as unknown as Record<string, unknown>, max, 0, budget);
  if (budget.cut) clean.truncated = true;
  return clean as unknown as T;
}

/** Characters an event may still take; `cut` once a field was left out for lack of them. */
interface Budget {
  left: number;
  cut: boolean;
}

/** True when `value` looks like a credential (bearer token, JWT, URL with a password, API key …). */
export function looksLikeSecret(value: string): boolean {
  for (const pattern of DEFINITE) if (pattern.test(value)) return true;
  for (const pattern of CANDIDATES) {
    for (const match of value.matchAll(pattern)) if (isRandom(match[0])) return true;
  }
  return false;
}

function isRandom(text: string): boolean {
  return /[a-z]/.test(text) && /[A-Z]/.test(text) && /[0-9]/.test(text);
}

function cleanObject(
  value: Record<string, unknown>,
  max: number,
  depth: number,
  budget: Budget,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let keys = 0;
  for (const rawKey of Object.keys(value)) {
    if (keys >= MAX_KEYS) break;
    const key = cleanString(rawKey, MAX_KEY_LENGTH);
    if (key.length === 0 || PROTOTYPE_KEYS.has(key) || SECRET_KEY.test(key)) continue;
    if (budget.left < key.length) {
      budget.cut = true;
      break;
    }
    let member: unknown;
    try {
      member = value[rawKey];
    } catch {
      continue; // a throwing getter: leave the field out rather than fail the audit
    }
    budget.left -= key.length;
    const clean = cleanValue(member, max, depth + 1, budget);
    if (clean === undefined) continue;
    out[key] = clean;
    keys++;
  }
  return out;
}

function cleanValue(value: unknown, max: number, depth: number, budget: Budget): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string': {
      // Patterns only ever see a bounded window, so a huge field cannot make them slow.
      const window = value.length > max + 64 ? value.slice(0, max + 64) : value;
      const clean = cleanString(window, max);
      if (clean.length > budget.left) {
        budget.cut = true;
        return undefined;
      }
      budget.left -= clean.length;
      // The raw window too: a credential cut at the cap or split by a control character still counts.
      return looksLikeSecret(clean) || (clean !== window && looksLikeSecret(window)) ? AUDIT_REDACTED : clean;
    }
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      if (depth > MAX_DEPTH) return undefined;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (Array.isArray(value)) {
        return value
          .slice(0, MAX_ITEMS)
          .map((item) => cleanValue(item, max, depth + 1, budget))
          .filter((item) => item !== undefined);
      }
      // Anything that knows how to print itself (Secret, errors, buffers) is left out, not serialized.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || value instanceof Error)
        return undefined;
      return cleanObject(value as Record<string, unknown>, max, depth, budget);
    default:
      return undefined; // functions, symbols, undefined
  }
}

function cleanString(value: string, max: number): string {
  const flat = value.replace(CONTROL, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}
