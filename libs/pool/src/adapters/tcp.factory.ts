import { Socket } from 'node:net';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import { abortReason } from './abort-reason.js';
import { AdapterMessages } from './adapter.messages.js';
import { hasBrokenErrno } from './broken-errno.js';
import type { TcpFactoryOptions } from './interfaces/tcp-factory-options.interface.js';

/** True when a socket error means the connection is gone. */
export function isTcpConnectionError(error: unknown): boolean {
  return hasBrokenErrno(error);
}

/** A `net.Socket` factory to one host:port: the socket is destroyed on abort or connect timeout, never left half-open. */
export function tcpFactory(options: TcpFactoryOptions): ResourceFactory<Socket> {
  const { host, port, connectTimeoutMs = 10_000, keepAliveMs = 30_000, noDelay = true } = options;

  return {
    create(signal: AbortSignal): Promise<Socket> {
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<Socket>((resolve, reject) => {
        const socket = new Socket();
        const fail = (error: Error): void => {
          cleanup();
          socket.destroy();
          reject(error);
        };
        const onError = (error: Error): void => fail(error);
        const onAbort = (): void => fail(abortReason('tcp', signal));
        const timer = setTimeout(
          () => fail(new Error(AdapterMessages.connectTimeout('tcp', connectTimeoutMs))),
          connectTimeoutMs,
        );
        const onConnect = (): void => {
          cleanup();
          // A pooled socket that dies while idle must not crash the process; validate() sees it destroyed.
          socket.on('error', () => socket.destroy());
          resolve(socket);
        };
        function cleanup(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          socket.off('error', onError);
          socket.off('connect', onConnect);
        }
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('error', onError);
        socket.once('connect', onConnect);
        socket.setNoDelay(noDelay);
        if (keepAliveMs > 0) socket.setKeepAlive(true, keepAliveMs);
        socket.connect(port, host);
      });
    },

    async destroy(socket: Socket): Promise<void> {
      socket.destroy();
    },

    async validate(socket: Socket): Promise<boolean> {
      return !socket.destroyed && socket.readyState === 'open';
    },

    isBroken: isTcpConnectionError,
  };
}
