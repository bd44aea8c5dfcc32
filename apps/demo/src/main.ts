import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { bufferLogs: false });
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  const url = await app.getUrl();
  new Logger('Demo').log(
    `Steward demo listening on ${url}\n` +
      `  GET ${url}/health/live    liveness\n` +
      `  GET ${url}/health/ready   readiness\n` +
      `  GET ${url}/metrics        Prometheus metrics`,
  );
}

void bootstrap();
