import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../core/interfaces/principal.interface.js';
import { PRINCIPAL_REQUEST_KEY } from './access.constants.js';

/** The principal `AccessGuard` authenticated for this request, if any. */
export function getPrincipal(request: object): Principal | undefined {
  return (request as Record<string, Principal | undefined>)[PRINCIPAL_REQUEST_KEY];
}

/** Injects the authenticated principal into a handler parameter (undefined on `@Public()` routes). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  getPrincipal(context.switchToHttp().getRequest<object>()),
);
