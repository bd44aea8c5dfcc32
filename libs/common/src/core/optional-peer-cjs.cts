// The CommonJS build of optional-peer.ts: require() instead of import(). The result has the shape
// import() gives (a namespace whose `default` is module.exports), so callers are the same in both builds.
import { OptionalPeerMissingError } from './optional-peer.errors.js';

export async function loadOptionalPeer<T>(name: string): Promise<T | undefined> {
  let exports: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS build loads peers with require
    exports = require(name);
  } catch (error) {
    // Duck-typed: under Jest the error comes from another realm, so `instanceof Error` is false.
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (code === 'MODULE_NOT_FOUND' && String(message).includes(name)) return undefined;
    throw error;
  }
  const cjs = exports as Record<string, unknown> & { __esModule?: boolean };
  return (cjs.__esModule ? cjs : { ...cjs, default: cjs }) as T;
}

export async function requireOptionalPeer<T>(name: string, feature: string): Promise<T> {
  const loaded = await loadOptionalPeer<T>(name);
  if (loaded === undefined) throw new OptionalPeerMissingError(name, feature);
  return loaded;
}
