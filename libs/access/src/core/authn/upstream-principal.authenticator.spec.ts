import { UpstreamPrincipalAuthenticator } from './upstream-principal.authenticator.js';

describe('UpstreamPrincipalAuthenticator', () => {
  const authenticator = new UpstreamPrincipalAuthenticator();

  it('accepts a well-shaped request.user as a frozen principal', async () => {
    const result = await authenticator.authenticate(
      { upstream: { id: 'u1', roles: ['admin'], tenant: 't', extra: 1 } },
      {},
    );
    expect(result).toEqual({
      kind: 'success',
      principal: { id: 'upstream:u1', roles: ['admin'], tenant: 't', attributes: {}, authMethod: 'upstream' },
    });
    if (result.kind === 'success') expect(Object.isFrozen(result.principal)).toBe(true);
  });

  it('is not asked when there is no request.user', async () => {
    expect(await authenticator.authenticate({}, {})).toEqual({ kind: 'no-credentials' });
  });

  it.each([
    'admin',
    [],
    { roles: ['admin'] },
    { id: '' },
    { id: 'u', roles: 'admin' },
    { id: 'u', roles: [1] },
    { id: 'u', tenant: 5 },
    { id: 'u', attributes: [] },
    { id: 'x'.repeat(300) },
  ])('refuses the malformed user %p', async (user) => {
    expect(await authenticator.authenticate({ upstream: user }, {})).toEqual({
      kind: 'failure',
      method: 'upstream',
      reason: 'invalid-principal',
    });
  });

  it('maps a foreign user shape and survives a throwing mapper', async () => {
    const mapped = new UpstreamPrincipalAuthenticator({
      map: (u) => ({ id: (u as { sub: string }).sub, roles: [] }),
    });
    expect((await mapped.authenticate({ upstream: { sub: 's' } }, {})).kind).toBe('success');
    const throwing = new UpstreamPrincipalAuthenticator({
      map: () => {
        throw new Error('boom');
      },
    });
    expect((await throwing.authenticate({ upstream: {} }, {})).kind).toBe('failure');
  });
});
