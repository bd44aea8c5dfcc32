import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AccessMetrics, accessMetricProviders } from './access.metrics.js';
import { AccessConfigurableModule } from './access.module-definition.js';
import { AccessRouteReporter } from './access-route.reporter.js';
import { AccessService } from './access.service.js';
import { PrivilegedActionInterceptor } from './privileged-action.interceptor.js';

/**
 * Authentication, authorization and audit for HTTP routes. Register the guard in the app:
 * `{ provide: APP_GUARD, useClass: AccessGuard }`; `@Requires(..., { privileged: true })` attaches the
 * privileged-action interceptor to its route, and the guard refuses a privileged route without it.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...accessMetricProviders,
    AccessMetrics,
    AccessService,
    AccessGuard,
    AccessRouteReporter,
    PrivilegedActionInterceptor,
  ],
  exports: [AccessService, AccessGuard, AccessMetrics, PrivilegedActionInterceptor],
})
export class AccessModule extends AccessConfigurableModule {}
