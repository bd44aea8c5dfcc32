// User-facing text of the authentication errors. Never interpolate a key, token or pepper here.
export const AUTHN_MESSAGES = {
  keyLimit: (clientId: string, max: number) =>
    `client "${clientId}" already has ${max} active API keys; revoke one before adding another`,
  duplicateKeyId: 'an API key with this key id is already stored',
  unknownKeyId: 'no API key with this key id is stored',
  pepperTooShort: (min: number) => `must be a Secret of at least ${min} characters`,
  noneAlgorithm: 'must not contain "none"',
  keyOrJwks: 'exactly one of key or jwksUrl is required',
} as const;
