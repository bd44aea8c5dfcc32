/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`, or with the reason of `signal` when
 * it aborts first (the pool's close cuts its checks short). The timer and the listener go either way,
 * so nothing outlives the operation.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      stop();
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      stop();
      reject(onTimeout());
    }, ms);
    signal?.addEventListener('abort', onAbort);
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** Calls `fn` and turns a synchronous throw into a rejected promise. */
export function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
