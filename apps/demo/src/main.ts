import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StewardError } from '@steward/common';
import { enableLifecycleShutdown } from '@steward/lifecycle';
import { AppModule } from './app.module.js';
import { loadDemoConfig, type DemoConfig } from './demo.config.js';

const logger = new Logger('Demo');

/** Nest's console logger, minus Nest's own report of a Steward error thrown at boot: main reports it once, without a stack. */
class DemoLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (message instanceof StewardError && rest.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...rest);
  }
}

async function bootstrap(): Promise<void> {
  const config = loadDemoConfig();
  // abortOnError false: a bad setting found while Nest builds the modules reaches the catch below
  // (one message) instead of Nest's handler, which prints its stack and exits.
  const app = await NestFactory.create(AppModule.forRoot(config), {
    bufferLogs: false,
    abortOnError: false,
    logger: new DemoLogger(),
  });
  // Instead of app.enableShutdownHooks(): readiness 503 at once, serve for delayMs, drain, stop in reverse, exit 0/1.
  enableLifecycleShutdown(app);
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  logger.log(usage(await app.getUrl(), config));
}

function usage(url: string, config: DemoConfig): string {
  return (
    `Steward demo listening on ${url}\n` +
    `  database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded SQLite'}; ` +
    `cache: ${config.redisUrl ? 'Redis (REDIS_URL)' : 'none'}\n` +
    `  GET    ${url}/health/live    liveness (public)\n` +
    `  GET    ${url}/health/ready   readiness: every pool and the shutdown state (public)\n` +
    `  GET    ${url}/metrics        Prometheus metrics (metrics:read)\n` +
    `  GET    ${url}/items          list items (items:read)\n` +
    `  POST   ${url}/items          create one (items:write)\n` +
    `  GET    ${url}/items/1        one item;  DELETE ${url}/items/1 deletes it (items:write)\n` +
    `  POST   ${url}/hash           scrypt in a worker process, body {"password": "..."} (hash:compute)\n` +
    `  GET    ${url}/admin/pools    pool stats; POST …/admin/pools/db/drain|resize|reset (admin)\n` +
    `  GET    ${url}/admin/audit    the audit trail, with STEWARD_AUDIT_FILE (admin)\n` +
    `  Call with -H "X-API-Key: <key>"; see apps/demo/src/access/README.md for keys.`
  );
}

bootstrap().catch((error: unknown) => {
  // One message naming what is wrong; no stack for configuration errors, which are the user's to fix.
  if (error instanceof StewardError) logger.error(error.message + causeCode(error));
  else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});

/** ` (ECONNREFUSED)`, ` (3D000)`: what the operator needs to act, from the cause chain; codes only, never its message. */
function causeCode(error: Error): string {
  const codes: string[] = [];
  let cause = error.cause;
  // Bounded: a cause chain may be long or even cyclic.
  for (let depth = 0; depth < 4 && cause instanceof Object; depth++, cause = (cause as Error).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) codes.push(code);
  }
  return codes.length > 0 ? ` (${codes.join(': ')})` : '';
}
