import { StewardError } from '@steward/common';
import { describeError, lifecycleMessages } from './lifecycle.messages.js';
import type { LifecycleState } from './lifecycle.state.js';

/** A transition the state table does not allow. */
export class IllegalTransitionError extends StewardError {
  constructor(
    readonly subject: string,
    readonly from: LifecycleState,
    readonly to: LifecycleState,
  ) {
    super('LIFECYCLE_ILLEGAL_TRANSITION', lifecycleMessages.illegalTransition(subject, from, to));
  }
}

/** A unit's start or stop took longer than its timeout (or the global stop deadline). */
export class UnitTimeoutError extends StewardError {
  constructor(
    readonly unit: string,
    readonly phase: 'start' | 'stop' | 'deadline',
    readonly timeoutMs: number,
  ) {
    super(
      phase === 'start'
        ? 'LIFECYCLE_START_TIMEOUT'
        : phase === 'stop'
          ? 'LIFECYCLE_STOP_TIMEOUT'
          : 'LIFECYCLE_STOP_DEADLINE',
      phase === 'start'
        ? lifecycleMessages.startTimeout(unit, timeoutMs)
        : phase === 'stop'
          ? lifecycleMessages.stopTimeout(unit, timeoutMs)
          : lifecycleMessages.stopDeadline(unit, timeoutMs),
    );
  }
}

/** One unit's stop failed (threw or timed out); `cause` is what it threw. */
export class UnitStopError extends StewardError {
  constructor(
    readonly unit: string,
    cause: unknown,
  ) {
    super('LIFECYCLE_UNIT_STOP_FAILED', lifecycleMessages.stopFailed(unit, describeError(cause)), { cause });
  }
}

/** Every stop failure of one `stop()`, in the order they happened; `cause` is the first. */
export class LifecycleStopError extends StewardError {
  constructor(readonly errors: readonly UnitStopError[]) {
    super(
      'LIFECYCLE_STOP_FAILED',
      // Each unit with its reason, so the one log line says what hung and why.
      lifecycleMessages.stopAggregate(
        errors.length,
        errors.map((e) => e.message),
      ),
      { cause: errors[0]?.cause },
    );
  }
}

/**
 * A start that failed: `unit` names the unit whose start threw or timed out, `cause` is its error and
 * `cleanupErrors` lists what went wrong while rolling back the units that had started.
 */
export class UnitStartError extends StewardError {
  constructor(
    readonly unit: string,
    cause: unknown,
    readonly cleanupErrors: readonly UnitStopError[] = [],
  ) {
    super('LIFECYCLE_START_FAILED', lifecycleMessages.startFailed(unit, describeError(cause)), { cause });
  }
}

/** The start was cancelled (shutdown signal or `stop()`) before every unit was ready. */
export class StartAbortedError extends StewardError {
  constructor(
    reason: unknown,
    readonly cleanupErrors: readonly UnitStopError[] = [],
  ) {
    super('LIFECYCLE_START_ABORTED', lifecycleMessages.startAborted(describeError(reason)), {
      cause: reason,
    });
  }
}

/** The unit graph is invalid: duplicate name, unknown dependency, a cycle, or an add after start. */
export class UnitRegistrationError extends StewardError {
  constructor(message: string) {
    super('LIFECYCLE_INVALID_UNITS', message);
  }
}
