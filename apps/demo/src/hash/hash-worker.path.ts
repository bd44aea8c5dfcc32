import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The worker script: the compiled `.js` in `dist`, the `.ts` source when running from sources (tests). */
export function hashWorkerPath(): string {
  const compiled = fileURLToPath(new URL('./hash.worker.js', import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL('./hash.worker.ts', import.meta.url));
}
