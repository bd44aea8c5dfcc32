import { readdirSync, readFileSync } from 'node:fs';

/**
 * Marks every process a test file spawns (an environment variable its descendants inherit), so the
 * cleanup finds and SIGKILLs them, with their process groups, whatever the code under test did.
 * Testing only: not in the published package.
 */
export function spawnMark(prefix: string): { env: Record<string, string>; killMarked(): void } {
  const mark = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const marker = Buffer.from(`STEWARD_TEST_SPAWN=${mark}\0`);
  return {
    env: { STEWARD_TEST_SPAWN: mark },
    killMarked() {
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          if (readFileSync(`/proc/${entry}/environ`).indexOf(marker) < 0) continue;
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          process.kill(-Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]), 'SIGKILL');
        } catch {
          // gone meanwhile, or not ours
        }
        try {
          process.kill(Number(entry), 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    },
  };
}
