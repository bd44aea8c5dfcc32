// `steward-api-key list | revoke | rotate | migrate`: the PostgreSQL key store from the command line.
import { parseArgs } from 'node:util';
import { Secret, StewardError } from '@steward/common';
import { API_KEY_PEPPER_MIN_LENGTH, mintApiKey } from '../core/authn/api-key.js';
import { isActive } from '../core/authn/in-memory-api-key.store.js';
import type { ApiKeyRecord } from '../core/authn/interfaces/api-key-store.interface.js';
import { apiKeyTableMigration, PostgresApiKeyStore } from '../core/authn/postgres-api-key.store.js';
import type { CliResult } from './mint-api-key.command.js';
import { PEPPER_ENV } from './mint-api-key.command.js';

/** Environment variables naming the database; never a flag (a URL with a password would land in shell history). */
export const DATABASE_ENV = ['STEWARD_API_KEYS_DATABASE_URL', 'DATABASE_URL'] as const;

/** What the store commands need of a key store (`PostgresApiKeyStore` fits). */
export type KeyStoreLike = Pick<
  PostgresApiKeyStore,
  'ensureTable' | 'findByKeyId' | 'add' | 'revoke' | 'list' | 'close'
>;

/** How the commands reach the store; tests hand in their own. */
export interface StoreCommandDeps {
  openStore?: (connectionString: Secret, table: string) => KeyStoreLike;
  now?: Date;
}

export const STORE_USAGE = `Usage: steward-api-key list [--client id] [--json]
       steward-api-key revoke <key id>
       steward-api-key rotate <key id> [--expires-in-days n] [--revoke-old]
       steward-api-key migrate [--print]
Options: --table name (default steward_api_keys).
The database is read from ${DATABASE_ENV.join(' or ')}; rotate reads the pepper from ${PEPPER_ENV}.
A revoked or rotated key is seen by every replica within the store's cacheMs (5 s by default).`;

const ok = (stdout: string): CliResult => ({ code: 0, stdout, stderr: '' });
const usage = (message: string): CliResult => ({
  code: 2,
  stdout: '',
  stderr: `${message}\n${STORE_USAGE}\n`,
});
const failed = (message: string): CliResult => ({ code: 1, stdout: '', stderr: `${message}\n` });

/** Runs `list`, `revoke`, `rotate` or `migrate` on `argv` (after the command name). */
export async function runApiKeyStoreCommand(
  command: 'list' | 'revoke' | 'rotate' | 'migrate',
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  deps: StoreCommandDeps = {},
): Promise<CliResult> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        table: { type: 'string' },
        client: { type: 'string' },
        json: { type: 'boolean' },
        print: { type: 'boolean' },
        'expires-in-days': { type: 'string' },
        'revoke-old': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) return ok(`${STORE_USAGE}\n`);
  const table = typeof values.table === 'string' ? values.table : 'steward_api_keys';
  let migration: string;
  try {
    migration = apiKeyTableMigration(table);
  } catch {
    return usage('--table must be [schema.]name of lowercase letters, digits and _');
  }
  if (command === 'migrate' && values.print) return ok(`${migration}\n`);
  const needsId = command === 'revoke' || command === 'rotate';
  if (needsId && positionals.length !== 1) return usage(`${command} needs exactly one key id`);
  if (!needsId && positionals.length > 0) return usage(`unexpected argument '${positionals[0]}'`);
  const url = DATABASE_ENV.map((name) => env[name]).find(Boolean);
  if (!url) return usage(`${DATABASE_ENV.join(' or ')} is not set`);

  const connectionString = new Secret(url);
  const store =
    deps.openStore?.(connectionString, table) ??
    new PostgresApiKeyStore({ connectionString, table, cacheMs: 0 });
  try {
    switch (command) {
      case 'migrate':
        await store.ensureTable();
        return ok(`table ${table} is ready\n`);
      case 'list':
        return list(
          await store.list(typeof values.client === 'string' ? { clientId: values.client } : {}),
          values.json === true,
          deps.now ?? new Date(),
        );
      case 'revoke': {
        const record = await store.revoke(positionals[0]!, deps.now ?? new Date());
        return ok(
          `revoked ${record.keyId} (client ${record.clientId}) at ${record.revokedAt}; ` +
            'every replica refuses it within its cacheMs (5 s by default)\n',
        );
      }
      default:
        return await rotate(store, positionals[0]!, values, env, deps.now ?? new Date());
    }
  } catch (error) {
    // Steward errors name what is wrong, never a key or the connection string; others by code only.
    if (error instanceof StewardError) return failed(error.message);
    const code = (error as { code?: unknown } | null)?.code;
    return failed(`the key store failed${typeof code === 'string' ? ` (${code})` : ''}`);
  } finally {
    await store.close();
  }
}

function list(records: readonly ApiKeyRecord[], json: boolean, now: Date): CliResult {
  if (json) return ok(`${JSON.stringify(records, null, 2)}\n`);
  const state = (r: ApiKeyRecord) =>
    r.revokedAt !== undefined ? 'revoked' : isActive(r, now.getTime()) ? 'active' : 'expired';
  const rows = [
    ['KEY ID', 'CLIENT', 'ROLES', 'STATE', 'CREATED', 'EXPIRES', 'LABEL'],
    ...records.map((r) => [
      r.keyId,
      r.clientId,
      r.roles.join(','),
      state(r),
      r.createdAt,
      r.expiresAt ?? '-',
      r.label ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return ok(
    rows
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n',
  );
}

/** A successor for the key's client with the same roles, tenant, attributes and label; the old key stays active unless --revoke-old. */
async function rotate(
  store: KeyStoreLike,
  keyId: string,
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  now: Date,
): Promise<CliResult> {
  const rawPepper = env[PEPPER_ENV];
  if (!rawPepper) return usage(`${PEPPER_ENV} is not set`);
  let expiresAt: Date | undefined;
  if (values['expires-in-days'] !== undefined) {
    const days = Number(values['expires-in-days']);
    if (!Number.isFinite(days) || days <= 0) return usage('--expires-in-days must be a positive number');
    expiresAt = new Date(now.getTime() + days * 86_400_000);
  }
  const old = await store.findByKeyId(keyId);
  if (!old) return failed('no API key with this key id is stored');
  if (old.revokedAt !== undefined) return failed(`key ${keyId} is revoked: mint a new key instead`);
  const pepper = new Secret(rawPepper, { minLength: API_KEY_PEPPER_MIN_LENGTH, name: PEPPER_ENV });
  const { key, record } = mintApiKey({
    pepper,
    clientId: old.clientId,
    roles: old.roles,
    now,
    ...(old.tenant !== undefined && { tenant: old.tenant }),
    ...(old.attributes !== undefined && { attributes: { ...old.attributes } }),
    ...(old.label !== undefined && { label: old.label }),
    ...(expiresAt && { expiresAt }),
  });
  // With --revoke-old the old key goes first, so a client at its two-key limit can still rotate.
  if (values['revoke-old']) await store.revoke(keyId, now);
  await store.add(record);
  const after = values['revoke-old']
    ? `Old key ${keyId} is revoked.`
    : `Old key ${keyId} stays active until you revoke it: steward-api-key revoke ${keyId}`;
  return ok(
    `New API key (shown once; give it to the client, do not store it):\n${key}\n\n` +
      `Stored record (holds only the HMAC of the key):\n${JSON.stringify(record, null, 2)}\n\n${after}\n`,
  );
}
