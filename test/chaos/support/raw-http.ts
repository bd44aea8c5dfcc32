import { connect } from 'node:net';

/** What came back for a raw request: the status (0 when the connection ended without one) and the body. */
export interface RawReply {
  readonly status: number;
  readonly head: string;
  readonly body: string;
  /** Socket error code when the connection failed before a full response. */
  readonly error?: string;
}

/**
 * Writes `bytes` as they are onto a fresh connection and reads until the server closes it: requests
 * that Node's own HTTP client refuses to send (control characters, bad framing, oversized heads).
 * `localAddress` (any of 127.0.0.0/8) picks the client address the server sees.
 */
export function rawRequest(
  port: number,
  bytes: Buffer | string,
  options: { timeoutMs?: number; localAddress?: string } = {},
): Promise<RawReply> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    // Another loopback source address looks like another client to per-IP throttling.
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end >= 0 ? text.slice(0, end) : text;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: end >= 0 ? text.slice(end + 4) : '', ...(status === 0 && { error }) });
    };
    const timer = setTimeout(() => finish('TIMEOUT'), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish('CLOSED'));
    // A server may answer (413, 431) and close while a large request is still being written.
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.write(bytes);
  });
}

/** A request head and body as bytes; `Connection: close` so the server ends the exchange. */
export function rawHttp(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body as string, 'latin1');
  if (body !== undefined) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}
