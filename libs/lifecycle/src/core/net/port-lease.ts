import { createServer, type Server, type Socket } from 'node:net';
import type { AllocatePortOptions, PortLeaseState } from './interfaces/port-lease.interface.js';
import { PortLeaseError } from './net.errors.js';

/**
 * A port bound with `listen(0)` whose listening handle is kept, so no other process can take the
 * port between "find a free port" and "bind it" (the probe-then-bind race).
 *
 * To serve on it without a rebind window, either pass your own server to `allocatePort({ server })`,
 * or call `lease.listen(yourServer)`: your server adopts the very same listening handle.
 * `handOff()` gives you the placeholder `net.Server` itself (e.g. to send to a child over IPC).
 */
export class PortLease implements AsyncDisposable {
  private currentState: PortLeaseState = 'held';
  private closing?: Promise<void>;

  /** @internal Use `allocatePort()`. */
  constructor(
    /** The listening server that holds the port (after hand-off, do not use it). */
    readonly server: Server,
    /** The bound port. */
    readonly port: number,
    /** The bound interface. */
    readonly host: string,
    private readonly placeholder: boolean,
  ) {}

  /** `held` until handed off or closed. */
  get state(): PortLeaseState {
    return this.currentState;
  }

  /**
   * Makes `target` listen on the leased handle (no close-then-bind gap); the lease is then handed off
   * and `target` owns the port: closing `target` releases it.
   */
  listen<S extends Server>(target: S): Promise<S> {
    this.assertHeld();
    if (target === this.server) {
      this.currentState = 'handed-off';
      return Promise.resolve(target);
    }
    // Handed off from now on, so a concurrent close() cannot pull the handle from under `target`.
    this.release();
    return new Promise<S>((resolve, reject) => {
      const onError = (error: unknown): void => {
        target.off('error', onError);
        this.reclaim();
        reject(error);
      };
      target.once('error', onError);
      try {
        // Node documents listen(handle): `target` takes over the placeholder's bound socket.
        target.listen(this.server, () => {
          target.off('error', onError);
          resolve(target);
        });
      } catch (error) {
        onError(error);
      }
    });
  }

  /** Returns the listening server and transfers its ownership: the lease no longer closes it. */
  handOff(): Server {
    this.assertHeld();
    this.release();
    return this.server;
  }

  /** Closes the listening handle and frees the port (no-op once handed off or closed). */
  close(): Promise<void> {
    if (this.currentState !== 'held') return this.closing ?? Promise.resolve();
    this.currentState = 'closed';
    this.closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // A user server given to allocatePort may hold keep-alive sockets; the lease is its owner.
      (this.server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    return this.closing;
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The hand-off failed: the lease owns the port again, so close() still frees it. */
  private reclaim(): void {
    this.currentState = 'held';
    if (this.placeholder) this.server.on('connection', refuse);
  }

  private release(): void {
    this.currentState = 'handed-off';
    if (this.placeholder) this.server.off('connection', refuse);
  }

  private assertHeld(): void {
    if (this.currentState !== 'held') throw new PortLeaseError(this.currentState);
  }
}

/** Binds a free port with `listen(0)` on `host` (default 127.0.0.1) and keeps the handle. */
export function allocatePort(options: AllocatePortOptions = {}): Promise<PortLease> {
  const host = options.host ?? '127.0.0.1';
  const placeholder = options.server === undefined;
  const server = options.server ?? createServer();
  // Nobody serves on a placeholder: a client that connects early is cut off instead of hanging.
  if (placeholder) server.on('connection', refuse);
  return new Promise<PortLease>((resolve, reject) => {
    const signal = options.signal;
    const cleanup = (): void => {
      server.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onError = (error: Error): void => {
      cleanup();
      if (placeholder) server.off('connection', refuse);
      reject(error);
    };
    const onAbort = (): void => {
      cleanup();
      if (placeholder) server.off('connection', refuse);
      server.close();
      reject(signal?.reason);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    server.once('error', onError);
    server.listen({ port: 0, host }, () => {
      cleanup();
      if (signal?.aborted) return;
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new TypeError(`listen(0) on ${host} gave no TCP address`));
        return;
      }
      resolve(new PortLease(server, address.port, host, placeholder));
    });
  });
}

function refuse(socket: Socket): void {
  socket.destroy();
}
