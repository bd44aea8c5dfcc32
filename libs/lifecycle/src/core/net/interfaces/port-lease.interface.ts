import type { Server } from 'node:net';

/** Options of `allocatePort`. */
export interface AllocatePortOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /**
   * Your own (not yet listening) server to bind to port 0; the lease then holds it, so there is
   * nothing to hand off. Without it a placeholder `net.Server` holds the port.
   */
  server?: Server;
  /** Gives up the bind when aborted. */
  signal?: AbortSignal;
}

/** Who holds the port: the lease, the server it was handed to, or nobody. */
export type PortLeaseState = 'held' | 'handed-off' | 'closed';
