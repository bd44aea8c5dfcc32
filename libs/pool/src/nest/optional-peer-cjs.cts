// The CommonJS build of optional-peer.ts: require() instead of import(), so a CommonJS app (and Jest in
// CommonJS mode, which has no import()) gets the same copy of the peer it required itself.
export async function loadOptionalPeer<T>(name: string): Promise<T | undefined> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS build loads peers with require
    return require(name) as T;
  } catch (error) {
    // Duck-typed: under Jest the error comes from another realm, so `instanceof Error` is false.
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (code === 'MODULE_NOT_FOUND' && String(message).includes(name)) return undefined;
    throw error;
  }
}
