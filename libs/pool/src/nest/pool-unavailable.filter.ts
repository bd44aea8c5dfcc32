import { ArgumentsHost, Catch, Injectable, Logger, Optional } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { sendProblem, StewardError } from '@steward/common';
import {
  PoolClosedError,
  PoolExhaustedError,
  PoolTimeoutError,
  ResourceCreateError,
  ResourceCreateTimeoutError,
} from '../core/pool.errors.js';
import { PoolNestMessages } from './pool.messages.js';
import { PoolRegistry } from './pool.registry.js';

const UNAVAILABLE: readonly (abstract new (...args: never[]) => Error)[] = [
  PoolTimeoutError,
  PoolExhaustedError,
  PoolClosedError,
  ResourceCreateError,
  ResourceCreateTimeoutError,
];

/** Seconds a client should wait before retrying a 503. */
const RETRY_AFTER_S = '1';

/**
 * Turns "the database is not there" into what it is for an HTTP client: `503` with a problem+json
 * body and `Retry-After`, instead of a 500. It covers the pool's own errors (timeout, exhausted,
 * closed, create failures) and any error a registered pool's factory calls broken (a terminated
 * connection). The body is fixed: no host, port, driver message or stack reaches the client; the
 * error code goes to the log. Everything else goes to Nest's default handling. Register it with
 * `{ provide: APP_FILTER, useClass: PoolUnavailableFilter }`.
 */
@Injectable()
@Catch()
export class PoolUnavailableFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('PoolModule');

  constructor(@Optional() private readonly registry?: PoolRegistry) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !this.isUnavailable(exception)) {
      super.catch(exception, host);
      return;
    }
    const code =
      exception instanceof StewardError
        ? exception.code
        : ((exception as { code?: string })?.code ?? 'broken');
    this.logger.warn(PoolNestMessages.unavailableLog(String(code)));
    // Written on the raw response (Express's or Fastify's), as AccessModule's problems are.
    sendProblem(host.switchToHttp().getResponse(), {
      body: {
        type: 'about:blank',
        title: PoolNestMessages.unavailableTitle,
        status: 503,
        detail: PoolNestMessages.unavailableDetail,
      },
      headers: { 'Retry-After': RETRY_AFTER_S },
    });
  }

  /** A pool error, or an error a registered pool's factory calls broken: answered 503. */
  protected isUnavailable(exception: unknown): boolean {
    if (UNAVAILABLE.some((type) => exception instanceof type)) return true;
    return this.registry?.list().some((pool) => pool.isBroken(exception)) ?? false;
  }
}
