import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { OptionChecker } from '@steward/common';
import type {
  ConnectionBudget,
  ConnectionBudgetHost,
  ConnectionBudgetStats,
} from '../core/interfaces/connection-budget.interface.js';
import {
  BudgetAlreadyBoundError,
  BudgetBadReplyError,
  BudgetSyncError,
  BudgetSyncTimeoutError,
} from './budget.errors.js';
import type { BudgetRedisClient, RedisBudgetOptions } from './interfaces/redis-budget-options.interface.js';
import { BUDGET_SYNC_SCRIPT, BUDGET_SYNC_SHA, budgetKeys } from './redis-budget.script.js';

/** The documented defaults of `redisBudget`. */
export const REDIS_BUDGET_DEFAULTS = {
  leaseTtlMs: 10_000,
  minPerReplica: 0,
  pollMs: 200,
} as const;

interface SyncReply {
  grant: number;
  epoch: string;
  share: number;
  contended: boolean;
}

/**
 * A pool's share of a connection budget coordinated in Redis across replicas (see `BUDGET_SYNC_SCRIPT`).
 * The pool's paths (`tryTake`, `release`, `excess`) only count; Redis is called in the background: when
 * the pool wants more slots, when slots it no longer needs can go back, and every third of the lease TTL
 * to renew. When Redis is unreachable the replica keeps what it holds, never more, and syncs again later.
 */
export class RedisBudget implements ConnectionBudget {
  /** This replica's id in Redis. */
  readonly replicaId: string;
  private readonly redis: BudgetRedisClient;
  private readonly key: string;
  private readonly keys: [string, string, string, string];
  private readonly total: number;
  private readonly leaseTtlMs: number;
  private readonly minPerReplica: number;
  private readonly pollMs: number;
  private readonly syncTimeoutMs: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly closeRedis: boolean;

  private host: ConnectionBudgetHost | undefined = undefined;
  private held = 0;
  private used = 0;
  /** The fair share while others want slots; Infinity when nobody waits. */
  private share = Number.POSITIVE_INFINITY;
  private limit = 0;
  private epoch = '';
  private grantedTotal = 0;
  private refusedTotal = 0;
  private renewErrorsTotal = 0;
  private synced = false;
  private started = false;
  private closed = false;
  private inflight: Promise<void> | undefined = undefined;
  private again = false;
  private trimQueued = false;
  private seq = 0;
  private renewTimer: ReturnType<typeof setInterval> | undefined = undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(options: RedisBudgetOptions) {
    const check = new OptionChecker('redisBudget');
    const o = options;
    if (o?.redis === null || typeof o?.redis?.evalsha !== 'function' || typeof o.redis.eval !== 'function') {
      check.add('redis', 'must be an ioredis client');
    }
    if (typeof o?.key !== 'string' || o.key.length === 0) check.add('key', 'must be a non-empty string');
    check.integer('total', o?.total, 1);
    check.integer('leaseTtlMs', o?.leaseTtlMs ?? REDIS_BUDGET_DEFAULTS.leaseTtlMs, 300, 2_147_483_647);
    check.integer('minPerReplica', o?.minPerReplica ?? 0, 0, o?.total ?? Number.MAX_SAFE_INTEGER);
    check.integer('pollMs', o?.pollMs ?? REDIS_BUDGET_DEFAULTS.pollMs, 1, 2_147_483_647);
    if (o?.syncTimeoutMs !== undefined) check.integer('syncTimeoutMs', o.syncTimeoutMs, 1, 2_147_483_647);
    if (o?.replicaId !== undefined && (typeof o.replicaId !== 'string' || o.replicaId.length === 0)) {
      check.add('replicaId', 'must be a non-empty string');
    }
    if (o?.onError !== undefined && typeof o.onError !== 'function')
      check.add('onError', 'must be a function');
    if (o?.closeRedis !== undefined && typeof o.closeRedis !== 'boolean')
      check.add('closeRedis', 'must be a boolean');
    check.throwIfAny();
    this.redis = o.redis;
    this.key = o.key;
    this.keys = budgetKeys(o.key);
    this.total = o.total;
    this.leaseTtlMs = o.leaseTtlMs ?? REDIS_BUDGET_DEFAULTS.leaseTtlMs;
    this.minPerReplica = o.minPerReplica ?? REDIS_BUDGET_DEFAULTS.minPerReplica;
    this.pollMs = o.pollMs ?? REDIS_BUDGET_DEFAULTS.pollMs;
    this.syncTimeoutMs = o.syncTimeoutMs ?? Math.min(1_000, Math.floor(this.leaseTtlMs / 3));
    this.replicaId = o.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.onError = o.onError;
    this.closeRedis = o.closeRedis === true;
  }

  bind(host: ConnectionBudgetHost): void {
    if (this.host !== undefined) throw new BudgetAlreadyBoundError(this.key);
    this.host = host;
  }

