import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AccessModule } from '@steward/access';
import { InvalidOptionsError, StewardError } from '@steward/common';
import { demoAccessConfig, type DemoAccessConfig } from './demo-access.config.js';
import { assertJwksReachable } from './jwks-reachable.js';

/** The demo's access configuration, read from the environment once. */
export const DEMO_ACCESS_CONFIG = Symbol('demo:access:config');

/** Releases what the configuration opened (the PostgreSQL key store) when the app stops. */
@Injectable()
export class DemoAccessResources implements OnApplicationShutdown {
  constructor(@Inject(DEMO_ACCESS_CONFIG) private readonly config: DemoAccessConfig) {}

  async onApplicationShutdown(): Promise<void> {
    await this.config.close?.();
  }
}

/**
 * Creates the key table and stores the configured keys. A database that refuses or never answers
 * (bounded by the store's 5 s connect timeout) stops the boot with one line naming DATABASE_URL and
 * the error code: never the URL, which may hold a password, nor a stack.
 */
async function prepareKeyStore(config: DemoAccessConfig): Promise<void> {
  try {
    await config.prepare?.();
  } catch (error) {
    if (error instanceof StewardError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    throw new InvalidOptionsError('demo access', [
      {
        path: 'DATABASE_URL',
        message: `the API key store could not be prepared (${typeof code === 'string' ? code : 'no answer'})`,
      },
    ]);
  }
}

@Module({
  providers: [
    {
      provide: DEMO_ACCESS_CONFIG,
      useFactory: async (): Promise<DemoAccessConfig> => {
        const config = demoAccessConfig(process.env);
        try {
          const jwksUrl = process.env.STEWARD_JWT_JWKS_URL;
          if (jwksUrl) await assertJwksReachable(jwksUrl);
          await prepareKeyStore(config);
        } catch (error) {
          await config.close?.();
          throw error;
        }
        if (config.devKeysFile) {
          new Logger('DemoAccess').warn(
            `Development API keys (admin, reader, metrics) written to ${config.devKeysFile} (mode 600); ` +
              'set STEWARD_API_KEY_PEPPER and STEWARD_API_KEYS_FILE for real keys.',
          );
        }
        return config;
      },
    },
    DemoAccessResources,
  ],
  exports: [DEMO_ACCESS_CONFIG],
})
class DemoAccessConfigModule {}

/**
 * The demo's access control in one import: `AccessModule` configured from the environment (see
 * `demoAccessConfig`); it makes `AccessGuard` the global guard, so every route is denied unless it is
 * `@Public()` or allowed by a policy through `@Requires(...)`, and answers every error as problem+json.
 */
@Module({
  imports: [
    AccessModule.forRootAsync({
      imports: [DemoAccessConfigModule],
      inject: [DEMO_ACCESS_CONFIG],
      useFactory: (config: DemoAccessConfig) => config.options,
    }),
  ],
})
export class DemoAccessModule {}
