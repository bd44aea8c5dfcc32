import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import {
  ApiKeyAuthenticator,
  AuditCheckpointSigner,
  FileCheckpointAnchor,
  PostgresCheckpointAnchor,
  type AuditCheckpointOptions,
  AuditTrail,
  FileAuditSink,
  InMemoryApiKeyStore,
  PostgresApiKeyStore,
  LoggerAuditSink,
  mintApiKey,
  CedarPolicyEngine,
  type AccessModuleOptions,
  type ApiKeyRecord,
  type ApiKeyStore,
  type Authenticator,
  type AuditSink,
} from '@steward/access';
import { JwtAuthenticator } from '@steward/access/jwt';
import { InvalidOptionsError, Secret, type OptionIssue } from '@steward/common';
import { DEMO_POLICY_FILE, DEMO_ROLES, DEMO_SCHEMA_FILE } from './demo-access.policies.js';

/** Environment variables the demo's access setup reads. */
export const DEMO_ACCESS_ENV = {
  pepper: 'STEWARD_API_KEY_PEPPER',
  keys: 'STEWARD_API_KEYS',
  keysFile: 'STEWARD_API_KEYS_FILE',
  devKeysFile: 'STEWARD_DEV_KEYS_FILE',
  jwtIssuer: 'STEWARD_JWT_ISSUER',
  jwtAudience: 'STEWARD_JWT_AUDIENCE',
  jwtJwksUrl: 'STEWARD_JWT_JWKS_URL',
  jwtSecret: 'STEWARD_JWT_SECRET',
  auditFile: 'STEWARD_AUDIT_FILE',
  policyFile: 'STEWARD_POLICY_FILE',
  policySchemaFile: 'STEWARD_POLICY_SCHEMA_FILE',
  auditSigningKey: 'STEWARD_AUDIT_SIGNING_KEY',
  auditSigningKeyId: 'STEWARD_AUDIT_SIGNING_KEY_ID',
  databaseUrl: 'DATABASE_URL',
  keysTable: 'STEWARD_API_KEYS_TABLE',
} as const;

/** The options plus, in development mode, where the generated keys were written. */
export interface DemoAccessConfig {
  readonly options: AccessModuleOptions;
  readonly devKeysFile?: string;
  /** With DATABASE_URL: creates the key table and stores the configured (or development) keys in it. */
  readonly prepare?: () => Promise<void>;
  /** Releases what the configuration opened (the key store's connections). */
  readonly close?: () => Promise<void>;
}

/**
 * Where the keys live: with DATABASE_URL the PostgreSQL key store (revocations reach every replica
 * within its 5 s cache), seeded with the configured records; otherwise memory.
 */
interface KeyPlacement {
  store: ApiKeyStore;
  prepare?: () => Promise<void>;
  close?: () => Promise<void>;
}

function placeKeys(
  env: NodeJS.ProcessEnv,
  records: readonly ApiKeyRecord[],
  development: boolean,
): KeyPlacement {
  const url = env[DEMO_ACCESS_ENV.databaseUrl];
  if (!url) return { store: new InMemoryApiKeyStore(records) };
  const store = new PostgresApiKeyStore({
    connectionString: new Secret(url),
    table: env[DEMO_ACCESS_ENV.keysTable] ?? 'steward_api_keys',
    // A key lookup waits for the database no longer than a pool acquire does (DB_ACQUIRE_TIMEOUT_MS,
    // validated with the demo's settings), so an outage answers 503 as fast with a key as without.
    connectTimeoutMs: Math.min(Number(env.DB_ACQUIRE_TIMEOUT_MS) || 5_000, 60_000),
  });
  return {
    store,
    close: () => store.close(),
    prepare: async () => {
      await store.ensureTable();
      for (const record of records) {
        if (development) {
          // Keys of earlier development runs (another pepper) go first: revoked, not deleted.
          for (const old of await store.list({ clientId: record.clientId })) {
            if (old.label === 'development' && old.revokedAt === undefined) await store.revoke(old.keyId);
          }
        }
        // The configured records are the operator's: stored as given, beside keys minted with the CLI.
        await store.add(record, { ignoreLimit: true });
      }
    },
  };
}

/**
 * Builds the demo's `AccessModule` options from the environment.
 * - `STEWARD_API_KEY_PEPPER` + `STEWARD_API_KEYS` (JSON array of records from `steward-api-key mint`) or
 *   `STEWARD_API_KEYS_FILE`: production keys, stored as HMACs only.
 * - Neither: development mode. A random pepper and one key per demo role are generated and written to a
 *   0600 file (never to a log line). Refused when `NODE_ENV=production`.
 * - `STEWARD_JWT_ISSUER` + `STEWARD_JWT_AUDIENCE` + `STEWARD_JWT_JWKS_URL` (or `STEWARD_JWT_SECRET`):
 *   JWTs as well, roles from the `roles` claim.
 */
