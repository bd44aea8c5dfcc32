import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the chaos suites find Redis; the demo under test gets the same server. */
export const redisUrl = (): string => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// The same flags .ci/run uses: the restarted server is the one every other suite expects.
const START_ARGS = [
  '--daemonize',
  'yes',
  '--bind',
  '127.0.0.1',
  '-::1',
  '--port',
  '6379',
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  '/var/lib/redis',
  '--logfile',
  '/var/log/redis/ci.log',
];

/** One redis-cli command (a fresh process: nothing stays open in the test). */
export async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-u', redisUrl(), ...args], { timeout: 5_000 });
  return stdout.trim();
}

/** Ids of the connections whose client name is `name`. */
export async function clientIds(name: string): Promise<string[]> {
  const list = await redisCli('CLIENT', 'LIST');
  return list
    .split('\n')
    .filter((line) => line.split(' ').includes(`name=${name}`))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
}

/** `CLIENT KILL` of every connection named `name`; returns how many were killed. */
export async function killClients(name: string): Promise<number> {
  let killed = 0;
  for (const id of await clientIds(name)) {
    killed += Number(await redisCli('CLIENT', 'KILL', 'ID', id)) || 0;
  }
  return killed;
}

/** Whether Redis answers PING. */
export async function redisUp(): Promise<boolean> {
  try {
    return (await redisCli('PING')) === 'PONG';
  } catch {
    return false;
  }
}

/** Stops the server without saving (what a crash or a failover looks like to clients). */
export async function stopRedis(): Promise<void> {
  await redisCli('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  for (let i = 0; i < 50 && (await redisUp()); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Starts the server again if it is down and waits for PING; other suites need it, whatever happened. */
export async function ensureRedis(): Promise<void> {
  if (await redisUp()) return;
  await run('redis-server', START_ARGS, { timeout: 10_000 });
  for (let i = 0; i < 100 && !(await redisUp()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await redisUp())) throw new Error('Redis did not come back');
}
