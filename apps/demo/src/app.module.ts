import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LifecycleModule } from '@steward/lifecycle';
import { PoolAdminController } from '@steward/pool/admin';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { DemoAccessModule, demoMetricsController } from './access/index.js';
import type { DemoConfig } from './demo.config.js';
import { DEMO_CONFIG } from './demo.constants.js';
import { DemoExceptionFilter } from './demo-exception.filter.js';
import { DemoAdminController } from './admin/demo-admin.controller.js';
import { DemoModule } from './demo.module.js';

/**
 * The whole demo service: the items API and pools (DemoModule), access control over every route but
 * the probes (DemoAccessModule), the Kubernetes-shaped shutdown (LifecycleModule) and `/metrics`.
 */
@Module({})
export class AppModule {
  static forRoot(config: DemoConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PrometheusModule.register({ defaultMetrics: { enabled: true }, controller: demoMetricsController() }),
        LifecycleModule.forRoot({ shutdown: config.shutdown, metrics: true }),
        DemoAccessModule,
        DemoModule.forRoot(config),
      ],
      controllers: [PoolAdminController, DemoAdminController],
      // A database that is down or a connection killed mid-request is a 503 problem, not a 500; a body
      // that is not JSON is a 400 that does not quote it back.
      providers: [
        { provide: APP_FILTER, useClass: DemoExceptionFilter },
        { provide: DEMO_CONFIG, useValue: config },
      ],
    };
  }
}
