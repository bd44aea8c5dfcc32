/** Settings of `tcpFactory`. */
export interface TcpFactoryOptions {
  host: string;
  port: number;
  /** Bound on the TCP handshake, on top of the pool's `createTimeoutMs` (default 10 000). */
  connectTimeoutMs?: number;
  /** TCP keepalive probe delay in ms; 0 disables (default 30 000). */
  keepAliveMs?: number;
  /** Disable Nagle (default true). */
  noDelay?: boolean;
}
