import { BadRequestException, Catch, Injectable, type ArgumentsHost } from '@nestjs/common';
import { PoolUnavailableFilter } from '@steward/pool';

/** What a client that sent a body that is not JSON reads instead of the parser's own message. */
export const MALFORMED_BODY_MESSAGE = 'The request body is not valid JSON.';

/**
 * The demo's one global filter (one, so no order between catch-all filters to get wrong): pool outages
 * answer 503 as in `PoolUnavailableFilter`, and a body that is not JSON gets a fixed 400 message,
 * because the JSON parser's message quotes the body back, which may carry a password.
 */
@Injectable()
@Catch()
export class DemoExceptionFilter extends PoolUnavailableFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(
      isMalformedBody(exception) ? new BadRequestException(MALFORMED_BODY_MESSAGE) : exception,
      host,
    );
  }
}

function isMalformedBody(exception: unknown): boolean {
  // By name, not instanceof: the parser's SyntaxError may come from another realm (Jest's vm).
  return (
    exception instanceof BadRequestException && (exception.cause as Error | undefined)?.name === 'SyntaxError'
  );
}
