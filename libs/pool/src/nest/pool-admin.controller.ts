import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Logger,
  NotFoundException,
  Param,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { Requires, type ResourceRef } from '@steward/access';
import { InvalidOptionsError } from '@steward/common';
import type { PoolStats } from '../core/interfaces/pool-stats.interface.js';
import { PoolClosedError } from '../core/pool.errors.js';
import { PoolResumeError } from './pool-host.errors.js';
import type { PoolHost } from './pool.host.js';
import { PoolNestMessages } from './pool.messages.js';
import { PoolRegistry } from './pool.registry.js';
import { ResizePoolDto } from './resize-pool.dto.js';

type PublicStats = Omit<PoolStats, 'lastCreateError'>;

/** The actions the admin routes require; add them to the policy engine's `actions`. */
export const POOL_ADMIN_ACTIONS = [
  'pool:list',
  'pool:read',
  'pool:drain',
  'pool:resume',
  'pool:resize',
  'pool:reset',
] as const;

/** The resource of a route on one pool: `pool:<name>`. */
const onePool = (request: { params?: Record<string, string> }): ResourceRef => ({
  type: 'pool',
  id: String(request.params?.name),
});

/**
 * Operator routes over every registered pool: list, stats, drain, resume, resize, reset. The app mounts it
 * (`controllers: [PoolAdminController]`) behind its global `AccessGuard`; every route requires one of
 * `POOL_ADMIN_ACTIONS`, and the ones that change a pool are privileged (audited, fail closed).
 */
@Controller('admin/pools')
export class PoolAdminController {
  private readonly logger = new Logger('PoolAdmin');

  constructor(private readonly registry: PoolRegistry) {}

  /** Every pool with its stats. */
  @Get()
  @Requires('pool:list', { resource: { type: 'pool' } })
  list(): PublicStats[] {
    return this.registry.list().map((host) => publicStats(host));
  }

  /** One pool's stats. */
  @Get(':name')
  @Requires('pool:read', { resource: onePool })
  stats(@Param('name') name: string): PublicStats {
    return publicStats(this.host(name));
  }

  /**
   * Starts a graceful drain (no new acquires, close once every lease is back); answers at once.
   * Readiness then reports the pool down and why; `resume` serves again.
   */
  @Post(':name/drain')
  @HttpCode(202)
  @Requires('pool:drain', { resource: onePool, privileged: true })
  drain(@Param('name') name: string): PublicStats {
    const host = this.host(name);
    host.drain().catch(() => this.logger.warn(PoolNestMessages.shutdownFailed(name)));
    return publicStats(host);
  }

  /** Serves again after a drain has closed the pool; 409 while it is open, draining or shutting down. */
  @Post(':name/resume')
  @HttpCode(200)
  @Requires('pool:resume', { resource: onePool, privileged: true })
  resume(@Param('name') name: string): PublicStats {
    const host = this.host(name);
    try {
      host.resume();
    } catch (error) {
      if (error instanceof PoolResumeError) throw new ConflictException(error.message);
      throw error;
    }
    return publicStats(host);
  }

  /** Changes `min` / `max` at runtime. */
  @Post(':name/resize')
  @HttpCode(200)
  @Requires('pool:resize', { resource: onePool, privileged: true })
  resize(
    @Param('name') name: string,
    @Body(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
    body: ResizePoolDto,
  ): PublicStats {
    const host = this.host(name);
    try {
      host.pool.resize(body.min, body.max);
    } catch (error) {
      if (error instanceof InvalidOptionsError) {
        throw new BadRequestException(error.issues.map((i) => `${i.path} ${i.message}`));
      }
      // Anything but a closed pool is a bug to surface (500), not a conflict to report.
      if (error instanceof PoolClosedError) throw new ConflictException(PoolNestMessages.healthClosed);
      throw error;
    }
    return publicStats(host);
  }

  /** Replaces every resource: idle ones now, borrowed ones when they come back; 409 on a closed pool. */
  @Post(':name/reset')
  @HttpCode(200)
  @Requires('pool:reset', { resource: onePool, privileged: true })
  reset(@Param('name') name: string): PublicStats {
    const host = this.host(name);
    // A closed pool has nothing to reset: answering 200 would audit a reset that did nothing.
    if (host.pool.closed) throw new ConflictException(PoolNestMessages.resetClosed);
    host.pool.reset();
    return publicStats(host);
  }

  private host(name: string): PoolHost {
    const host = this.registry.get(name);
    if (!host) throw new NotFoundException(PoolNestMessages.notFound(name));
    return host;
  }
}

// The last create error can name hosts and users; operators read it in the logs, not over HTTP.
function publicStats(host: PoolHost): PublicStats {
  const { lastCreateError: _omitted, ...stats } = host.pool.stats();
  return stats;
}
