import { UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ResourceRef } from '../core/interfaces/decision.interface.js';
import { REQUIRES_METADATA_KEY } from './access.constants.js';
import { PrivilegedActionInterceptor } from './privileged-action.interceptor.js';

/**
 * The HTTP request as `@Requires` resource functions see it (Express's and Fastify's requests fit).
 * `query` and `body` are typed as Express types them (`any`), so `req.query.page` and `req.body.owner`
 * read without a cast: check what a resource function takes from them (a function that throws denies).
 */
export interface AccessHttpRequest {
  readonly method?: string;
  readonly url?: string;
  /** Route parameters: Express and Fastify always set them on a routed request. */
  readonly params: Record<string, string>;
  /** The parsed query string (`{}` when there is none, on Express and Fastify). */
  readonly query?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly headers: Record<string, string | string[] | undefined>;
  /** The parsed body, when a body parser ran. */
  readonly body?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly ip?: string;
}

/** Options of `@Requires(action, options)`. */
export interface RequiresOptions {
  /** The resource the action is about, derived from the request; default `{ type: <action prefix> }`. */
  resource?: ResourceRef | ((request: AccessHttpRequest & Record<string, any>) => ResourceRef); // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Audit the action as requested / completed / failed, durably; fail closed (503) when audit is down. */
  privileged?: boolean;
}

/** What `@Requires` stores on a route. */
export interface Requirement extends RequiresOptions {
  readonly action: string;
}

/** The reflectable metadata behind `@Requires`, for `reflector.getAllAndOverride(RequiresMetadata, …)`. */
export const RequiresMetadata = Reflector.createDecorator<Requirement>({ key: REQUIRES_METADATA_KEY });

/**
 * Declares the action a route performs; `AccessGuard` asks the policy engine before the handler runs.
 * `privileged: true` also attaches the privileged-action interceptor to the route: only these routes pay
 * for an interceptor (a global one turns every response into an Observable round trip).
 */
export function Requires(action: string, options: RequiresOptions = {}): MethodDecorator & ClassDecorator {
  const metadata = RequiresMetadata({ ...options, action });
  if (options.privileged !== true) return metadata;
  const interceptor = UseInterceptors(PrivilegedActionInterceptor);
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    (metadata as (...args: unknown[]) => void)(target, key, descriptor);
    (interceptor as (...args: unknown[]) => void)(target, key, descriptor);
  }) as MethodDecorator & ClassDecorator;
}
