import { describeError, lifecycleMessages } from './lifecycle.messages.js';

/**
 * Calls every listener with `payload`, on a copy so a listener may unsubscribe itself. A listener that
 * throws becomes a process warning: an observer's bug must not change what it observes nor hide the
 * event from the others.
 */
export function notifyListeners<T>(
  listeners: Iterable<(payload: T) => void>,
  payload: T,
  what: string,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(payload);
    } catch (error) {
      warnListenerThrew(what, error);
    }
  }
}

/** Reports a throwing listener as a `STEWARD_LISTENER_ERROR` process warning; never throws. */
export function warnListenerThrew(what: string, error: unknown): void {
  process.emitWarning(lifecycleMessages.listenerThrew(what, describeError(error)), {
    code: 'STEWARD_LISTENER_ERROR',
  });
}
