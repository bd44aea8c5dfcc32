import type { TcpSocketConnectOpts } from 'node:net';

/** Options of `tcpConnect`: any `net.connect` TCP option, plus cancellation and a deadline. */
export interface TcpConnectOptions extends Omit<TcpSocketConnectOpts, 'signal' | 'timeout'> {
  host: string;
  port: number;
  /** Aborting it destroys the socket and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Destroys the socket and rejects with `ConnectTimeoutError` if not connected by then. */
  timeoutMs?: number;
}
