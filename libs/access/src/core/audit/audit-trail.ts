import { AsyncResource } from 'node:async_hooks';
import { OptionChecker } from '@steward/common';
import type { AuditEvent, AuditSink } from '../interfaces/audit-event.interface.js';
import type {
  AuditChainTail,
  CheckpointingAuditSink,
  TailingAuditSink,
} from './interfaces/audit-chain.interface.js';
import type { AuditCheckpointAnchor } from './checkpoint-anchor.js';
import type { AuditCheckpointSigner } from './audit-checkpoint.js';
import type {
  AuditTrailEvents,
  AuditTrailOptions,
  AuditTrailStats,
} from './interfaces/audit-trail-options.interface.js';
import { chainAuditEvents } from './audit-chain.js';
import { AuditChainError, AuditWriteError } from './audit.errors.js';
import { anchorAhead, auditOptionsSubject, queueFull, trailClosed, writeTimedOut } from './audit.messages.js';
import { sanitizeAuditEvent } from './audit-sanitizer.js';

/** An event as callers hand it in; `time` defaults to now (as does an unparseable one). */
export type AuditEventInput = Omit<AuditEvent, 'time'> & { readonly time?: string };

interface Pending {
  readonly event: AuditEvent;
  readonly resolve?: () => void;
  readonly reject?: (error: AuditWriteError) => void;
}

/** Per-sink chain position; `tail: null` means "ask the sink again" (start, or after a failure). */
interface SinkState {
  readonly sink: AuditSink;
  tail: AuditChainTail | undefined | null;
  written: number;
  failed: number;
  /** The sink stores checkpoints (and the trail signs them). */
  readonly checkpointing: boolean;
  /** The last sealed seq (-1: none), its signature, and when it was sealed (ms). */
  sealed: number;
  sig: string | null;
  sealedAt: number;
}

type Listener<K extends keyof AuditTrailEvents> = (payload: AuditTrailEvents[K]) => void;

/**
 * The audit trail: sanitizes events, queues them in a bounded queue (dropping and counting when
 * full), and writes them in batches to every sink, each sink with its own hash chain continued from
 * what it already stores. `recordDurable` resolves only once every sink stored the event.
 */
export class AuditTrail {
  private readonly sinks: SinkState[];
  private readonly queueSize: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly writeTimeoutMs: number;
  private readonly maxFieldLength: number;
  private readonly maxEventLength: number;
  private readonly now: () => number;
  private readonly signer?: AuditCheckpointSigner;
  private readonly anchor?: AuditCheckpointAnchor;
  private readonly checkpointEvery: number;
  private readonly checkpointMs: number;
  private checkpointTimer: ReturnType<typeof setInterval> | undefined;
  private sealDue = false;
  private readonly listeners: { [K in keyof AuditTrailEvents]: Set<Listener<K>> } = {
    written: new Set(),
    failed: new Set(),
    dropped: new Set(),
  };
  // Taken from `head` on: a batch is one slice, and the array is compacted once half of it is spent,
  // so draining n events copies O(n) entries, not O(n²) (a 1M-event burst took 30 s when every batch
  // copied the rest of the queue).
  private queue: Pending[] = [];
  private head = 0;
  // Runs a task in the trail's own async context: batches are written for many requests, so no write
  // may carry the context (a logger's request id) of the request that happened to start it.
  private readonly context = new AsyncResource('StewardAuditTrail');
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private droppedCount = 0;
  private writtenCount = 0;
  private failedCount = 0;

