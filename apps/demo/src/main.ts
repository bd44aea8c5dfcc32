import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { loadDemoConfig } from './demo.config.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { bufferLogs: false });
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  const url = await app.getUrl();
  const config = loadDemoConfig();
  new Logger('Demo').log(
    `Steward demo listening on ${url}\n` +
      `  database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded SQLite'}; ` +
      `cache: ${config.redisUrl ? 'Redis (REDIS_URL)' : 'none'}\n` +
      `  GET    ${url}/health/live    liveness\n` +
      `  GET    ${url}/health/ready   readiness (every pool)\n` +
      `  GET    ${url}/metrics        Prometheus metrics (steward_pool_*)\n` +
      `  GET    ${url}/items          list items\n` +
      `  POST   ${url}/items          curl -X POST -H 'content-type: application/json' -d '{"name":"first"}' ${url}/items\n` +
      `  GET    ${url}/items/1        one item\n` +
      `  DELETE ${url}/items/1        delete it`,
  );
}

void bootstrap();
