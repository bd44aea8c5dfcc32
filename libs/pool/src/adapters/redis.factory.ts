import { Redis } from 'ioredis';
import { raceAbort } from '@steward/common';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import { abortReason } from './abort-reason.js';
import { hasBrokenErrno } from './broken-errno.js';
import { closeGracefully } from './graceful-close.js';
import type { RedisFactoryOptions } from './interfaces/redis-factory-options.interface.js';

const BROKEN_MESSAGES = [/connection is closed/i, /stream isn't writeable/i, /connection.*(lost|reset)/i];

/** True when an ioredis error means the connection is gone rather than the command being wrong. */
export function isRedisConnectionError(error: unknown): boolean {
  // Duck-typed, not instanceof: socket errors may come from another realm (vm, Jest).
  const { message } = (error ?? {}) as { message?: unknown };
  if (hasBrokenErrno(error)) return true;
  return typeof message === 'string' && BROKEN_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * An ioredis connection factory: lazy connect, `PING` validation, no offline queue and no client-side
 * reconnect, so a dead connection fails fast and the pool (with its own bounded, jittered retries) replaces it.
 */
export function redisFactory(options: RedisFactoryOptions = {}): ResourceFactory<Redis> {
  const {
    url,
    redis = {},
    connectTimeoutMs = 10_000,
    connectionName = 'steward',
    quitTimeoutMs = 2_000,
  } = options;

  return {
    async create(signal: AbortSignal): Promise<Redis> {
      if (signal.aborted) throw signal.reason;
      const settings = {
        connectionName,
        connectTimeout: connectTimeoutMs,
        maxRetriesPerRequest: 0,
        ...redis,
        lazyConnect: true,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      };
      const client = url ? new Redis(url, settings) : new Redis(settings);
      // ioredis emits 'error' on socket failures; unhandled it would crash the process.
      client.on('error', () => undefined);
      const onAbort = (): void => client.disconnect();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        throw signal.aborted ? abortReason('redis', signal, error) : error;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) {
        client.disconnect();
        throw abortReason('redis', signal);
      }
      return client;
    },

    async destroy(client: Redis): Promise<void> {
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      await closeGracefully(
        () => client.quit(),
        () => client.disconnect(),
        quitTimeoutMs,
      );
    },

    async validate(client: Redis, signal: AbortSignal): Promise<boolean> {
      if (client.status !== 'ready') return false;
      try {
        return (await raceAbort(client.ping(), signal)) === 'PONG';
      } catch {
        client.disconnect();
        return false;
      }
    },

    isBroken: isRedisConnectionError,
  };
}
