import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AccessMetrics, accessMetricProviders } from './access.metrics.js';
import { AccessConfigurableModule } from './access.module-definition.js';
import { AccessRouteReporter } from './access-route.reporter.js';
import { AccessService } from './access.service.js';
import { PrivilegedActionInterceptor } from './privileged-action.interceptor.js';

/**
 * Authentication, authorization and audit for HTTP routes. Register the guard in the app:
 * `{ provide: APP_GUARD, useClass: AccessGuard }`; the privileged-action interceptor is global already.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...accessMetricProviders,
    AccessMetrics,
    AccessService,
    AccessGuard,
    AccessRouteReporter,
    { provide: APP_INTERCEPTOR, useClass: PrivilegedActionInterceptor },
  ],
  exports: [AccessService, AccessGuard, AccessMetrics],
})
export class AccessModule extends AccessConfigurableModule {}
