import { Injectable } from '@nestjs/common';

/**
 * Whether the app is shutting down. `begin()` flips it synchronously on the shutdown signal, so the
 * readiness probe answers 503 from the very next request; its `signal` aborts a start in progress.
 */
@Injectable()
export class ShutdownState {
  private readonly controller = new AbortController();
  private beganAt?: number;
  private why?: string;

  /** True from the first shutdown signal (or close) on. */
  get isShuttingDown(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborts when the shutdown begins; hand it to anything that should give up then. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** `performance.now()` when the shutdown began. */
  get startedAt(): number | undefined {
    return this.beganAt;
  }

  /** What started the shutdown (`SIGTERM`, `close`…). */
  get reason(): string | undefined {
    return this.why;
  }

  /** Marks the shutdown as begun; true for the first call only. */
  begin(reason: string): boolean {
    if (this.controller.signal.aborted) return false;
    this.beganAt = performance.now();
    this.why = reason;
    this.controller.abort(new Error(`shutdown: ${reason}`));
    return true;
  }
}
