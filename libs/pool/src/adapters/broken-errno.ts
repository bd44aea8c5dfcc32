// Socket errnos that mean the peer or the path to it is gone: the connection is not reusable.
const BROKEN_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENOTCONN',
]);

/** True when `error` carries a socket errno that ends a connection (reset, broken pipe, refused …). */
export function hasBrokenErrno(error: unknown): boolean {
  // Duck-typed, not instanceof: socket errors may come from another realm (vm, Jest).
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && BROKEN_ERRNOS.has(code);
}
