import type { ResourceFactory } from '../interfaces/resource-factory.interface.js';

/** A resource the tests can inspect. */
export interface FakeResource {
  id: number;
  destroyed: number;
}

type CreatePlan = { kind: 'ok'; delayMs: number } | { kind: 'fail'; delayMs: number } | { kind: 'hang' };

/**
 * A scriptable factory for the pool's tests: creates after `delayMs` timers (fake timers drive them),
 * fails or hangs on request, and records every create and destroy.
 */
export class FakeResourceFactory implements ResourceFactory<FakeResource> {
  readonly created: FakeResource[] = [];
  readonly destroyed: FakeResource[] = [];
  readonly signals: AbortSignal[] = [];
  createDelayMs = 0;
  /** When set, `validate` resolves to this. */
  valid: boolean | 'hang' = true;
  validations = 0;
  /** The signal of every validation, in order. */
  readonly validateSignals: AbortSignal[] = [];
  /** How `destroy` behaves. */
  destroyMode: 'ok' | 'hang' | 'throw' = 'ok';
  /** Optional `reset` hook; assign one in a test to enable it. */
  reset?: (resource: FakeResource) => Promise<void>;
  private readonly plans: CreatePlan[] = [];
  private nextId = 1;

  /** Scripts the next creates, in order; unscripted creates succeed after `createDelayMs`. */
  plan(...plans: ('ok' | 'fail' | 'hang' | number)[]): this {
    for (const p of plans) {
      if (p === 'hang') this.plans.push({ kind: 'hang' });
      else if (p === 'fail') this.plans.push({ kind: 'fail', delayMs: this.createDelayMs });
      else if (p === 'ok') this.plans.push({ kind: 'ok', delayMs: this.createDelayMs });
      else this.plans.push({ kind: 'ok', delayMs: p });
    }
    return this;
  }

  create(signal: AbortSignal): Promise<FakeResource> {
    this.signals.push(signal);
    const plan = this.plans.shift() ?? { kind: 'ok', delayMs: this.createDelayMs };
    if (plan.kind === 'hang') return new Promise<FakeResource>(() => {});
    return new Promise<FakeResource>((resolve, reject) => {
      const finish = (): void => {
        if (plan.kind === 'fail') reject(new Error('connection refused'));
        else {
          const resource = { id: this.nextId++, destroyed: 0 };
          this.created.push(resource);
          resolve(resource);
        }
      };
      if (plan.delayMs === 0) void Promise.resolve().then(finish);
      else setTimeout(finish, plan.delayMs);
    });
  }

  destroy(resource: FakeResource): Promise<void> {
    resource.destroyed++;
    this.destroyed.push(resource);
    if (this.destroyMode === 'hang') return new Promise<void>(() => {});
    if (this.destroyMode === 'throw') return Promise.reject(new Error('socket already closed'));
    return Promise.resolve();
  }

  validate(_resource: FakeResource, signal: AbortSignal): Promise<boolean> {
    this.validations++;
    this.validateSignals.push(signal);
    if (this.valid === 'hang') return new Promise<boolean>(() => {});
    return Promise.resolve(this.valid);
  }

  isBroken(error: unknown): boolean {
    return error instanceof Error && error.message === 'fatal';
  }
}
