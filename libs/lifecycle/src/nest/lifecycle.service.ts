import { Server as NetServer } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { InvalidOptionsError } from '@steward/common';
import type { LifecycleUnit } from '../core/interfaces/lifecycle-unit.interface.js';
import { LifecycleManager } from '../core/manager/lifecycle-manager.js';
import { ManagedServer } from '../core/net/managed-server.js';
import type { DrainResult } from '../core/net/interfaces/managed-server.interface.js';
import { ManagedProcess } from '../core/process/managed-process.js';
import { StartAbortedError } from '../core/state/lifecycle.errors.js';
import type { ResolvedLifecycleOptions } from './interfaces/lifecycle-module-options.interface.js';
import { LIFECYCLE_RESOLVED_OPTIONS } from './lifecycle.constants.js';
import { lifecycleNestMessages } from './lifecycle.messages.js';
import { LifecycleMetrics } from './lifecycle.metrics.js';
import { ManagedUnit, type ManagedUnitHooks, type ManagedUnitOptions } from './managed-unit.decorator.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * Runs the lifecycle inside Nest: registers `@ManagedUnit()` providers, starts every unit at bootstrap
 * (aborted by a shutdown signal), and on shutdown turns readiness 503, keeps serving for `delayMs`,
 * drains the HTTP server, then stops the units in reverse.
 */
