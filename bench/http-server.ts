// The server side of bench/http.bench.ts, run as its own process so the load generator does not share
// its event loop. It serves the same GET three ways and prints the ports and a reader key as JSON.
import 'reflect-metadata';
import { Controller, Get, Module, UseGuards, type CanActivate, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { DatabaseSync } from 'node:sqlite';
import {
  AccessGuard,
  AccessModule,
  apiKeys,
  InMemoryApiKeyStore,
  mintApiKey,
  Public,
  Requires,
} from '@steward/access';
import { Secret } from '@steward/common';
import { Pool } from '@steward/pool';
import { sqliteFactory } from '@steward/pool/sqlite';

const PAYLOAD = { id: 1, name: 'item', tags: ['a', 'b'] };

/** A guard that allows everything: what Nest itself charges for running any guard on a route. */
class AllowAllGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

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
}

@Module({ controllers: [BareController] })
class BareModule {}

const pool = new Pool<DatabaseSync>(
  sqliteFactory({
    path: ':memory:',
    init: ['CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)', "INSERT INTO items VALUES (1, 'item')"],
  }),
  { name: 'bench', min: 1, max: 4 },
);

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
    return pool.use((db) => db.prepare('SELECT id, name FROM items WHERE id = ?').get(1));
  }

  @Get('public')
  @Public()
  open() {
    return PAYLOAD;
  }
}

const pepper = new Secret('bench-pepper-'.padEnd(48, 'x'));
const reader = mintApiKey({ pepper, clientId: 'bench-reader', roles: ['reader'] });

@Module({
  imports: [
    AccessModule.forRoot({
      authenticators: [apiKeys({ pepper, store: new InMemoryApiKeyStore([reader.record]) })],
      policy: {
        actions: ['items:read'],
        resourceTypes: ['item'],
        policies: [
          { id: 'readers-read', effect: 'permit', principal: { roles: ['reader'] }, actions: ['items:read'] },
        ],
      },
      // The default failure throttle stays on, as in a real service.
    }),
  ],
  controllers: [GuardedController],
  providers: [{ provide: APP_GUARD, useClass: AccessGuard }],
})
class GuardedModule {}

async function listen(module: object): Promise<{ app: INestApplication; port: number }> {
  const app = await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}

const bare = await listen(BareModule);
const guarded = await listen(GuardedModule);
await pool.ready();
process.send?.({ barePort: bare.port, guardedPort: guarded.port, key: reader.key });
process.on('disconnect', () => {
  void Promise.all([bare.app.close(), guarded.app.close(), pool.close()]).then(() => process.exit(0));
});
