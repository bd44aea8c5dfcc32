import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoNestLogger, LoggerModule, PinoLogger, type Params } from 'nestjs-pino';
import { StewardError } from '@steward/common';
import { enableLifecycleShutdown } from '@steward/lifecycle';
import { AppModule } from './app.module.js';
import { loadDemoConfig, type DemoConfig } from './demo.config.js';

const logger = new Logger('Demo');

/** Nest's log through pino, minus Nest's own report of a Steward error thrown at boot: main reports it once, without a stack. */
class DemoLogger extends PinoNestLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (message instanceof StewardError && rest.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...rest);
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The demo's log: one JSON object per line (level, time, context, request id), or text through
 * pino-pretty with STEWARD_LOG_FORMAT=pretty. No line per request: a request is logged only when it
 * ends in a server error (denials and privileged actions are the audit sink's). Requests are
 * described by method, path and id only: no header, query or body, where credentials travel.
 */
function logParams(env: NodeJS.ProcessEnv): Params {
  return {
    pinoHttp: {
      level: env.STEWARD_LOG_LEVEL ?? 'info',
      formatters: { level: (label: string) => ({ level: label.toUpperCase() }) },
      // The caller's X-Request-Id when well-formed, else a new one; the access guard and audit read the same.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const header = req.headers['x-request-id'];
        const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
        req.headers['x-request-id'] = id;
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
        error || res.statusCode >= 500 ? 'error' : 'silent',
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: (req.url ?? '').split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      ...(env.STEWARD_LOG_FORMAT === 'pretty' && {
        transport: { target: 'pino-pretty', options: { singleLine: true } },
      }),
    },
  };
}

/** The app with the request-scoped logger (its middleware binds the request id to every line). */
function withLogging(app: DynamicModule, params: Params): DynamicModule {
  @Module({})
  class DemoRootModule {}
  return { module: DemoRootModule, imports: [LoggerModule.forRoot(params), app] };
}

async function bootstrap(): Promise<void> {
  const params = logParams(process.env);
  const demoLogger = new DemoLogger(new PinoLogger(params), params);
  Logger.overrideLogger(demoLogger); // a configuration error found before Nest starts is JSON too
  const config = loadDemoConfig();
  // abortOnError false: a bad setting found while Nest builds the modules reaches the catch below
  // (one message) instead of Nest's handler, which prints its stack and exits.
  const app = await NestFactory.create<NestExpressApplication>(
    withLogging(AppModule.forRoot(config), params),
    { bufferLogs: false, abortOnError: false, logger: demoLogger },
  );
  app.disable('x-powered-by');
  // Behind a proxy or load balancer, the client address (throttling, audit) comes from X-Forwarded-For
  // only for the proxies named here: `true`, a hop count, or addresses/subnets, e.g. "loopback, 10.0.0.0/8".
  const trustProxy = process.env.STEWARD_TRUST_PROXY;
  if (trustProxy)
    app.set(
      'trust proxy',
      /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy === 'true' || trustProxy,
    );
  // Instead of app.enableShutdownHooks(): readiness 503 at once, serve for delayMs, drain, stop in reverse, exit 0/1.
  enableLifecycleShutdown(app);
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  logger.log(usage(await app.getUrl(), config));
}

function usage(url: string, config: DemoConfig): string {
  return (
    // A space after the URL: the line may be a JSON string, where it would run into the closing quote.
    `Steward demo listening on ${url} (SIGTERM or Ctrl+C stops it)\n` +
    `  database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded SQLite'}; ` +
    `cache: ${config.redisUrl ? 'Redis (REDIS_URL)' : 'none'}\n` +
    `  GET    ${url}/health/live    liveness (public)\n` +
    `  GET    ${url}/health/ready   readiness: every pool and the shutdown state (public)\n` +
    `  GET    ${url}/metrics        Prometheus metrics (metrics:read)\n` +
    `  GET    ${url}/items          list items (items:read); next page: ?after=<last id>\n` +
    `  POST   ${url}/items          create one (items:write)\n` +
    `  GET    ${url}/items/1        one item;  DELETE ${url}/items/1 deletes it (items:write)\n` +
    `  POST   ${url}/hash           scrypt in a worker process, body {"password": "..."} (hash:compute)\n` +
    `  GET    ${url}/admin/pools    pool stats; POST …/admin/pools/db/drain|resume|resize|reset (admin)\n` +
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
