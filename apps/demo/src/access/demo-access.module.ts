import { Logger, Module } from '@nestjs/common';
import { AccessModule } from '@steward/access';
import { demoAccessConfig } from './demo-access.config.js';
import { assertJwksReachable } from './jwks-reachable.js';

/**
 * The demo's access control in one import: `AccessModule` configured from the environment (see
 * `demoAccessConfig`); it makes `AccessGuard` the global guard, so every route is denied unless it is
 * `@Public()` or allowed by a policy through `@Requires(...)`.
 */
@Module({
  imports: [
    AccessModule.forRootAsync({
      useFactory: async () => {
        const { options, devKeysFile } = demoAccessConfig(process.env);
        const jwksUrl = process.env.STEWARD_JWT_JWKS_URL;
        if (jwksUrl) await assertJwksReachable(jwksUrl);
        if (devKeysFile) {
          new Logger('DemoAccess').warn(
            `Development API keys (admin, reader, metrics) written to ${devKeysFile} (mode 600); ` +
              'set STEWARD_API_KEY_PEPPER and STEWARD_API_KEYS_FILE for real keys.',
          );
        }
        return options;
      },
    }),
  ],
})
export class DemoAccessModule {}
