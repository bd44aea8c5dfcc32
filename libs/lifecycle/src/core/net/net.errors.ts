import { StewardError } from '@steward/common';
import { NetMessages } from './net.messages.js';

/** A port lease was used after it was closed or handed off. */
export class PortLeaseError extends StewardError {
  constructor(readonly state: string) {
    super('PORT_LEASE_NOT_HELD', NetMessages.leaseNotHeld(state));
  }
}

/** An outbound connect did not complete in time; its socket has been destroyed. */
export class ConnectTimeoutError extends StewardError {
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super('LINK_CONNECT_TIMEOUT', NetMessages.connectTimeout(target, timeoutMs));
  }
}

/** The circuit breaker refused the call without attempting it. */
export class CircuitOpenError extends StewardError {
  constructor(readonly circuit: string) {
    super('CIRCUIT_OPEN', NetMessages.circuitOpen(circuit));
  }
}

/** The link was closed (shutdown) before or while the operation ran. */
export class LinkClosedError extends StewardError {
  constructor(readonly link: string) {
    super('LINK_CLOSED', NetMessages.linkClosed(link));
  }
}

/** Every connect attempt allowed by `maxAttempts` failed; `cause` is the last failure. */
export class LinkConnectError extends StewardError {
  constructor(
    readonly link: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super('LINK_CONNECT_FAILED', NetMessages.linkRetriesExhausted(link, attempts), options);
  }
}

/** A `ManagedLink.run` call exceeded its `timeoutMs` (waiting for a connection included). */
export class LinkOperationTimeoutError extends StewardError {
  constructor(
    readonly link: string,
    readonly timeoutMs: number,
  ) {
    super('LINK_OPERATION_TIMEOUT', NetMessages.linkOperationTimeout(link, timeoutMs));
  }
}
