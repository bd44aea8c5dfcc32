export type * from './interfaces/lifecycle-module-options.interface.js';
export { LifecycleModule } from './lifecycle.module.js';
export type { LifecycleModuleExtras } from './lifecycle.module-definition.js';
export { LIFECYCLE_MODULE_OPTIONS } from './lifecycle.module-definition.js';
export { LIFECYCLE_METRICS } from './lifecycle.constants.js';
export { resolveLifecycleOptions } from './lifecycle.options.js';
export { ShutdownState } from './shutdown.state.js';
export { LifecycleService } from './lifecycle.service.js';
export { LifecycleHealthIndicator } from './lifecycle-health.indicator.js';
export { LifecycleMetrics } from './lifecycle.metrics.js';
export { ManagedUnit, type ManagedUnitOptions, type ManagedUnitHooks } from './managed-unit.decorator.js';
export {
  enableLifecycleShutdown,
  type LifecycleShutdownHandlerOptions,
  type LifecycleShutdownHandle,
} from './lifecycle.shutdown.js';
