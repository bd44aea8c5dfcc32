import { ConfigurableModuleBuilder } from '@nestjs/common';
import { ACCESS_OPTIONS } from './access.constants.js';
import type { AccessModuleOptions } from './interfaces/access-options.interface.js';

/** `AccessModule.forRoot / forRootAsync`; global by default so the app's `APP_GUARD` can resolve it. */
export const {
  ConfigurableModuleClass: AccessConfigurableModule,
  OPTIONS_TYPE: ACCESS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ACCESS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AccessModuleOptions>({ optionsInjectionToken: ACCESS_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