export function demoAccessConfig(env: NodeJS.ProcessEnv = process.env): DemoAccessConfig {
  const issues: OptionIssue[] = [];
  const authenticators: Authenticator[] = [];
  let devKeysFile: string | undefined;

  let placement: KeyPlacement | undefined;
  const before = issues.length;
  const keys = loadKeys(env, issues);
  // Keys that are there but unreadable were reported by loadKeys: not also "missing".
  const keysReported = issues.length > before;
  if (env[DEMO_ACCESS_ENV.pepper]) {
    try {
      const pepper = new Secret(env[DEMO_ACCESS_ENV.pepper]!, {
        minLength: 32,
        name: DEMO_ACCESS_ENV.pepper,
      });
      if (keys) {
        placement = placeKeys(env, keys, false);
        authenticators.push(new ApiKeyAuthenticator({ pepper, store: placement.store }));
      } else if (!keysReported)
        issues.push({
          path: DEMO_ACCESS_ENV.keys,
          message: `or ${DEMO_ACCESS_ENV.keysFile} is required with a pepper`,
        });
    } catch (error) {
      issues.push({ path: DEMO_ACCESS_ENV.pepper, message: (error as Error).message });
    }
  } else if (keys) {
    issues.push({ path: DEMO_ACCESS_ENV.pepper, message: 'is required to check the configured keys' });
  } else if (env.NODE_ENV === 'production') {
    issues.push({
      path: DEMO_ACCESS_ENV.pepper,
      message: 'is required in production (development keys are refused)',
    });
  } else if (!keysReported) {
    const dev = developmentKeys(
      env[DEMO_ACCESS_ENV.devKeysFile] ?? join(tmpdir(), 'steward-demo-dev-keys.json'),
    );
    placement = placeKeys(env, dev.records, true);
    authenticators.push(new ApiKeyAuthenticator({ pepper: dev.pepper, store: placement.store }));
    devKeysFile = dev.file;
  }

  const policy = loadPolicies(env, issues);
  const jwt = jwtAuthenticator(env, issues);
  if (jwt) authenticators.push(jwt);
  if (issues.length > 0) {
    void placement?.close?.();
    throw new InvalidOptionsError('demo access', issues);
  }

  const sinks: AuditSink[] = [new LoggerAuditSink(new Logger('Audit'))];
  const auditFile = env[DEMO_ACCESS_ENV.auditFile];
  if (auditFile) sinks.push(new FileAuditSink({ path: auditFile, name: 'file' }));
  const checkpoints = auditFile ? auditCheckpoints(env, auditFile, issues) : undefined;
  if (issues.length > 0) {
    void placement?.close?.();
    throw new InvalidOptionsError('demo access', issues);
  }

  return {
    options: {
      authenticators,
      policy: policy!,
      audit: new AuditTrail({ sinks, ...(checkpoints && { checkpoints }) }),
    },
    ...(devKeysFile !== undefined && { devKeysFile }),
    ...(placement?.prepare && { prepare: placement.prepare }),
    ...(placement?.close && { close: placement.close }),
  };
}

/**
 * Signed checkpoints for the audit file when STEWARD_AUDIT_SIGNING_KEY holds an HMAC secret (key id
 * STEWARD_AUDIT_SIGNING_KEY_ID, default 'demo-1'), mirrored to PostgreSQL with DATABASE_URL, else to
 * `<file>.checkpoints` (put it on another volume in earnest).
 */
function auditCheckpoints(
  env: NodeJS.ProcessEnv,
  file: string,
  issues: OptionIssue[],
): AuditCheckpointOptions | undefined {
  const key = env[DEMO_ACCESS_ENV.auditSigningKey];
  if (!key) return undefined;
  try {
    const signer = new AuditCheckpointSigner(
      env[DEMO_ACCESS_ENV.auditSigningKeyId] ?? 'demo-1',
      new Secret(key, { minLength: 32, name: DEMO_ACCESS_ENV.auditSigningKey }),
    );
    const url = env[DEMO_ACCESS_ENV.databaseUrl];
    const anchor = url
      ? new PostgresCheckpointAnchor({ connectionString: new Secret(url) })
      : new FileCheckpointAnchor(`${file}.checkpoints`);
    return { signer, anchor };
  } catch (error) {
    issues.push({ path: DEMO_ACCESS_ENV.auditSigningKey, message: (error as Error).message });
    return undefined;
  }
}

