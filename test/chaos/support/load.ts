import { Agent, request } from 'node:http';

/** The outcome of one request of a load run. */
export interface Outcome {
  /** ms since the run started, when the request was sent. */
  readonly sentAt: number;
  /** ms since the run started, when it ended. */
  readonly endedAt: number;
  readonly status?: number;
  /** Socket-level error code (ECONNREFUSED, ECONNRESET, …) when no response came. */
  readonly error?: string;
  /** Whether a socket was connected when the request was written (the server accepted it). */
  readonly connected: boolean;
  /** Whether the request went out on a kept-alive socket that an earlier request used. */
  readonly reused: boolean;
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Stops by itself after this long; `stop()` ends it earlier. */
  maxDurationMs: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per-request timeout; a request that takes longer counts as an error 'TIMEOUT'. */
  requestTimeoutMs?: number;
  /** A client pauses this long after a socket error (a refused port is not a busy loop); default 0. */
  pauseOnErrorMs?: number;
}

export interface LoadRun {
  readonly outcomes: Outcome[];
  /** Ends the loops after their in-flight requests; resolves once all have ended. */
  stop(): Promise<Outcome[]>;
  readonly done: Promise<Outcome[]>;
}

/** `concurrency` keep-alive clients each sending requests back to back: bounded in count of loops and in time. */
export function startLoad(options: LoadOptions): LoadRun {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const outcomes: Outcome[] = [];
  const started = performance.now();
  let stopping = false;
  const deadline = setTimeout(() => (stopping = true), options.maxDurationMs);

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const sentAt = performance.now() - started;
      let connected = false;
      let settled = false;
      const finish = (status?: number, error?: string): void => {
        if (settled) return;
        settled = true;
        outcomes.push({
          sentAt,
          endedAt: performance.now() - started,
          status,
          error,
          connected,
          reused: req.reusedSocket,
        });
        if (error !== undefined && options.pauseOnErrorMs) setTimeout(resolve, options.pauseOnErrorMs);
        else resolve();
      };
      const req = request(
        options.url,
        {
          method: options.method ?? 'GET',
          headers: options.headers,
          agent,
          timeout: options.requestTimeoutMs ?? 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => finish(res.statusCode));
          res.on('error', () => finish(res.statusCode, 'RESPONSE_ABORTED'));
        },
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => finish(undefined, error.code ?? error.message));
      req.end(options.body);
    });

  const loop = async (): Promise<void> => {
    while (!stopping) await one();
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, loop)).then(() => {
    clearTimeout(deadline);
    agent.destroy();
    return outcomes;
  });
  return {
    outcomes,
    done,
    stop: () => {
      stopping = true;
      return done;
    },
  };
}

/** Counts outcomes by status code or error code. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status !== undefined ? String(o.status) : (o.error ?? 'unknown');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
