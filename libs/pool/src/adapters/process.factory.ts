import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from '@steward/lifecycle/core';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import type { ProcessFactoryOptions } from './interfaces/process-factory-options.interface.js';
import { WORKER_READY_LINE, WORKER_SOCKET_ENV } from './worker-protocol.js';
import { WorkerProcess } from './worker-process.js';

const BROKEN_CODES = new Set(['POOL_WORKER_CRASHED', 'POOL_WORKER_TIMEOUT']);

/** True when an error from `WorkerProcess.request` means the worker is gone or stuck. */
export function isWorkerBroken(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && BROKEN_CODES.has(code);
}

/**
 * A pool of worker processes built on `ManagedProcess` (own process group, readiness handshake,
 * SIGTERM then SIGKILL): each worker gets a private Unix socket for requests (see `worker-protocol`).
 */
export function processFactory(options: ProcessFactoryOptions): ResourceFactory<WorkerProcess> {
  const {
    name = 'worker',
    command = process.execPath,
    args,
    env = { PATH: process.env.PATH },
    cwd,
    startTimeoutMs = 10_000,
    killTimeoutMs = 2_000,
    requestTimeoutMs = 30_000,
    maxMessageBytes = 1024 * 1024,
  } = options;
  let spawned = 0;

  return {
    async create(signal: AbortSignal): Promise<WorkerProcess> {
      if (signal.aborted) throw signal.reason;
      const unit = `${name}-${++spawned}`;
      // A private 0700 directory: no other local user can reach the socket.
      const dir = await mkdtemp(join(tmpdir(), 'steward-worker-'));
      const socketPath = join(dir, 'channel.sock');
      let child: ManagedProcess | undefined;
      try {
        // Built inside the try: options it rejects must not leave the directory behind.
        child = new ManagedProcess({
          name: unit,
          command,
          args,
          cwd,
          env: { ...env, [WORKER_SOCKET_ENV]: socketPath },
          readiness: { type: 'stdout', match: WORKER_READY_LINE },
          startTimeoutMs,
          killTimeoutMs,
          // The pool replaces dead workers; a restart inside the resource would hide the failure.
          restart: 'never',
        });
        await child.start(signal);
        const socket = await connectUnix(socketPath, signal);
        return new WorkerProcess(unit, child, socket, dir, requestTimeoutMs, maxMessageBytes);
      } catch (error) {
        // The create's own error is what the pool reports; cleanup failures must not replace it.
        await child?.stop().catch(() => undefined);
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw error;
      }
    },

    destroy: (worker: WorkerProcess) => worker.close(),

    validate: (worker: WorkerProcess, signal: AbortSignal) =>
      worker.alive ? worker.ping(signal) : Promise.resolve(false),

    isBroken: isWorkerBroken,
  };
}

function connectUnix(path: string, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(path);
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
