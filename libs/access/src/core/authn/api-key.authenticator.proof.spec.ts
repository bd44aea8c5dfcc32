import { jest } from '@jest/globals';
import * as crypto from 'node:crypto';

// Counts the SHA-256 digests the authenticator takes, to see the per-connection proof skip them.
let digests = 0;
jest.unstable_mockModule('node:crypto', () => ({
  ...crypto,
  hash: (...args: Parameters<typeof crypto.hash>) => (digests++, crypto.hash(...args)),
}));

const { ApiKeyAuthenticator } = await import('./api-key.authenticator.js');
const { InMemoryApiKeyStore } = await import('./in-memory-api-key.store.js');
const { mintApiKey } = await import('./api-key.js');
const { Secret } = await import('@steward/common');

describe('ApiKeyAuthenticator per-connection proof', () => {
  const pepper = new Secret('proof-pepper-'.padEnd(40, 'x'));
  const minted = mintApiKey({ pepper, clientId: 'svc', roles: ['reader'] });
  const make = (rememberPerConnection: boolean) =>
    new ApiKeyAuthenticator({
      pepper,
      store: new InMemoryApiKeyStore([minted.record]),
      rememberPerConnection,
    });
  const authenticate = (authenticator: InstanceType<typeof ApiKeyAuthenticator>, connection: object) =>
    authenticator.authenticate({ apiKey: minted.key }, { connection });

  it('skips the SHA-256 for the key a connection proved, and only there', () => {
    const remembering = make(true);
    const connection = {};
    expect(authenticate(remembering, connection)).toMatchObject({ kind: 'success' });
    const afterFirst = digests;
    for (let i = 0; i < 5; i++)
      expect(authenticate(remembering, connection)).toMatchObject({ kind: 'success' });
    expect(digests).toBe(afterFirst);
    expect(authenticate(remembering, {})).toMatchObject({ kind: 'success' }); // a new connection
    expect(digests).toBe(afterFirst + 1);
  });

  it('takes the SHA-256 on every request with rememberPerConnection: false', () => {
    const forgetting = make(false);
    const connection = {};
    authenticate(forgetting, connection);
    const before = digests;
    for (let i = 0; i < 5; i++)
      expect(authenticate(forgetting, connection)).toMatchObject({ kind: 'success' });
    expect(digests).toBe(before + 5);
  });
});
