import { InvalidOptionsError, OptionChecker } from '@steward/common';
import type {
  LifecycleModuleOptions,
  ResolvedLifecycleOptions,
} from './interfaces/lifecycle-module-options.interface.js';
import { lifecycleNestMessages } from './lifecycle.messages.js';

/** Applies defaults and checks that delay + drain + unit stop fit inside the deadline; throws every issue at once. */
export function resolveLifecycleOptions(options: LifecycleModuleOptions = {}): ResolvedLifecycleOptions {
  const check = new OptionChecker('lifecycle');
  const s = options.shutdown ?? {};
  check.integer('shutdown.delayMs', s.delayMs, 0);
  check.integer('shutdown.drainTimeoutMs', s.drainTimeoutMs, 0);
  check.integer('shutdown.stopTimeoutMs', s.stopTimeoutMs, 1);
  check.integer('shutdown.deadlineMs', s.deadlineMs, 1);
  check.integer('startTimeoutMs', options.startTimeoutMs, 1);
  check.throwIfAny();
  const delayMs = s.delayMs ?? 5_000;
  const drainTimeoutMs = s.drainTimeoutMs ?? 10_000;
  const stopTimeoutMs = s.stopTimeoutMs ?? 5_000;
  const deadlineMs = s.deadlineMs ?? 25_000;
  if (delayMs + drainTimeoutMs + stopTimeoutMs > deadlineMs) {
    throw new InvalidOptionsError('lifecycle', [
      {
        path: 'shutdown',
        message: lifecycleNestMessages.budgetExceeded(delayMs, drainTimeoutMs, stopTimeoutMs, deadlineMs),
      },
    ]);
  }
  return {
    delayMs,
    drainTimeoutMs,
    stopTimeoutMs,
    deadlineMs,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    unitStopBudgetMs: deadlineMs - delayMs - drainTimeoutMs,
  };
}