  tryTake(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  release(): void {
    this.used--;
    // Coalesced, and after the pool's synchronous work: a slot freed by a destroy is often taken again
    // at once by the create that replaces the resource.
    if (this.held > this.used && !this.trimQueued && !this.closed) {
      this.trimQueued = true;
      queueMicrotask(this.trim);
    }
  }

  request(): void {
    this.start();
    // After a refusal the poll timer asks again; a sync in flight is followed by another.
    if (this.pollTimer === undefined) this.sync();
  }

  excess(): number {
    return Math.max(0, this.used - this.limit);
  }

  stats(): ConnectionBudgetStats {
    return {
      held: this.held,
      used: this.used,
      limit: this.limit,
      grantedTotal: this.grantedTotal,
      refusedTotal: this.refusedTotal,
      renewErrorsTotal: this.renewErrorsTotal,
      synced: this.synced,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.held = this.limit = 0;
    if (this.started) {
      // Whatever was in flight goes first (one connection keeps the order), then every slot goes back.
      await this.inflight;
      try {
        await this.call(0, 0);
      } catch (error) {
        // The lease then ends by its TTL.
        this.failed(error);
      }
    }
    if (this.closeRedis) this.redis.disconnect?.();
  }

  // ---------------------------------------------------------------- internals

  /** Slots this replica would hold now: what it uses, what its pool's demand needs (within the share), its floor. */
  private target(): number {
    const demand = this.host?.demand() ?? 0;
    return Math.max(Math.min(this.used + demand, this.share), this.used, this.minPerReplica);
  }

  private readonly trim = (): void => {
    this.trimQueued = false;
    if (!this.closed && this.target() < this.held) this.sync();
  };

  /** Starts renewing on the first need of a slot (the constructor and `bind` start no I/O). */
  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.renewTimer = setInterval(() => this.sync(), Math.max(1, Math.floor(this.leaseTtlMs / 3)));
    this.renewTimer.unref?.();
  }

  private sync(): void {
    if (this.closed) return;
    if (this.inflight !== undefined) {
      this.again = true;
      return;
    }
    this.start();
    const want = this.target();
    if (want < this.held) {
      // Slots on their way back are given up first: nothing is created under them meanwhile.
      this.held = want;
      this.limit = Math.min(this.held, this.share);
    }
    // What the pool may be using by the time Redis runs the script: creates go on while it is in flight,
    // up to the limit, and slots above a lowered limit stay in use until their resources are retired.
    const keep = Math.max(this.used, this.limit);
    const seq = ++this.seq;
    this.inflight = this.call(keep, want).then(
      (reply) => {
        if (seq === this.seq && !this.closed) this.apply(reply, want);
      },
      (error: unknown) => {
        if (seq !== this.seq || this.closed) return;
        this.failed(error);
      },
    );
    void this.inflight.then(() => {
      this.inflight = undefined;
      if (this.closed) return;
      if (this.again) {
        this.again = false;
        if (this.pollTimer === undefined) this.sync();
      }
    });
  }

  private apply(reply: SyncReply, want: number): void {
    const before = this.limit;
    const asked = want > this.held;
    if (reply.grant > this.held) this.grantedTotal += reply.grant - this.held;
    else if (asked) this.refusedTotal++;
    this.held = reply.grant;
    this.epoch = reply.epoch;
    this.share = reply.contended ? reply.share : Number.POSITIVE_INFINITY;
    this.limit = Math.min(this.held, this.share);
    this.synced = true;
    if (this.limit !== before || this.used > this.limit) this.host?.budgetChanged();
    // Still short after the pool took what came: ask again a little later.
    if (this.used >= this.limit && (this.host?.demand() ?? 0) > 0) this.poll();
  }

  private poll(): void {
    if (this.pollTimer !== undefined || this.closed) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.sync();
    }, this.pollMs);
    this.pollTimer.unref?.();
  }

  private failed(error: unknown): void {
    this.renewErrorsTotal++;
    this.synced = false;
    const reported =
      error instanceof BudgetSyncTimeoutError
        ? error
        : new BudgetSyncError(this.host?.name ?? '', this.key, error);
    try {
      this.onError?.(reported);
    } catch {
      // A failing error listener must not break the budget.
    }
    // A pool short of slots retries on the poll period rather than waiting for the next renewal.
    if ((this.host?.demand() ?? 0) > 0) this.poll();
  }

  private stopTimers(): void {
    if (this.renewTimer !== undefined) clearInterval(this.renewTimer);
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.renewTimer = this.pollTimer = undefined;
  }

  /** One script call, bounded by `syncTimeoutMs` (ioredis queues commands while it reconnects). */
  private call(keep: number, want: number): Promise<SyncReply> {
    const args = [
      this.replicaId,
      this.epoch,
      keep,
      want,
      this.total,
      this.leaseTtlMs,
      this.minPerReplica,
    ] as const;
    const run = this.redis.evalsha(BUDGET_SYNC_SHA, 4, ...this.keys, ...args).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return this.redis.eval(BUDGET_SYNC_SCRIPT, 4, ...this.keys, ...args);
      }
      throw error;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BudgetSyncTimeoutError(this.host?.name ?? '', this.key, this.syncTimeoutMs)),
        this.syncTimeoutMs,
      );
    });
    return Promise.race([run, timeout])
      .finally(() => clearTimeout(timer))
      .then((reply) => this.parse(reply));
  }

  private parse(reply: unknown): SyncReply {
    if (!Array.isArray(reply) || reply.length < 4) throw new BudgetBadReplyError(this.key);
    const [grant, epoch, share, contended] = reply as unknown[];
    const g = Number(grant);
    if (!Number.isInteger(g) || g < 0) throw new BudgetBadReplyError(this.key);
    return { grant: g, epoch: String(epoch), share: Number(share), contended: Number(contended) === 1 };
  }
}

/** A pool's share of a connection budget coordinated in Redis across replicas: `new Pool(factory, { budget: redisBudget({...}) })`. */
export function redisBudget(options: RedisBudgetOptions): RedisBudget {
  return new RedisBudget(options);
}
