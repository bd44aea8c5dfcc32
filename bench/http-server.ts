// The server side of bench/http.bench.ts, run as its own process so the load generator does not share
// its event loop. It serves the same GET route and policy several ways and prints the ports and a
// reader key as JSON.
import 'reflect-metadata';
import {
  Controller,
  ForbiddenException,
  Get,
  Injectable,
  Module,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { DatabaseSync } from 'node:sqlite';
import {
  AccessModule,
  apiKeys,
  InMemoryApiKeyStore,
  mintApiKey,
  Public,
  Requires,
  type Principal,
} from '@steward/access';
import { Secret } from '@steward/common';
import { Pool } from '@steward/pool';
import { sqliteFactory } from '@steward/pool/sqlite';

const PAYLOAD = { id: 1, name: 'item', tags: ['a', 'b'] };
const SCHEMA = [
  'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)',
  "INSERT INTO items VALUES (1, 'item')",
];
const QUERY = 'SELECT id, name FROM items WHERE id = ?';

/** A guard that allows everything: what Nest itself charges for running any guard on a route. */
class AllowAllGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

// The same query on one connection without a pool: the row above it shows what the pool adds.
const direct = new DatabaseSync(':memory:');
for (const statement of SCHEMA) direct.exec(statement);
const directQuery = direct.prepare(QUERY);

@Controller()
class BareController {
  @Get('item')
  item() {
    return PAYLOAD;
  }

  @Get('item-allow-all')
  @UseGuards(AllowAllGuard)
  itemBehindTrivialGuard() {
    return PAYLOAD;
  }

  @Get('item-db-direct')
  itemFromDbDirect() {
    return directQuery.get(1);
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const pool = new Pool<DatabaseSync>(sqliteFactory({ path: ':memory:', init: SCHEMA }), {
  name: 'bench',
  min: 1,
  max: 4,
});

@Controller()
class GuardedController {
  @Get('item')
  @Requires('items:read', { resource: () => ({ type: 'item' }) })
  item() {
    return PAYLOAD;
  }

  @Get('item-db')
  @Requires('items:read', { resource: () => ({ type: 'item' }) })
  itemFromDb() {
    return pool.use((db) => db.prepare(QUERY).get(1));
  }

  @Get('item-db-direct')
  @Requires('items:read', { resource: () => ({ type: 'item' }) })
  itemFromDbDirect() {
    return directQuery.get(1);
  }

  @Get('public')
  @Public()
  open() {
    return PAYLOAD;
  }
}

const pepper = new Secret('bench-pepper-'.padEnd(48, 'x'));
const reader = mintApiKey({ pepper, clientId: 'bench-reader', roles: ['reader'] });
const store = new InMemoryApiKeyStore([reader.record]);

@Module({
  imports: [
    AccessModule.forRoot({
      authenticators: [apiKeys({ pepper, store })],
      policy: {
        schema:
          'entity Role; entity ApiClient in [Role]; entity item; action "items:read" appliesTo { principal: [ApiClient], resource: [item] };',
        policies:
          '@id("readers-read") permit (principal in Role::"reader", action == Action::"items:read", resource);',
      },
      // The default failure throttle stays on, as in a real service; AccessModule makes the guard global.
    }),
  ],
  controllers: [GuardedController],
})
class GuardedModule {}

// The stack people use today, on the same route and policy: passport-headerapikey through
// @nestjs/passport, checking the key as Steward does (same HMAC store, same verified-key cache), then a
// CASL ability built per request from the user's roles, as the NestJS docs show.
const keyCheck = apiKeys({ pepper, store });

@Injectable()
class HeaderApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'headerapikey') {
  constructor() {
    super({ header: 'x-api-key', prefix: '' }, false);
  }

  validate(apiKey: string): Principal | false {
    const result = keyCheck.authenticate({ apiKey });
    return !('then' in result) && result.kind === 'success' ? result.principal : false;
  }
}

type AppAbility = MongoAbility<['read', 'item']>;

function abilityFor(user: Principal): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  if (user.roles.includes('reader')) can('read', 'item');
  return build();
}

@Injectable()
class CaslGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if (!abilityFor(user).can('read', 'item')) throw new ForbiddenException();
    return true;
  }
}

@Controller()
class PassportController {
  @Get('item')
  @UseGuards(AuthGuard('headerapikey'), CaslGuard)
  item() {
    return PAYLOAD;
  }
}

@Module({ imports: [PassportModule], controllers: [PassportController], providers: [HeaderApiKeyStrategy] })
class PassportCaslModule {}

async function listen(module: object): Promise<{ app: INestApplication; port: number }> {
  const app = await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}

const bare = await listen(BareModule);
const guarded = await listen(GuardedModule);
const passport = await listen(PassportCaslModule);
await pool.ready();
process.send?.({
  barePort: bare.port,
  guardedPort: guarded.port,
  passportPort: passport.port,
  key: reader.key,
});
process.on('disconnect', () => {
  void Promise.all([bare.app.close(), guarded.app.close(), passport.app.close(), pool.close()]).then(() =>
    process.exit(0),
  );
});
