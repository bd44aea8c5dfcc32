import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Roles the demo's keys and tokens carry. */
export const DEMO_ROLES = { admin: 'admin', reader: 'reader', metrics: 'metrics' } as const;

/**
 * A file kept beside this module: found here when run from the sources (Jest, the e2e suites), and in
 * the sources when run from the build (`npm start` runs dist/apps/demo/…, and tsc copies no assets).
 */
export function demoAccessFile(name: string): string {
  const here = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(here)) return here;
  return here.replace(`${sep}dist${sep}apps${sep}`, `${sep}apps${sep}`);
}

/** The demo's Cedar policies (`STEWARD_POLICY_FILE` replaces them). */
export const DEMO_POLICY_FILE = demoAccessFile('demo-access.cedar');

/** The Cedar schema every policy is validated against (`STEWARD_POLICY_SCHEMA_FILE` replaces it). */
export const DEMO_SCHEMA_FILE = demoAccessFile('demo-access.cedarschema');
