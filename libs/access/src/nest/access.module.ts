import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { register } from 'prom-client';
import { ACCESS_OPTIONS } from './access.constants.js';
import { AccessMetrics } from './access.metrics.js';
import {
  ACCESS_ASYNC_OPTIONS_TYPE,
  ACCESS_OPTIONS_TYPE,
  AccessConfigurableModule,
} from './access.module-definition.js';
import { AccessRouteReporter } from './access-route.reporter.js';
import { AccessService } from './access.service.js';
import type { AccessModuleOptions } from './interfaces/access-options.interface.js';
import { PrivilegedActionInterceptor } from './privileged-action.interceptor.js';

/** prom-client's default registry unless the options name another one or turn metrics off. */
function accessMetrics(options: AccessModuleOptions): AccessMetrics {
  if (options.metrics === false) return new AccessMetrics();
  return new AccessMetrics({
    registry: options.metrics?.registry ?? register,
    ...(options.metrics?.evaluationSample !== undefined && {
      evaluationSample: options.metrics.evaluationSample,
    }),
  });
}

/**
 * Authentication, authorization and audit for HTTP routes. `AccessGuard` becomes the app's global guard
 * on import (`globalGuard: false` in `forRoot` / `forRootAsync` leaves that to the app);
 * `@Requires(..., { privileged: true })` attaches the privileged-action interceptor to its route, and
 * the guard refuses a privileged route without it.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: AccessMetrics, useFactory: accessMetrics, inject: [ACCESS_OPTIONS] },
    AccessService,
    AccessGuard,
    AccessRouteReporter,
    PrivilegedActionInterceptor,
  ],
  exports: [AccessService, AccessGuard, AccessMetrics, PrivilegedActionInterceptor],
})
export class AccessModule extends AccessConfigurableModule {
  /** Configures access control with options known now; bad options fail at startup, all listed at once. */
  static override forRoot(options: typeof ACCESS_OPTIONS_TYPE): DynamicModule {
    return super.forRoot(options);
  }

  /** Configures access control from a factory, class or existing provider (e.g. `ConfigService`). */
  static override forRootAsync(options: typeof ACCESS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
