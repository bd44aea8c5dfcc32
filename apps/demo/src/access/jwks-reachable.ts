import { InvalidOptionsError } from '@steward/common';

/** How long the boot check waits for the JWKS endpoint. */
export const JWKS_BOOT_TIMEOUT_MS = 3_000;

/**
 * Fetches the JWKS once at boot, so a wrong or unreachable `STEWARD_JWT_JWKS_URL` stops the demo with one
 * message naming it, instead of a service that starts and then refuses every token. The message carries
 * the error code only: the URL may hold credentials.
 */
export async function assertJwksReachable(url: string, timeoutMs = JWKS_BOOT_TIMEOUT_MS): Promise<void> {
  let problem: string | undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!response.ok) problem = `answered HTTP ${response.status}`;
    else {
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body?.keys)) problem = 'did not answer a JSON Web Key Set ({"keys": [...]})';
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : (error as Error).name;
    problem = `could not be fetched within ${timeoutMs} ms (${code})`;
  }
  if (problem !== undefined) {
    throw new InvalidOptionsError('demo access', [{ path: 'STEWARD_JWT_JWKS_URL', message: problem }]);
  }
}
