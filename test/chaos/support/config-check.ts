import { runDemoToExit } from './demo-process.js';
import { STACK_TRACE } from './http.js';

/** Every setting the demo reads: a refusal may name the bad ones only. */
export const SETTINGS = [
  'DATABASE_URL',
  'PG_APPLICATION_NAME',
  'REDIS_URL',
  'REDIS_CONNECTION_NAME',
  'ITEMS_TABLE',
  'HASH_WORKERS',
  'DB_POOL_MAX',
  'DB_ACQUIRE_TIMEOUT_MS',
  'DB_LEAK_DETECTION_MS',
  'POOL_MAINTENANCE_MS',
  'STEWARD_SHUTDOWN_DELAY_MS',
  'STEWARD_DRAIN_TIMEOUT_MS',
  'STEWARD_STOP_TIMEOUT_MS',
  'STEWARD_SHUTDOWN_DEADLINE_MS',
  'STEWARD_API_KEY_PEPPER',
  'STEWARD_API_KEYS',
  'STEWARD_API_KEYS_FILE',
  'STEWARD_JWT_ISSUER',
  'STEWARD_JWT_AUDIENCE',
  'STEWARD_JWT_JWKS_URL',
  'STEWARD_JWT_SECRET',
  'STEWARD_POLICY_FILE',
  'STEWARD_POLICY_SCHEMA_FILE',
  'STEWARD_AUDIT_FILE',
];

/** One bad configuration and what the refusal must say. */
export interface ConfigCase {
  what: string;
  /** The whole environment of the run (on top of the test process's own, minus the demo's settings). */
  env: Record<string, string>;
  /** The settings the message must name (and the only ones it may name). */
  names: string[];
  /** Values that must not appear anywhere in the output. */
  secrets: string[];
  /** Text the message must contain (whitespace runs read as one space). */
  says?: string[];
}

/**
 * Runs the demo with `c.env` and asserts the refusal: exit non-zero before listening, exactly one ERROR
 * message, naming `c.names` and no other setting, with no stack trace and no secret in the output.
 */
export async function expectRefused(c: ConfigCase): Promise<void> {
  // Settings of the machine running the suite must not leak into the case.
  const cleared = Object.fromEntries(SETTINGS.map((s) => [s, undefined]));
  const run = await runDemoToExit({ ...cleared, ...c.env });
  const errorAt = run.output.search(/\bERROR\b/);
  const message = errorAt >= 0 ? run.output.slice(errorAt) : '';
  console.log(
    `bad-config ${c.what}: exit ${run.code}${run.listened ? ' (it started!)' : ''}; ` +
      message.replace(/\s+/g, ' ').slice(0, 160),
  );

  expect(run.listened).toBe(false);
  expect(run.signal).toBeNull();
  expect(run.code).not.toBe(0);
  // One error message …
  expect(run.output.match(/\bERROR\b/g)).toHaveLength(1);
  // … naming the bad setting(s) and no other …
  const named = SETTINGS.filter((s) => new RegExp(`\\b${s}\\b`).test(message));
  expect(named.sort()).toEqual([...c.names].sort());
  for (const text of c.says ?? []) expect(message.replace(/\s+/g, ' ')).toContain(text);
  // … with no stack trace and no secret anywhere in the output.
  expect(run.output).not.toMatch(STACK_TRACE);
  for (const secret of c.secrets) expect(run.output).not.toContain(secret);
}
