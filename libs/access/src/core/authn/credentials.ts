import type { Credentials } from './interfaces/authenticator.interface.js';

/** Header values as Node gives them: duplicated headers arrive as arrays. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Credentials found in the headers, or why the headers cannot be trusted. */
export type CredentialExtraction =
  | { readonly ok: true; readonly credentials: Credentials; readonly present: boolean }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'ambiguous-credentials' | 'unsupported-credentials';
    };

/** Query parameters that carry credentials in the wild; their presence alone gets a request refused. */
export const QUERY_CREDENTIAL_PARAMS: readonly string[] = [
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'jwt',
  'bearer',
  'api_key',
  'apikey',
  'api-key',
  'x-api-key',
  'auth',
  'authorization',
  'client_secret',
  'password',
];

const MAX_CREDENTIAL_LENGTH = 8_192;
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9-]*) +([\x21-\x7e]+)$/;

/**
 * Reads `Authorization: Bearer|ApiKey <value>` and `X-API-Key`. Two places at once, a repeated header
 * or an unknown scheme make the request unauthenticated on purpose: guessing which one counts is how
 * credential confusion starts. `rawHeaders` (Node's `request.rawHeaders`) is where a repeated header
 * shows: Node keeps only the first `Authorization` and joins repeated `X-API-Key`s with commas.
 */
export function extractCredentials(
  headers: HeaderBag,
  upstream?: unknown,
  rawHeaders?: readonly string[],
): CredentialExtraction {
  const authorization = headers['authorization'];
  const apiKeyHeader = headers['x-api-key'];
  if (Array.isArray(authorization) || Array.isArray(apiKeyHeader))
    return { ok: false, reason: 'ambiguous-credentials' };
  if (authorization !== undefined && apiKeyHeader !== undefined)
    return { ok: false, reason: 'ambiguous-credentials' };
  if (rawHeaders !== undefined && (authorization !== undefined || apiKeyHeader !== undefined)) {
    if (credentialHeaderCount(rawHeaders) > 1) return { ok: false, reason: 'ambiguous-credentials' };
  }

  const credentials: { bearer?: string; apiKey?: string; upstream?: unknown } = {};
  if (typeof authorization === 'string') {
    if (authorization.length > MAX_CREDENTIAL_LENGTH) return { ok: false, reason: 'malformed' };
    const match = AUTHORIZATION.exec(authorization.trim());
    if (!match) return { ok: false, reason: 'malformed' };
    const scheme = match[1]!.toLowerCase();
    if (scheme === 'bearer') credentials.bearer = match[2]!;
    else if (scheme === 'apikey') credentials.apiKey = match[2]!;
    else return { ok: false, reason: 'unsupported-credentials' };
  } else if (typeof apiKeyHeader === 'string') {
    const value = apiKeyHeader.trim();
    if (value.length === 0 || value.length > MAX_CREDENTIAL_LENGTH) return { ok: false, reason: 'malformed' };
    credentials.apiKey = value;
  }
  if (upstream !== undefined && upstream !== null) credentials.upstream = upstream;
  const present =
    credentials.bearer !== undefined ||
    credentials.apiKey !== undefined ||
    credentials.upstream !== undefined;
  return { ok: true, credentials, present };
}

/** How many `Authorization` and `X-API-Key` lines a request sent (names at even indices). */
function credentialHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (typeof name !== 'string' || (name.length !== 13 && name.length !== 9)) continue;
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'x-api-key') count++;
  }
  return count;
}

/** The first credential-carrying query parameter of `url` (a path with its query), if any. */
export function findQueryCredential(
  url: string,
  names: readonly string[] = QUERY_CREDENTIAL_PARAMS,
): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const end = url.indexOf('#', q);
  const query = url.slice(q + 1, end < 0 ? undefined : end);
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const raw = (eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' ');
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch {
      name = raw;
    }
    // `token[]`/`token[x]` are the same parameter to most body/query parsers.
    const base = name.trim().toLowerCase().replace(/\[.*$/, '');
    if (names.includes(base)) return base;
  }
  return undefined;
}
