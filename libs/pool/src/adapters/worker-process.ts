import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { ManagedProcess } from '@steward/lifecycle/core';
import { WorkerCrashedError, WorkerRequestError, WorkerTimeoutError } from './adapter.errors.js';
import type { WorkerResponseMessage } from './worker-protocol.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  cleanup: () => void;
}

/** Options of one `WorkerProcess.request`. */
export interface WorkerRequestOptions {
  signal?: AbortSignal;
  /** Overrides the factory's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** One pooled worker process: a `ManagedProcess` plus a request/response channel. */
export class WorkerProcess implements AsyncDisposable {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer = '';
  private dead = false;
  private closing: Promise<void> | undefined = undefined;

  constructor(
    /** Unit name, e.g. `hash-3`. */
    readonly name: string,
    private readonly process: ManagedProcess,
    private readonly socket: Socket,
    private readonly dir: string,
    private readonly requestTimeoutMs: number,
    private readonly maxMessageBytes: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    // The socket closes when the worker exits for any reason: fail what is in flight, never crash.
    socket.on('error', () => this.fail());
    socket.on('close', () => this.fail());
  }

  /** True while the process and its channel are up. */
  get alive(): boolean {
    return !this.dead && !this.socket.destroyed;
  }

  /** The OS process id, while it runs. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Sends `payload` to the worker and resolves with its result. */
  request<R = unknown>(payload: unknown, options: WorkerRequestOptions = {}): Promise<R> {
    return this.send({ payload }, options) as Promise<R>;
  }

  /** Resolves true when the worker answers a ping in time. */
  async ping(signal?: AbortSignal): Promise<boolean> {
    try {
      return (await this.send({ ping: true }, { signal })) === 'pong';
    } catch {
      return false;
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL to its group) and removes its socket directory. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.fail();
      this.socket.destroy();
      try {
        await this.process.stop();
      } finally {
        await rm(this.dir, { recursive: true, force: true });
      }
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private send(
    message: { payload: unknown } | { ping: true },
    options: WorkerRequestOptions,
  ): Promise<unknown> {
    if (!this.alive) return Promise.reject(new WorkerCrashedError(this.name));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => {
        this.settle(id)?.reject(signal!.reason as Error);
        // The worker may still be busy with it: the next validate or borrow must not trust it.
        this.poison();
      };
      const timer = setTimeout(() => {
        this.settle(id)?.reject(new WorkerTimeoutError(this.name, timeoutMs));
        this.poison();
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve,
        reject,
        timer,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.socket.write(`${JSON.stringify({ id, ...message })}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.onMessage(line);
      newline = this.buffer.indexOf('\n');
    }
    // A worker that streams without newlines would grow this forever.
    if (this.buffer.length > this.maxMessageBytes) this.poison();
  }

  private onMessage(line: string): void {
    let message: WorkerResponseMessage;
    try {
      message = JSON.parse(line) as WorkerResponseMessage;
    } catch {
      this.poison();
      return;
    }
    const pending = this.settle(message.id);
    if (!pending) return;
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new WorkerRequestError(String(message.error)));
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.cleanup();
    return pending;
  }

  /** Marks the worker unusable and cuts its channel; the pool destroys it. */
  private poison(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private fail(): void {
    this.dead = true;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new WorkerCrashedError(this.name));
  }
}
