import { connect, type Socket } from 'node:net';
import type { TcpConnectOptions } from './interfaces/tcp-connect.interface.js';
import { ConnectTimeoutError } from './net.errors.js';

/**
 * Opens a TCP connection and resolves with the connected socket. On abort, timeout or error the
 * socket is destroyed before the promise rejects, so a failed connect never leaves a handle behind.
 * Once resolved, the socket (and its `'error'` events) belong to the caller.
 */
export function tcpConnect(options: TcpConnectOptions): Promise<Socket> {
  const { signal, timeoutMs, ...connectOptions } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(connectOptions);
    let timer: NodeJS.Timeout | undefined;
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
    };
    const fail = (error: unknown): void => {
      settle();
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      settle();
      resolve(socket);
    };
    const onError = (error: Error): void => fail(error);
    const onAbort = (): void => fail(signal?.reason);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () => fail(new ConnectTimeoutError(`${options.host}:${options.port}`, timeoutMs)),
        timeoutMs,
      );
    }
  });
}
