// `steward-api-key mint`: prints the key once (hand it to the client) and the record the service stores.
// Usage: STEWARD_API_KEY_PEPPER=… steward-api-key mint --client ops --roles admin
import { parseArgs } from 'node:util';
import { Secret, StewardError } from '@steward/common';
import { API_KEY_PEPPER_MIN_LENGTH, mintApiKey } from '../core/authn/api-key.js';

/** Environment variable holding the pepper; never a command-line flag (it would land in shell history). */
export const PEPPER_ENV = 'STEWARD_API_KEY_PEPPER';

export const MINT_USAGE = `Usage: steward-api-key mint --client <id> [--roles r1,r2] [--tenant t] [--prefix stw]
                             [--expires-in-days n] [--label text]
The pepper is read from ${PEPPER_ENV} (at least ${API_KEY_PEPPER_MIN_LENGTH} characters).
Prints the key once on stdout, then the JSON record to store (it holds only the HMAC of the key).`;

/** What the CLI printed and its exit code; testable without spawning a process. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI on `argv` (without node and script) and `env`. */
export function runMintApiKey(argv: readonly string[], env: NodeJS.ProcessEnv, now = new Date()): CliResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        client: { type: 'string' },
        roles: { type: 'string' },
        tenant: { type: 'string' },
        prefix: { type: 'string' },
        'expires-in-days': { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return { code: 2, stdout: '', stderr: `${(error as Error).message}\n${MINT_USAGE}\n` };
  }
  if (values.help) return { code: 0, stdout: `${MINT_USAGE}\n`, stderr: '' };
  if (typeof values.client !== 'string')
    return { code: 2, stdout: '', stderr: `--client is required\n${MINT_USAGE}\n` };
  const rawPepper = env[PEPPER_ENV];
  if (!rawPepper) return { code: 2, stdout: '', stderr: `${PEPPER_ENV} is not set\n` };

  let expiresAt: Date | undefined;
  if (values['expires-in-days'] !== undefined) {
    const days = Number(values['expires-in-days']);
    if (!Number.isFinite(days) || days <= 0)
      return { code: 2, stdout: '', stderr: '--expires-in-days must be a positive number\n' };
    expiresAt = new Date(now.getTime() + days * 86_400_000);
  }
  try {
    const pepper = new Secret(rawPepper, { minLength: API_KEY_PEPPER_MIN_LENGTH, name: PEPPER_ENV });
    const { key, record } = mintApiKey({
      pepper,
      clientId: values.client,
      roles:
        typeof values.roles === 'string'
          ? values.roles
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean)
          : [],
      now,
      ...(typeof values.prefix === 'string' && { prefix: values.prefix }),
      ...(typeof values.tenant === 'string' && { tenant: values.tenant }),
      ...(typeof values.label === 'string' && { label: values.label }),
      ...(expiresAt && { expiresAt }),
    });
    return {
      code: 0,
      stdout:
        `API key (shown once; give it to the client, do not store it):\n${key}\n\n` +
        `Record to store (holds only the HMAC of the key):\n${JSON.stringify(record, null, 2)}\n`,
      stderr: '',
    };
  } catch (error) {
    // Steward errors name the setting, never the pepper's value.
    const message = error instanceof StewardError ? error.message : 'could not mint a key';
    return { code: 1, stdout: '', stderr: `${message}\n` };
  }
}
