import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, concatMap, from, map, mergeMap, throwError, type Observable } from 'rxjs';
import type { AuditEvent } from '../core/interfaces/audit-event.interface.js';
import { ACCESS_STATE_REQUEST_KEY } from './access.constants.js';
import { AccessProblemException } from './access-problem.exception.js';
import { AccessService } from './access.service.js';
import type { AccessRequestState } from './access.guard.js';

/**
 * Audits `@Requires(..., { privileged: true })` routes as requested / completed / failed through the
 * durable path. Fails closed: no stored `requested` record, no action (503); an unstored `completed`
 * record turns the response into a 503 as well, so nothing privileged goes unrecorded silently.
 */
@Injectable()
export class PrivilegedActionInterceptor implements NestInterceptor {
  constructor(private readonly access: AccessService) {}

  intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<Record<string, unknown>>();
    const state = request[ACCESS_STATE_REQUEST_KEY] as AccessRequestState | undefined;
    if (!state?.privileged) return next.handle();
    const response = http.getResponse<{ statusCode?: number }>();
    return this.run(state, response, next);
  }

  private async run(
    state: AccessRequestState,
    response: { statusCode?: number },
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    await this.durable(this.event(state, 'requested'), response);
    return next.handle().pipe(
      catchError((error: unknown) =>
        from(this.recordFailure(state, error)).pipe(mergeMap(() => throwError(() => error))),
      ),
      concatMap((value) =>
        from(this.durable(this.event(state, 'completed', response.statusCode), response)).pipe(
          map(() => value),
        ),
      ),
    );
  }

  private event(
    state: AccessRequestState,
    phase: 'requested' | 'completed' | 'failed',
    status?: number,
  ): AuditEvent {
    return {
      time: new Date().toISOString(),
      type: 'privileged',
      phase,
      requestId: state.requestId,
      principal: state.principal.id,
      authMethod: state.principal.authMethod,
      action: state.action,
      resource: state.resource,
      decision: 'allow',
      policyIds: state.policyIds,
      ...(state.sourceIp !== undefined && { sourceIp: state.sourceIp }),
      route: state.route,
      ...(status !== undefined && { status }),
    };
  }

  private async durable(event: AuditEvent, response: unknown): Promise<void> {
    const audit = this.access.audit;
    try {
      if (!audit) throw new Error('no audit trail');
      await audit.recordDurable(event);
    } catch {
      const exception = new AccessProblemException('audit-unavailable', {
        typeBase: this.access.options.problemTypeBase,
      });
      exception.applyHeaders(response);
      throw exception;
    }
  }

  private async recordFailure(state: AccessRequestState, error: unknown): Promise<void> {
    const status =
      typeof (error as { getStatus?: unknown })?.getStatus === 'function'
        ? (error as { getStatus(): number }).getStatus()
        : 500;
    try {
      await this.access.audit?.recordDurable({
        ...this.event(state, 'failed', status),
        reason: 'handler-error',
      });
    } catch {
      // The handler's own error is what the caller must see; the trail counts the failed write.
    }
  }
}