@Injectable()
export class LifecycleService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Lifecycle');
  private server?: ManagedServer;
  private preparing?: Promise<DrainResult | undefined>;
  private stopping?: Promise<void>;
  private failure?: unknown;
  private readonly closeCallbacks: Array<() => void> = [];
  private readonly unsubscribers: Array<() => void> = [];
  /** Nest shutdown hooks of the app's providers that have begun and not settled, by `Provider.hook`. */
  private readonly runningHooks = new Set<string>();

  constructor(
    private readonly manager: LifecycleManager,
    private readonly state: ShutdownState,
    private readonly metrics: LifecycleMetrics,
    private readonly discovery: DiscoveryService,
    @Inject(LIFECYCLE_RESOLVED_OPTIONS) private readonly options: ResolvedLifecycleOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** The HTTP server wrapper, once the app has one. */
  get httpServer(): ManagedServer | undefined {
    return this.server;
  }

  /** The first error of the start or the stop, if any: the process should exit non-zero. */
  get error(): unknown {
    return this.failure;
  }

  /** The whole shutdown budget in ms. */
  get deadlineMs(): number {
    return this.options.deadlineMs;
  }

  /** Flips readiness to 503 synchronously; the first call wins. */
  beginShutdown(reason: string): void {
    this.state.begin(reason);
  }

  /** True until every unit has started: a shutdown that begins now is a failed start. */
  get starting(): boolean {
    return this.manager.state === 'created' || this.manager.state === 'starting';
  }

  /**
   * What is still running: the units whose start or stop has not settled, and the app's Nest shutdown
   * hooks (`onModuleDestroy`, `beforeApplicationShutdown`, `onApplicationShutdown`) that have not returned.
   */
  pendingWork(): string[] {
    return [...this.manager.busyUnits().map((u) => `unit '${u}'`), ...this.runningHooks];
  }

  /** Runs `callback` once the shutdown has finished (used to remove signal listeners). */
  onClosed(callback: () => void): void {
    this.closeCallbacks.push(callback);
  }

  onModuleInit(): void {
    // Wrap the server before it accepts anything: connections accepted earlier would not be tracked.
    const server: unknown = this.adapterHost?.httpAdapter?.getHttpServer?.();
    if (server instanceof NetServer) {
      this.server = new ManagedServer(server, { name: 'http', drainTimeoutMs: this.options.drainTimeoutMs });
      const report = (e: { server: string; connections: number }): void =>
        this.metrics.serverConnections(e.server, e.connections);
      this.unsubscribers.push(this.server.on('connection', report), this.server.on('close', report));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    // A signal that came while Nest was still building: nothing starts, and the start has failed.
    if (this.state.isShuttingDown) {
      this.failure ??= new StartAbortedError(this.state.signal.reason);
      throw this.failure;
    }
    this.trackShutdownHooks();
    this.registerDiscoveredUnits();
    // A process reports its own, richer machine (crashed, backoff…); the manager's view of it is coarser.
    const processes = new Set(
      this.manager
        .units()
        .flatMap((u) => (this.manager.unit(u.name) instanceof ManagedProcess ? [u.name] : [])),
    );
    this.unsubscribers.push(
      this.manager.onTransition((e) => {
        if (e.subject !== this.manager.name && !processes.has(e.subject)) {
          this.metrics.unitTransition(e.subject, e.from, e.to);
        }
      }),
    );
    for (const { name, stopTimeoutMs } of this.manager.units()) {
      const unit = this.manager.unit(name);
      // A unit whose stop timeout cannot fit in what the deadline leaves for units fails the startup.
      if (stopTimeoutMs > this.options.unitStopBudgetMs) {
        throw new InvalidOptionsError('lifecycle', [
          {
            path: name,
            message: lifecycleNestMessages.unitBudgetExceeded(
              name,
              stopTimeoutMs,
              this.options.unitStopBudgetMs,
            ),
          },
        ]);
      }
      if (unit instanceof ManagedProcess) {
        this.unsubscribers.push(unit.onRestart(() => this.metrics.processRestarted(name)));
        this.unsubscribers.push(unit.onTransition((e) => this.metrics.unitTransition(name, e.from, e.to)));
      }
    }
    try {
      await this.manager.start(this.state.signal);
    } catch (error) {
      this.failure ??= error;
      throw error;
    }
  }

  /**
   * Turns readiness 503 at once, keeps serving for what is left of `delayMs` (skipped when the app never
   * became ready or its HTTP server is not listening), then drains the HTTP server. Idempotent.
   */
  prepareShutdown(reason: string): Promise<DrainResult | undefined> {
    this.state.begin(reason);
    this.preparing ??= this.runPrepare();
    return this.preparing;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    await this.prepareShutdown(signal ?? 'close');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopUnits();
  }

  /**
   * Stops every unit in reverse dependency order (the same promise whoever calls first). The signal
   * handler calls it before `app.close()`, so no other provider's Nest hook can hold the units up.
   */
  stopUnits(): Promise<void> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  private async runPrepare(): Promise<DrainResult | undefined> {
    // The delay lets load balancers notice the 503; it is pointless when nothing listens (never started,
    // or an app driven by app.init() in tests).
    if (this.manager.state === 'ready' && this.server?.server.listening) {
      const elapsed = performance.now() - (this.state.startedAt ?? performance.now());
      const wait = Math.max(0, this.options.delayMs - elapsed);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (!this.server) return undefined;
    return this.server.drain({ timeoutMs: this.options.drainTimeoutMs });
  }

  private async runStop(): Promise<void> {
    try {
      await this.manager.stop();
    } catch (error) {
      // Nest aborts its shutdown sequence on a throwing hook; keep going and report through `error`.
      this.failure ??= error;
      this.logger.error(
        `${lifecycleNestMessages.shutdownFailed}: ${(error as Error)?.message ?? String(error)}`,
      );
    }
    const began = this.state.startedAt;
    if (began !== undefined) this.metrics.shutdownFinished((performance.now() - began) / 1000);
    for (const off of this.unsubscribers.splice(0)) off();
    for (const callback of this.closeCallbacks.splice(0)) callback();
  }

  /**
   * Wraps the shutdown hooks of every provider and controller so that a missed deadline can name the one
   * that never settled: Nest gives no other way to see which hook it is awaiting.
   */
  private trackShutdownHooks(): void {
    const hooks = ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || instance === (this as unknown)) continue;
      for (const hook of hooks) {
        const original = instance[hook];
        if (typeof original !== 'function') continue;
        const label = `${String(wrapper.name)}.${hook}`;
        const running = this.runningHooks;
        try {
          instance[hook] = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
            running.add(label);
            try {
              return await (original as (...a: unknown[]) => unknown).apply(this, args);
            } finally {
              running.delete(label);
            }
          };
        } catch {
          // A frozen instance keeps its hook untracked: it still runs, the report just cannot name it.
        }
      }
    }
  }

  private registerDiscoveredUnits(): void {
    const wrappers = this.discovery
      .getProviders({ metadataKey: ManagedUnit.KEY })
      .filter((w) => w.isDependencyTreeStatic() && w.instance);
    const names = new Map<InstanceWrapper, string>();
    for (const wrapper of wrappers) {
      const options = this.discovery.getMetadataByDecorator(ManagedUnit, wrapper) ?? {};
      names.set(wrapper, options.name ?? wrapper.name);
    }
    for (const wrapper of wrappers) {
      const options: ManagedUnitOptions = this.discovery.getMetadataByDecorator(ManagedUnit, wrapper) ?? {};
      const instance = wrapper.instance as ManagedUnitHooks;
      const name = names.get(wrapper)!;
      if (typeof instance.start !== 'function' && typeof instance.stop !== 'function') {
        throw new InvalidOptionsError('lifecycle', [
          { path: name, message: lifecycleNestMessages.notAUnit(name) },
        ]);
      }
      const dependsOn = [
        ...new Set([...injectedUnits(wrapper, names, this.manager), ...(options.dependsOn ?? [])]),
      ];
      const unit: LifecycleUnit = {
        name,
        dependsOn,
        start: async (signal) => void (await instance.start?.(signal)),
        stop: async (signal) => void (await instance.stop?.(signal)),
      };
      this.manager.add(unit, {
        startTimeoutMs: options.startTimeoutMs,
        stopTimeoutMs: options.stopTimeoutMs,
      });
    }
  }
}

/**
 * Managed units a provider reaches through constructor injection, directly or through plain providers:
 * a service that writes through a pool must stop before the pool does. A unit is a `@ManagedUnit()`
 * provider or anything the manager knows (a pool, its host, a `ManagedProcess` added to it).
 */
function injectedUnits(
  wrapper: InstanceWrapper,
  units: ReadonlyMap<InstanceWrapper, string>,
  manager: LifecycleManager,
): string[] {
  const found = new Set<string>();
  const seen = new Set<InstanceWrapper>([wrapper]);
  const walk = (current: InstanceWrapper): void => {
    const injected = [
      ...(current.getCtorMetadata() ?? []),
      ...(current.getPropertiesMetadata() ?? []).map((p) => p.wrapper),
    ];
    for (const dependency of injected) {
      if (!dependency || seen.has(dependency)) continue;
      seen.add(dependency);
      const unit = units.get(dependency) ?? manager.unitOf(dependency.instance);
      if (unit !== undefined) found.add(unit);
      else walk(dependency);
    }
  };
  walk(wrapper);
  return [...found];
}
