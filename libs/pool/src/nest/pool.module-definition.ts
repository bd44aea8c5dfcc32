import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PoolModuleExtras, PoolModuleOptions } from './interfaces/pool-module-options.interface.js';
import { DEFAULT_POOL_NAME } from './pool.constants.js';

/** The builder behind `PoolModule.forRoot / forRootAsync`; `name` and `isGlobal` are static extras. */
export const {
  ConfigurableModuleClass: PoolConfigurableModule,
  MODULE_OPTIONS_TOKEN: POOL_MODULE_OPTIONS,
  OPTIONS_TYPE: POOL_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: POOL_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PoolModuleOptions>({ moduleName: 'StewardPool' })
  .setClassMethodName('forRoot')
  .setExtras<PoolModuleExtras>({ name: DEFAULT_POOL_NAME, isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
