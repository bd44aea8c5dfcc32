import { Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import type {
  DrainOptions,
  DrainResult,
  ManagedServerEvents,
  ManagedServerOptions,
  ManagedServerState,
} from './interfaces/managed-server.interface.js';
import { OptionChecker } from '@steward/common';
import { SafeEmitter } from './safe-emitter.js';

type AnyServer = NetServer | HttpServer | HttpsServer;
type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Tracks the connections of a `net`, `http` or `https` server and drains it: stop accepting, send
 * `Connection: close` on in-flight responses, close idle keep-alive sockets now and busy ones as soon
 * as their last response finishes, destroy what is left at the deadline.
 *
 * Wrap the server before it accepts traffic (e.g. right after `NestFactory.create`, with
 * `app.getHttpServer()`): connections accepted earlier are not tracked.
 */
export class ManagedServer implements AsyncDisposable {
  /** Label used in events and metrics. */
  readonly name: string;
  private readonly events: SafeEmitter<ManagedServerEvents>;
  /** Every accepted TCP socket: the connection count and what the deadline destroys. */
  private readonly sockets = new Set<Socket>();
  /** Sockets that carry HTTP (the TLS socket for https), with their unfinished responses. */
  private readonly inFlight = new Map<Socket, Set<ServerResponse>>();
  private readonly isHttp: boolean;
  private currentState: ManagedServerState = 'serving';
  private drainPromise?: Promise<DrainResult>;
  private closedIdle = 0;
  private destroyedCount = 0;
  private readonly closing = new WeakSet<Socket>();
  private refused = 0;
  /** https only: raw sockets whose TLS handshake completed (the rest are idle by definition). */
  private readonly secured = new WeakSet<Socket>();
  private readonly rawByPeer = new Map<string, Socket>();
  private settleCheck?: () => void;
  private readonly originalEmit?: Emit;

  constructor(
    /** The wrapped server. */
    readonly server: AnyServer,
    private readonly options: ManagedServerOptions = {},
  ) {
    this.name = options.name ?? 'server';
    const check = new OptionChecker(`server '${this.name}'`);
    check.number('drainTimeoutMs', options.drainTimeoutMs, 0);
    check.throwIfAny();
    this.events = new SafeEmitter<ManagedServerEvents>(options.onListenerError);
    this.isHttp = server instanceof HttpServer || server instanceof HttpsServer;
    server.on('connection', this.onConnection);
    if (server instanceof HttpsServer) server.on('secureConnection', this.onSecureConnection);
    if (this.isHttp) {
      // Requests are gated at dispatch: once draining, a request that reaches the parser (a pipelined
      // or late one) must not run the app, because its socket already promised `Connection: close`.
      const original = server.emit as Emit;
      this.originalEmit = original;
      server.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
        if (event === 'request' && !this.admit(args[0] as IncomingMessage, args[1] as ServerResponse))
          return true;
        return original.call(server, event, ...args);
      }) as typeof server.emit;
    }
  }

  /** Open connections right now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** `serving`, `draining` or `closed`. */
  get state(): ManagedServerState {
    return this.currentState;
  }

  /** Subscribes to `connection`, `close`, `draining`, `drained`, `refused`; returns the unsubscribe function. */
  on<K extends keyof ManagedServerEvents>(
    event: K,
    listener: (payload: ManagedServerEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof ManagedServerEvents>(
    event: K,
    listener: (payload: ManagedServerEvents[K]) => void,
  ): void {
    this.events.off(event, listener);
  }

  /**
   * Stops accepting and closes connections gracefully, destroying the rest at `timeoutMs` (or when
   * `signal` aborts). Idempotent: later calls return the first call's promise.
   */
  drain(options: DrainOptions): Promise<DrainResult> {
    if (!this.drainPromise) {
      const check = new OptionChecker(`server '${this.name}' drain`);
      check.number('timeoutMs', options.timeoutMs, 0);
      if (options.timeoutMs === undefined) check.add('timeoutMs', 'is required');
      try {
        check.throwIfAny();
      } catch (error) {
        // Rejects rather than throws: callers of a promise API handle one failure channel.
        return Promise.reject(error);
      }
    }
    this.drainPromise ??= this.runDrain(options);
    return this.drainPromise;
  }

  /** Drains with the configured `drainTimeoutMs`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.drain({ timeoutMs: this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS }).then(
      () => undefined,
    );
  }

  private async runDrain({ timeoutMs, signal }: DrainOptions): Promise<DrainResult> {
    this.currentState = 'draining';
    this.events.emit('draining', { server: this.name, connections: this.sockets.size });

    let listenerClosed = !this.server.listening;
    let deadlineReached = false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;

    const finished = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.sockets.size === 0 && (listenerClosed || deadlineReached)) resolve();
      };
      this.settleCheck = check;
      // Idle sockets first: http's close() destroys idle sockets itself, and we want them counted.
      this.closeIdleSockets();
      if (!listenerClosed) {
        this.server.close(() => {
          listenerClosed = true;
          check();
        });
      }
      const force = (): void => {
        if (deadlineReached) return;
        deadlineReached = true;
        this.destroyAll();
        check();
      };
      timer = setTimeout(force, timeoutMs);
      if (signal) {
        onAbort = force;
        if (signal.aborted) force();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      check();
    });

    await finished;
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    this.settleCheck = undefined;
    this.currentState = 'closed';
    if (this.originalEmit) this.server.emit = this.originalEmit as typeof this.server.emit;

    const result: DrainResult = {
      forced: this.destroyedCount > 0,
      closedIdle: this.closedIdle,
      destroyed: this.destroyedCount,
      refused: this.refused,
    };
    this.events.emit('drained', { server: this.name, ...result });
    return result;
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.currentState === 'closed') {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.inFlight.delete(socket);
      this.events.emit('close', { server: this.name, connections: this.sockets.size });
      this.settleCheck?.();
    });
    this.events.emit('connection', { server: this.name, connections: this.sockets.size });
    if (this.server instanceof HttpsServer) {
      // The TLS socket comes later and only exposes its raw socket internally; the peer address links them.
      const key = peerKey(socket);
      this.rawByPeer.set(key, socket);
      socket.once('close', () => this.rawByPeer.delete(key));
      if (this.currentState === 'draining') this.closeIdle(socket, true);
    } else if (this.isHttp) this.onHttpSocket(socket);
    else if (!this.isHttp && this.currentState === 'draining') {
      // A raw net server has no notion of idle; a connection accepted while draining is simply not wanted.
      socket.destroy();
    }
  };

  private readonly onSecureConnection = (socket: Socket): void => {
    const raw = this.rawByPeer.get(peerKey(socket));
    if (raw) this.secured.add(raw);
    this.onHttpSocket(socket);
  };

  private readonly onHttpSocket = (socket: Socket): void => {
    this.inFlight.set(socket, new Set());
    socket.once('close', () => this.inFlight.delete(socket));
    // A connection that slipped in while draining has nothing in flight: it is idle by definition.
    if (this.currentState === 'draining') this.closeIdle(socket);
  };

  /** Tracks the response; returns false when the request must not reach the app. */
  private admit(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket;
    if (this.currentState !== 'serving') {
      this.refused++;
      this.events.emit('refused', { server: this.name });
      // Its socket is closed once the responses before it finish (they carry `Connection: close`).
      if ((this.inFlight.get(socket)?.size ?? 0) === 0) this.closeIdle(socket);
      return false;
    }
    let pending = this.inFlight.get(socket);
    if (!pending) this.inFlight.set(socket, (pending = new Set()));
    pending.add(res);
    const done = (): void => {
      pending.delete(res);
      if (this.currentState === 'draining' && pending.size === 0) this.closeIdle(socket);
    };
    res.once('finish', done);
    res.once('close', done);
    return true;
  }

  private closeIdleSockets(): void {
    for (const [socket, pending] of this.inFlight) {
      if (pending.size === 0) {
        this.closeIdle(socket);
        continue;
      }
      for (const res of pending) {
        // Headers not sent yet: the client learns the connection ends with this response.
        if (!res.headersSent) res.setHeader('Connection', 'close');
      }
    }
    if (this.server instanceof HttpsServer) {
      // Still in the TLS handshake: no request yet, so idle too. The TLS layer owns the handle: destroy.
      for (const raw of this.rawByPeer.values()) if (!this.secured.has(raw)) this.closeIdle(raw, true);
    }
    // A plain TCP server has no request boundaries: its connections run until they end or the deadline.
  }

  private closeIdle(socket: Socket, destroy = false): void {
    if (socket.destroyed || this.closing.has(socket)) return;
    this.closing.add(socket);
    this.inFlight.delete(socket);
    this.closedIdle++;
    if (destroy) socket.destroy();
    else closeSoon(socket);
  }

  private destroyAll(): void {
    for (const socket of this.sockets) {
      if (socket.destroyed) continue;
      this.destroyedCount++;
      socket.destroy();
    }
    for (const socket of this.inFlight.keys()) if (!socket.destroyed) socket.destroy();
    // Connections accepted before this wrapper existed are unknown to it; Node's http server knows them.
    (this.server as Partial<HttpServer>).closeAllConnections?.();
  }
}

function peerKey(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** Ends the socket after what was written is flushed, then releases it. */
function closeSoon(socket: Socket): void {
  if (socket.writable) socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}
