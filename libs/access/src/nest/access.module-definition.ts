import { ConfigurableModuleBuilder } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ACCESS_GLOBAL_GUARD, ACCESS_OPTIONS } from './access.constants.js';
import { AccessGuard } from './access.guard.js';
import type { AccessModuleOptions } from './interfaces/access-options.interface.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';

/**
 * `AccessModule.forRoot / forRootAsync`. Global by default, and registers `AccessGuard` as the app's
 * global guard (`APP_GUARD`) by default: importing the module protects every route, forgetting a line
 * cannot leave them open. `globalGuard: false` is for apps that order their guards themselves.
 * It also answers every `HttpException` as problem+json (`ProblemDetailsFilter`) unless
 * `problemDetails: false`.
 */
export const {
  ConfigurableModuleClass: AccessConfigurableModule,
  OPTIONS_TYPE: ACCESS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ACCESS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AccessModuleOptions>({ optionsInjectionToken: ACCESS_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true, globalGuard: true, problemDetails: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: [
      ...(definition.providers ?? []),
      { provide: ACCESS_GLOBAL_GUARD, useValue: extras.globalGuard !== false },
      ...(extras.globalGuard !== false ? [{ provide: APP_GUARD, useExisting: AccessGuard }] : []),
      ...(extras.problemDetails !== false ? [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }] : []),
    ],
  }))
  .build();
