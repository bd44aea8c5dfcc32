import { randomBytes } from 'node:crypto';
import { mintApiKey } from '@steward/access';
import { Secret } from '@steward/common';

/** API keys for the demo's roles, and the environment that makes the demo accept them. */
export interface DemoKeys {
  readonly admin: string;
  readonly reader: string;
  readonly metrics: string;
  /** STEWARD_API_KEY_PEPPER and STEWARD_API_KEYS for the demo process. */
  readonly env: Record<string, string>;
  /** The pepper, so a test can check it never shows up in the output. */
  readonly pepper: string;
}

/** Mints one key per demo role with a fresh pepper (the demo stores only their HMACs). */
export function demoKeys(): DemoKeys {
  const pepperText = randomBytes(32).toString('base64url');
  const pepper = new Secret(pepperText);
  const minted = (['admin', 'reader', 'metrics'] as const).map((role) =>
    mintApiKey({ pepper, clientId: `chaos-${role}`, roles: [role] }),
  );
  return {
    admin: minted[0]!.key,
    reader: minted[1]!.key,
    metrics: minted[2]!.key,
    pepper: pepperText,
    env: {
      STEWARD_API_KEY_PEPPER: pepperText,
      STEWARD_API_KEYS: JSON.stringify(minted.map((m) => m.record)),
    },
  };
}

/** The header a client sends its key in. */
export const withKey = (key: string): Record<string, string> => ({ 'x-api-key': key });
