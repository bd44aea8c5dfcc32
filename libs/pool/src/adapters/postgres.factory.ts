import type { Socket } from 'node:net';
import pg from 'pg';
import { raceAbort } from '@steward/common';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import { abortReason } from './abort-reason.js';
import { hasBrokenErrno } from './broken-errno.js';
import { closeGracefully } from './graceful-close.js';
import { PostgresResetError } from './postgres.errors.js';
import type { PostgresFactoryOptions } from './interfaces/postgres-factory-options.interface.js';

// SQLSTATE classes/codes that mean the session is gone, not that the statement was wrong.
const BROKEN_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const BROKEN_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /connection .*closed/i,
  /timeout expired/i,
];

/** True when a `pg` error means the connection itself is dead (reset, terminated by admin, socket closed). */
export function isPostgresConnectionError(error: unknown): boolean {
  // Duck-typed, not instanceof: socket errors may come from another realm (vm, Jest).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (hasBrokenErrno(error) || (typeof code === 'string' && BROKEN_SQLSTATES.has(code))) return true;
  return typeof message === 'string' && BROKEN_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * A `pg.Client` factory: bounded connect, `SELECT 1` validation, `application_name`, idle errors
 * contained. A connection returned inside a transaction (open or failed) is rolled back before it is
 * lent again, and destroyed when that fails; `resetQuery` (e.g. `DISCARD ALL`) resets the session too.
 */
export function postgresFactory(options: PostgresFactoryOptions = {}): ResourceFactory<pg.Client> {
  const {
    applicationName = 'steward',
    connectTimeoutMs = 10_000,
    validationQuery = 'SELECT 1',
    resetQuery,
    endTimeoutMs = 2_000,
    ...clientConfig
  } = options;
  // Clients whose socket failed while idle: validate() reports them dead so the pool evicts them.
  const broken = new WeakSet<pg.Client>();

  return {
    async create(signal: AbortSignal): Promise<pg.Client> {
      if (signal.aborted) throw signal.reason;
      const client = new pg.Client({
        ...clientConfig,
        application_name: applicationName,
        connectionTimeoutMillis: connectTimeoutMs,
      });
      // Without a listener an idle backend's death (pg_terminate_backend, failover) would crash the process.
      client.on('error', () => broken.add(client));
      client.on('end', () => broken.add(client));
      const onAbort = (): void => {
        socketOf(client)?.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await client.connect();
      } catch (error) {
        socketOf(client)?.destroy();
        throw signal.aborted ? abortReason('postgres', signal, error) : error;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) {
        socketOf(client)?.destroy();
        throw abortReason('postgres', signal);
      }
      return client;
    },

    async destroy(client: pg.Client): Promise<void> {
      broken.add(client);
      const socket = socketOf(client);
      if (!socket || socket.destroyed) return;
      // A graceful Terminate lets the server log a clean disconnect; a dead peer gets cut at endTimeoutMs.
      await closeGracefully(
        () => client.end(),
        () => socket.destroy(),
        endTimeoutMs,
      );
    },

    async validate(client: pg.Client, signal: AbortSignal): Promise<boolean> {
      if (broken.has(client)) return false;
      try {
        await raceAbort(client.query(validationQuery), signal);
        return true;
      } catch {
        // A validation that hangs or fails leaves the protocol state unknown: the connection is not reusable.
        broken.add(client);
        socketOf(client)?.destroy();
        return false;
      }
    },

    // Always present: a connection must never be lent inside a transaction someone else began. The cost
    // is the pool's bounded check per release (a timer and a microtask); the ROLLBACK round trip is paid
    // only when the borrower left a transaction open or failed.
    async reset(client: pg.Client): Promise<void> {
      if (broken.has(client)) throw new PostgresResetError('broken');
      try {
        // Not idle, or still waiting for the server's ReadyForQuery (pg rejects a failed query before
        // it comes, so the status may be stale): roll back to be sure. Outside a transaction ROLLBACK is
        // a harmless warning.
        const idle = (client as unknown as { readyForQuery?: boolean }).readyForQuery === true;
        if (!idle || client.getTransactionStatus() !== 'I') await client.query('ROLLBACK');
        if (resetQuery) {
          await client.query(resetQuery);
          // DISCARD ALL / DEALLOCATE drop the server's prepared statements; pg must parse them again.
          const connection = (client as unknown as { connection?: { parsedStatements?: object } }).connection;
          if (connection?.parsedStatements) connection.parsedStatements = {};
        }
      } catch (error) {
        // A session in an unknown state is not lent again: the pool destroys it.
        broken.add(client);
        throw new PostgresResetError('failed', { cause: error });
      }
    },

    isBroken: isPostgresConnectionError,
  };
}

function socketOf(client: pg.Client): Socket | undefined {
  return (client as unknown as { connection?: { stream?: Socket } }).connection?.stream;
}
