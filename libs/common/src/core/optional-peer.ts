import { OptionalPeerMissingError } from './optional-peer.errors.js';

/**
 * Loads an optional peer dependency as a module namespace (its CommonJS exports under `default` too),
 * or resolves `undefined` when the app has not installed it. The ESM build uses `import()`; the
 * CommonJS build swaps in optional-peer-cjs.cts (tshy's dialect polyfill) and uses `require()`, so each
 * build gets the copy of the peer the app itself loaded, and Jest in CommonJS mode (no `import()`) works.
 */
export async function loadOptionalPeer<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (isNotFound(error, name)) return undefined;
    throw error;
  }
}

/** Like `loadOptionalPeer`, but throws `OptionalPeerMissingError` naming `feature` when it is not installed. */
export async function requireOptionalPeer<T>(name: string, feature: string): Promise<T> {
  const loaded = await loadOptionalPeer<T>(name);
  if (loaded === undefined) throw new OptionalPeerMissingError(name, feature);
  return loaded;
}

function isNotFound(error: unknown, name: string): boolean {
  // Duck-typed: under Jest the error comes from another realm, so `instanceof Error` is false.
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(name);
}
