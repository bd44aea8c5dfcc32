/**
 * Loads an optional peer dependency, or resolves `undefined` when the app has not installed it.
 * The ESM build uses `import()`; the CommonJS build swaps in optional-peer-cjs.cts (tshy's dialect
 * polyfill), so each build loads the copy of the peer that the app itself loaded.
 */
export async function loadOptionalPeer<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (isNotFound(error, name)) return undefined;
    throw error;
  }
}

function isNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // Duck-typed: under Jest the error comes from another realm, so `instanceof Error` is false.
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(name);
}
