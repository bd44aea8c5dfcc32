import {
  BadRequestException,
  Catch,
  HttpException,
  Injectable,
  InternalServerErrorException,
  Logger,
  type ArgumentsHost,
} from '@nestjs/common';
import { problemFor } from '@steward/access';
import { sendProblem } from '@steward/common';
import { PoolUnavailableFilter } from '@steward/pool';

/** What a client that sent a body that is not JSON reads instead of the parser's own message. */
export const MALFORMED_BODY_MESSAGE = 'The request body is not valid JSON.';

/**
 * The demo's one catch-all filter (one, so no order between catch-all filters to get wrong): pool
 * outages answer 503 as in `PoolUnavailableFilter`; a body that is not JSON gets a fixed 400 message,
 * because the JSON parser's message quotes the body back, which may carry a password; any other error
 * that is not an `HttpException` answers a fixed 500 problem+json, its stack in the log only.
 * (`HttpException`s are AccessModule's `ProblemDetailsFilter`'s.)
 */
@Injectable()
@Catch()
export class DemoExceptionFilter extends PoolUnavailableFilter {
  private readonly log = new Logger('Demo');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const error = isMalformedBody(exception) ? new BadRequestException(MALFORMED_BODY_MESSAGE) : exception;
    if (host.getType() === 'http' && !(error instanceof HttpException) && !this.isUnavailable(error)) {
      this.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      sendProblem(host.switchToHttp().getResponse(), problemFor(new InternalServerErrorException()));
      return;
    }
    super.catch(error, host);
  }
}

function isMalformedBody(exception: unknown): boolean {
  // By name, not instanceof: the parser's SyntaxError may come from another realm (Jest's vm).
  return (
    exception instanceof BadRequestException && (exception.cause as Error | undefined)?.name === 'SyntaxError'
  );
}
