/**
 * The channel between `processFactory` and a worker: newline-delimited JSON over a Unix socket whose
 * path is in `STEWARD_WORKER_SOCKET`. The worker listens there, prints `WORKER_READY_LINE` on stdout,
 * answers each `{ id, payload }` with `{ id, ok: true, result }` or `{ id, ok: false, error }`, answers
 * `{ id, ping: true }` with `{ id, ok: true, result: 'pong' }`, and exits when the channel closes.
 */
export const WORKER_SOCKET_ENV = 'STEWARD_WORKER_SOCKET';

/** What a worker prints once it listens. */
export const WORKER_READY_LINE = 'steward-worker-ready';

/** A request from the pool to a worker. */
export type WorkerRequestMessage = { id: number; payload: unknown } | { id: number; ping: true };

/** A worker's answer. */
export type WorkerResponseMessage =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
