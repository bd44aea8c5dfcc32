/** An RFC 9457 problem body. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
}

/** A problem to send: its body and the headers that go with it (`WWW-Authenticate`, `Retry-After`). */
export interface ProblemResponse {
  readonly body: ProblemDetails & { readonly errors?: readonly string[] };
  readonly headers: Readonly<Record<string, string>>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Writes a problem as `application/problem+json` on the raw response, past the HTTP adapter's `reply`
 * (Nest 11's Express adapter replaces a non-JSON content type and logs a WARN per response). Express
 * responses are Node's `ServerResponse`; a Fastify reply is written through its own API. A response
 * whose headers already went out is ended: too late for a status, and the client must not wait forever.
 */
export function sendProblem(response: unknown, problem: ProblemResponse): void {
  const json = JSON.stringify(problem.body);
  const headers = { ...problem.headers, 'Content-Type': PROBLEM_CONTENT_TYPE };
  const fastify = response as FastifyLikeReply;
  if (typeof fastify?.code === 'function' && typeof fastify.raw === 'object') {
    if (fastify.sent) return;
    // Fastify's `sent` stays false until the raw response ends: headers out means too late too.
    if (fastify.raw.headersSent) {
      fastify.raw.end();
      return;
    }
    fastify.code(problem.body.status).headers(headers).send(json);
    return;
  }
  const node = response as NodeLikeResponse;
  if (node.headersSent) {
    node.end();
    return;
  }
  node.statusCode = problem.body.status;
  for (const [name, value] of Object.entries(headers)) node.setHeader(name, value);
  node.setHeader('Content-Length', Buffer.byteLength(json));
  node.end(json);
}

interface FastifyLikeReply {
  readonly raw: { readonly headersSent?: boolean; end(): unknown };
  readonly sent?: boolean;
  code(status: number): FastifyLikeReply;
  headers(headers: Record<string, string>): FastifyLikeReply;
  send(body: string): unknown;
}

interface NodeLikeResponse {
  headersSent?: boolean;
  statusCode: number;
  setHeader(name: string, value: string | number): unknown;
  end(body?: string): unknown;
}