  constructor(options: AuditTrailOptions) {
    const checker = new OptionChecker(auditOptionsSubject);
    const sinks = options?.sinks;
    if (!Array.isArray(sinks) || sinks.length === 0) checker.add('sinks', 'must list at least one sink');
    else {
      const names = new Set<string>();
      sinks.forEach((sink: AuditSink, i) => {
        if (
          !sink ||
          typeof sink.write !== 'function' ||
          typeof sink.name !== 'string' ||
          sink.name.length === 0
        ) {
          checker.add(`sinks[${i}]`, 'must be an AuditSink { name, write(records) }');
        } else if (names.has(sink.name)) {
          checker.add(`sinks[${i}].name`, `duplicate sink name ${JSON.stringify(sink.name)}`);
        } else names.add(sink.name);
      });
    }
    checker.integer('queueSize', options?.queueSize, 1, 10_000_000);
    checker.integer('batchSize', options?.batchSize, 1, 10_000);
    checker.integer('flushIntervalMs', options?.flushIntervalMs, 1, 3_600_000);
    checker.integer('writeTimeoutMs', options?.writeTimeoutMs, 1, 3_600_000);
    checker.integer('maxFieldLength', options?.maxFieldLength, 16, 65_536);
    checker.integer('maxEventLength', options?.maxEventLength, 256, 1_048_576);
    if (options?.now !== undefined && typeof options.now !== 'function')
      checker.add('now', 'must be a function');
    const checkpoints = options?.checkpoints;
    if (checkpoints !== undefined) {
      if (typeof checkpoints?.signer?.sign !== 'function') {
        checker.add('checkpoints.signer', 'must be an AuditCheckpointSigner');
      }
      checker.integer('checkpoints.everyRecords', checkpoints?.everyRecords, 1, 10_000_000);
      checker.integer('checkpoints.everyMs', checkpoints?.everyMs, 100, 86_400_000);
      if (checkpoints?.anchor !== undefined && typeof checkpoints.anchor?.latest !== 'function') {
        checker.add('checkpoints.anchor', 'must be an AuditCheckpointAnchor { store(), latest() }');
      }
    }
    checker.throwIfAny();

    this.signer = checkpoints?.signer;
    this.anchor = checkpoints?.anchor;
    this.checkpointEvery = checkpoints?.everyRecords ?? 1_000;
    this.checkpointMs = checkpoints?.everyMs ?? 60_000;
    this.sinks = options.sinks.map((sink) => ({
      sink,
      tail: null,
      written: 0,
      failed: 0,
      checkpointing:
        this.signer !== undefined &&
        typeof (sink as Partial<CheckpointingAuditSink>).writeCheckpoint === 'function',
      sealed: -1,
      sig: null,
      sealedAt: 0,
    }));
    this.queueSize = options.queueSize ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.maxFieldLength = options.maxFieldLength ?? 512;
    this.maxEventLength = options.maxEventLength ?? 4_096;
    this.now = options.now ?? Date.now;
    if (this.sinks.some((s) => s.checkpointing)) {
      // Seals what was written since the last checkpoint, also while no new event arrives.
      this.checkpointTimer = setInterval(() => {
        this.sealDue = true;
        void this.startPump(true);
      }, this.checkpointMs);
      this.checkpointTimer.unref?.();
    }
  }

  /** Queues an event (sanitized now, so later changes to the object do not leak in). Drops and counts it when the queue is full. */
  record(event: AuditEventInput): void {
    if (this.closing || this.queued >= this.queueSize) {
      this.drop();
      return;
    }
    this.queue.push({ event: this.prepare(event) });
    this.context.runInAsyncScope(() => this.schedule());
  }