function loadKeys(env: NodeJS.ProcessEnv, issues: OptionIssue[]): ApiKeyRecord[] | undefined {
  let text = env[DEMO_ACCESS_ENV.keys];
  let source: string = DEMO_ACCESS_ENV.keys;
  if (!text && env[DEMO_ACCESS_ENV.keysFile]) {
    source = DEMO_ACCESS_ENV.keysFile;
    try {
      text = readFileSync(env[DEMO_ACCESS_ENV.keysFile]!, 'utf8');
    } catch (error) {
      issues.push({
        path: source,
        message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      return undefined;
    }
  }
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    issues.push({ path: source, message: 'must be a JSON array of API key records' });
    return undefined;
  }
  const records = Array.isArray(parsed) ? parsed : [parsed];
  const valid = records.every(
    (r: Partial<ApiKeyRecord> | null) =>
      typeof r?.keyId === 'string' &&
      typeof r.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(r.hash) &&
      typeof r.clientId === 'string' &&
      Array.isArray(r.roles),
  );
  if (!valid) {
    issues.push({ path: source, message: 'each record needs keyId, hash (hex sha256), clientId and roles' });
    return undefined;
  }
  return records as ApiKeyRecord[];
}

/**
 * The demo's Cedar policies and schema, or those of `STEWARD_POLICY_FILE` (`.cedar`, or Cedar's JSON
 * form in `.cedar.json`) and `STEWARD_POLICY_SCHEMA_FILE` (`.cedarschema` or `.cedarschema.json`),
 * parsed and validated here so that a bad policy is one boot message naming file, line, column and
 * policy id.
 */
function loadPolicies(env: NodeJS.ProcessEnv, issues: OptionIssue[]): CedarPolicyEngine | undefined {
  const files = [
    {
      path: DEMO_ACCESS_ENV.policyFile,
      file: env[DEMO_ACCESS_ENV.policyFile] || DEMO_POLICY_FILE,
      kind: /\.cedar(\.json)?$/,
    },
    {
      path: DEMO_ACCESS_ENV.policySchemaFile,
      file: env[DEMO_ACCESS_ENV.policySchemaFile] || DEMO_SCHEMA_FILE,
      kind: /\.cedarschema(\.json)?$/,
    },
  ];
  const texts: string[] = [];
  for (const { path, file, kind } of files) {
    if (!kind.test(file)) {
      issues.push({
        path,
        message: `must name a ${kind === files[0]!.kind ? '.cedar or .cedar.json' : '.cedarschema or .cedarschema.json'} file`,
      });
      return undefined;
    }
    try {
      texts.push(readFileSync(file, 'utf8'));
    } catch (error) {
      issues.push({ path, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      return undefined;
    }
  }
  const [policyFile, schemaFile] = [files[0]!.file, files[1]!.file];
  try {
    return new CedarPolicyEngine({
      policies: policyFile.endsWith('.json') ? (JSON.parse(texts[0]!) as object) : texts[0]!,
      schema: schemaFile.endsWith('.json') ? (JSON.parse(texts[1]!) as object) : texts[1]!,
      policiesFile: policyFile,
      schemaFile,
    });
  } catch (error) {
    issues.push({ path: DEMO_ACCESS_ENV.policyFile, message: (error as Error).message.replace(/\s+/g, ' ') });
    return undefined;
  }
}

function developmentKeys(file: string): { pepper: Secret; records: ApiKeyRecord[]; file: string } {
  const pepper = new Secret(randomBytes(32).toString('base64url'));
  const records: ApiKeyRecord[] = [];
  const keys: Record<string, string> = {};
  for (const role of Object.values(DEMO_ROLES)) {
    const { key, record } = mintApiKey({
      pepper,
      clientId: `dev-${role}`,
      roles: [role],
      label: 'development',
    });
    records.push(record);
    keys[role] = key;
  }
  // Written with mode 0600 and renamed into place: the keys never pass through a log line. The temp
  // name is unguessable and opened exclusively ('wx'), so a link planted in a shared /tmp is never followed.
  const temp = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
  return { pepper, records, file };
}

const JWT_OPTION_ENV: Record<string, string> = {
  issuer: DEMO_ACCESS_ENV.jwtIssuer,
  audience: DEMO_ACCESS_ENV.jwtAudience,
  jwksUrl: DEMO_ACCESS_ENV.jwtJwksUrl,
  key: DEMO_ACCESS_ENV.jwtSecret,
};

function jwtAuthenticator(env: NodeJS.ProcessEnv, issues: OptionIssue[]): Authenticator | undefined {
  const issuer = env[DEMO_ACCESS_ENV.jwtIssuer];
  const audience = env[DEMO_ACCESS_ENV.jwtAudience];
  const jwksUrl = env[DEMO_ACCESS_ENV.jwtJwksUrl];
  const secret = env[DEMO_ACCESS_ENV.jwtSecret];
  if (!issuer && !audience && !jwksUrl && !secret) return undefined;
  try {
    return new JwtAuthenticator({
      issuer: issuer ?? '',
      audience: audience ?? '',
      ...(jwksUrl
        ? { jwksUrl, algorithms: ['RS256', 'ES256', 'EdDSA'] }
        : { key: new Secret(secret ?? '', { name: DEMO_ACCESS_ENV.jwtSecret }), algorithms: ['HS256'] }),
    });
  } catch (error) {
    // Named by the variable the operator sets, not by the option inside.
    if (error instanceof InvalidOptionsError)
      issues.push(...error.issues.map((i) => ({ ...i, path: JWT_OPTION_ENV[i.path] ?? `jwt.${i.path}` })));
    else issues.push({ path: 'jwt', message: (error as Error).message });
    return undefined;
  }
}
