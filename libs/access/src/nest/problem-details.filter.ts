import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ACCESS_MESSAGES } from './access.messages.js';
import { sendProblem, type ProblemDetails, type ProblemResponse } from '@steward/common';
import { AccessProblemException } from './access-problem.exception.js';

/**
 * The RFC 9457 problem for an `HttpException`: an access problem as it is; a body that is already a
 * problem as it is; otherwise the status, its standard title and the exception's message as `detail`
 * (a list of validation messages goes to `errors`). The message of a body parser's error is never
 * echoed: it may quote the body back.
 */
export function problemFor(exception: HttpException): ProblemResponse {
  if (exception instanceof AccessProblemException) {
    const { 'Content-Type': _type, ...headers } = exception.headers;
    return { body: exception.getResponse() as ProblemDetails, headers };
  }
  const status = exception.getStatus();
  const response = exception.getResponse();
  const title = STATUS_CODES[status] ?? 'Error';
  if (isProblem(response)) return { body: response, headers: {} };
  const message = typeof response === 'string' ? response : (response as { message?: unknown })?.message;
  const parserError = (exception.cause as Error | undefined)?.name === 'SyntaxError';
  const body: ProblemResponse['body'] = {
    type: 'about:blank',
    title,
    status,
    ...(parserError
      ? { detail: ACCESS_MESSAGES.malformedBody }
      : Array.isArray(message)
        ? { detail: ACCESS_MESSAGES.invalidRequest, errors: message.map(String) }
        : typeof message === 'string' && message !== title
          ? { detail: message }
          : {}),
  };
  return { body, headers: {} };
}

/**
 * Answers every `HttpException` as RFC 9457 problem+json, the same on Nest 11 and 12: access
 * problems with their headers, Nest's own 400/404/413 … with their status and message. AccessModule
 * registers it as a global filter (`problemDetails: false` leaves errors to the app). Other errors go
 * to the app's filters or Nest's default.
 */
@Catch(HttpException)
export class ProblemDetailsFilter implements ExceptionFilter<HttpException> {
  catch(exception: HttpException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    sendProblem(host.switchToHttp().getResponse(), problemFor(exception));
  }
}

function isProblem(value: unknown): value is ProblemDetails {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === 'string' && typeof v.title === 'string' && typeof v.status === 'number';
}