  /**
   * Queues an event for a privileged action and resolves once every sink stored it; rejects with
   * `AuditWriteError` otherwise, so the caller can refuse the action (fail closed). It may use up to
   * `queueSize` places beyond the normal bound, so a flood of ordinary events cannot starve it.
   */
  recordDurable(event: AuditEventInput): Promise<void> {
    if (this.closing) return Promise.reject(new AuditWriteError([], trailClosed));
    if (this.queued >= this.queueSize * 2) return Promise.reject(new AuditWriteError([], queueFull));
    let prepared: AuditEvent;
    try {
      prepared = this.prepare(event);
    } catch (error) {
      return Promise.reject(new AuditWriteError([], undefined, { cause: error }));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event: prepared, resolve, reject });
      this.context.runInAsyncScope(() => void this.startPump());
    });
  }

  /** Writes everything queued so far; resolves when each event was stored or failed (never rejects). */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.queued > 0 || this.pumping) await this.startPump();
  }

  /**
   * Flushes for at most `writeTimeoutMs` more than the batch in flight (what is still queued then is
   * dropped, durable events rejected), then closes every sink. Later events are dropped (and durable
   * ones rejected). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Without a budget a dead sink costs writeTimeoutMs per queued batch, and the shutdown would wait for all.
      const budget = setTimeout(() => this.abandonQueue(), this.writeTimeoutMs);
      try {
        await this.flush();
        // A cleanly closed sink ends with a checkpoint sealing everything it holds.
        if (this.checkpointTimer !== undefined) clearInterval(this.checkpointTimer);
        for (const state of this.sinks) {
          if (state.checkpointing && state.tail && state.tail.seq > state.sealed) await this.seal(state);
        }
      } finally {
        clearTimeout(budget);
      }
      // Bounded like a write: a sink that never finishes closing must not hold up the app's shutdown.
      const anchor = this.anchor;
      await Promise.allSettled([
        ...this.sinks.map(({ sink }) =>
          sink.close
            ? this.bounded(
                sink.name,
                Promise.resolve().then(() => sink.close!()),
              )
            : undefined,
        ),
        // The anchor is closed like a sink: the trail owns what it was given.
        anchor?.close
          ? this.bounded(
              anchor.name,
              Promise.resolve().then(() => anchor.close!()),
            )
          : undefined,
      ]);
      this.context.emitDestroy();
    })();
    return this.closing;
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Events waiting to be written. */
  private get queued(): number {
    return this.queue.length - this.head;
  }

  /** A snapshot of the counters. */
  stats(): AuditTrailStats {
    const sinks: Record<string, { written: number; failed: number }> = {};
    for (const s of this.sinks) sinks[s.sink.name] = { written: s.written, failed: s.failed };
    return {
      queued: this.queued,
      dropped: this.droppedCount,
      written: this.writtenCount,
      failed: this.failedCount,
      sinks,
    };
  }

  /** Subscribes to `written`, `failed` or `dropped`; returns the unsubscribe function. */
  on<K extends keyof AuditTrailEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners[event] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private prepare(event: AuditEventInput): AuditEvent {
    // Sinks index by time, so a missing or unparseable one becomes "now" rather than failing the write.
    const valid = typeof event.time === 'string' && !Number.isNaN(Date.parse(event.time));
    const withTime = valid ? event : { ...event, time: new Date(this.now()).toISOString() };
    return Object.freeze(
      sanitizeAuditEvent(withTime as AuditEvent, {
        maxFieldLength: this.maxFieldLength,
        maxEventLength: this.maxEventLength,
      }),
    );
  }

  /** Drops what is still queued (counted as dropped) and rejects its durable events. */
  private abandonQueue(): void {
    const abandoned = this.queue.slice(this.head);
    if (abandoned.length === 0) return;
    this.queue = [];
    this.head = 0;
    this.droppedCount += abandoned.length;
    this.emit('dropped', { count: abandoned.length, total: this.droppedCount });
    const error = new AuditWriteError([], trailClosed);
    for (const pending of abandoned) pending.reject?.(error);
  }

  private drop(): void {
    this.droppedCount++;
    this.emit('dropped', { count: 1, total: this.droppedCount });
  }

  private schedule(): void {
    if (this.pumping) return; // the running pump drains whatever arrives meanwhile
    if (this.queued >= this.batchSize) {
      this.startPump();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startPump();
      }, this.flushIntervalMs);
      // An idle trail must not keep the process alive; close() flushes what is left.
      this.timer.unref?.();
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private startPump(seal = false): Promise<void> {
    this.clearTimer();
    if (this.pumping) return this.pumping;
    if (this.queued === 0 && !seal) return Promise.resolve();
    this.pumping = this.pump();
    return this.pumping;
  }

  private async pump(): Promise<void> {
    // Yield once so `pumping` is assigned before the `finally` below can clear it.
    await Promise.resolve();
    try {
      while (this.queued > 0) await this.writeBatch();
      if (this.sealDue) {
        this.sealDue = false;
        for (const state of this.sinks) {
          if (state.checkpointing && state.tail && state.tail.seq > state.sealed) await this.seal(state);
        }
      }
    } finally {
      // Cleared in the same tick that saw the queue empty: an event queued right after starts a new pump.
      this.pumping = undefined;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue.slice(this.head, this.head + this.batchSize);
    this.head += batch.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const events = batch.map((p) => p.event);
    const failures = (await Promise.all(this.sinks.map((s) => this.writeTo(s, events)))).filter(
      (f): f is { sink: string; error: Error } => f !== undefined,
    );
    const error =
      failures.length > 0
        ? new AuditWriteError(
            failures.map((f) => f.sink),
            undefined,
            { cause: failures[0]!.error },
          )
        : undefined;
    for (const pending of batch) {
      if (error) pending.reject?.(error);
      else pending.resolve?.();
    }
  }

  /** Writes one batch to one sink; never rejects. */
  private async writeTo(
    state: SinkState,
    events: readonly AuditEvent[],
  ): Promise<{ sink: string; error: Error } | undefined> {
    const { sink } = state;
    try {
      if (state.tail === null) {
        const tailing = sink as Partial<TailingAuditSink>;
        const found =
          typeof tailing.tail === 'function' ? await this.bounded(sink.name, tailing.tail()) : undefined;
        if (state.checkpointing) await this.checkAnchor(state, found);
        state.sealed = found?.checkpoint?.seq ?? -1;
        state.sig = found?.checkpoint?.sig ?? null;
        state.sealedAt = this.now();
        state.tail = found;
      }
      const { records, tail } = chainAuditEvents(events, state.tail);
      await this.bounded(sink.name, sink.write(records));
      state.tail = tail;
      if (state.checkpointing && tail && tail.seq - state.sealed >= this.checkpointEvery)
        await this.seal(state);
      state.written += records.length;
      this.writtenCount += records.length;
      this.emit('written', { sink: sink.name, count: records.length });
      return undefined;
    } catch (cause) {
      // Re-read the sink's tail before the next batch: part of this one may have been stored.
      state.tail = null;
      state.failed += events.length;
      this.failedCount += events.length;
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.emit('failed', { sink: sink.name, count: events.length, error });
      return { sink: sink.name, error };
    }
  }

  /** Signs a checkpoint sealing the sink's chain where it ends, stores it in the sink, then in the anchor. */
  private async seal(state: SinkState): Promise<void> {
    const tail = state.tail;
    if (!tail || !this.signer) return;
    const sink = state.sink as CheckpointingAuditSink;
    const checkpoint = this.signer.sign({
      sink: sink.name,
      seq: tail.seq,
      count: tail.seq + 1,
      hash: tail.hash,
      time: new Date(this.now()).toISOString(),
      prev: state.sig,
    });
    try {
      await this.bounded(sink.name, sink.writeCheckpoint(checkpoint));
    } catch (cause) {
      state.tail = null; // read the sink again before the next write
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.emit('failed', { sink: sink.name, count: 0, error });
      return;
    }
    state.sealed = tail.seq;
    state.sig = checkpoint.sig;
    state.sealedAt = this.now();
    if (!this.anchor) return;
    try {
      await this.bounded(this.anchor.name, this.anchor.store(checkpoint));
    } catch (cause) {
      // The checkpoint is in the sink; a missing anchor copy only weakens the truncation check.
      const error = cause instanceof Error ? cause : new Error(String(cause));
      this.emit('failed', { sink: this.anchor.name, count: 0, error });
    }
  }

  /**
   * Refuses to continue a sink whose stored chain ends before the anchor's last checkpoint for it (a
   * shortened or replaced file): writing on would hide the removal. Fails closed until an operator looks.
   */
  private async checkAnchor(state: SinkState, found: AuditChainTail | undefined): Promise<void> {
    if (!this.anchor) return;
    const latest = await this.bounded(this.anchor.name, this.anchor.latest(state.sink.name));
    if (!latest) return;
    const own = found?.checkpoint;
    const sealed = latest.checkpoint.seq;
    if (own === undefined || own.seq < sealed || (own.seq === sealed && own.sig !== latest.sig)) {
      throw new AuditChainError(anchorAhead(state.sink.name, sealed, found?.seq ?? -1));
    }
  }

  private bounded<T>(sink: string, promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AuditWriteError([sink], writeTimedOut(sink, this.writeTimeoutMs))),
        this.writeTimeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private emit<K extends keyof AuditTrailEvents>(event: K, payload: AuditTrailEvents[K]): void {
    for (const listener of this.listeners[event] as Set<Listener<K>>) {
      try {
        listener(payload);
      } catch {
        // A metrics or logging listener must never break auditing.
      }
    }
  }
}
