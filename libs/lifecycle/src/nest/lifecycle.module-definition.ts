import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LifecycleModuleOptions } from './interfaces/lifecycle-module-options.interface.js';

/** Extras decided at import time (they choose providers, so they cannot come from an async factory). */
export interface LifecycleModuleExtras {
  /** Push Prometheus metrics (needs the app's `PrometheusModule.register()`; default false). */
  metrics?: boolean;
  /** Make `LifecycleManager`, `ShutdownState` and the health indicator global (default true). */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableLifecycleModule,
  MODULE_OPTIONS_TOKEN: LIFECYCLE_MODULE_OPTIONS,
  OPTIONS_TYPE: LIFECYCLE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LIFECYCLE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LifecycleModuleOptions>({ moduleName: 'Lifecycle' })
  .setClassMethodName('forRoot')
  .setExtras<LifecycleModuleExtras>({ metrics: false, isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
