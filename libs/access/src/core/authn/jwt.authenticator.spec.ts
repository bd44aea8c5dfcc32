import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { InvalidOptionsError, Secret } from '@steward/common';
import { JwtAuthenticator } from './jwt.authenticator.js';

const ISS = 'https://issuer.test';
const AUD = 'steward';
const hmac = new Secret('h'.repeat(48));

function sign(
  claims: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string; typ?: string } = { alg: 'HS256' },
  exp: string | number = '5m',
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', ...header })
    .setIssuedAt()
    .setIssuer(ISS)
    .setAudience(AUD)
    .setSubject('alice');
  if (exp !== '') jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

const hmacKey = new TextEncoder().encode(hmac.reveal());
const local = () =>
  new JwtAuthenticator({
    issuer: ISS,
    audience: AUD,
    algorithms: ['HS256'],
    key: hmac,
    clockToleranceSec: 5,
  });
const reasonOf = async (authenticator: JwtAuthenticator, bearer: string) => {
  const result = await authenticator.authenticate({ bearer }, {});
  return result.kind === 'failure' ? result.reason : result.kind;
};

describe('JwtAuthenticator with a local key', () => {
  it('checks the typ header: JWT and at+jwt by default, any case, application/ prefix or not (finding 6)', async () => {
    const authenticator = local();
    for (const typ of ['JWT', 'jwt', 'at+jwt', 'application/at+JWT']) {
      expect(await reasonOf(authenticator, await sign({}, hmacKey, { alg: 'HS256', typ }))).toBe('success');
    }
    for (const typ of ['dpop+jwt', 'logout+jwt', 'JOSE']) {
      expect(await reasonOf(authenticator, await sign({}, hmacKey, { alg: 'HS256', typ }))).toBe(
        'claim-invalid',
      );
    }
    const untyped = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(hmacKey);
    expect(await reasonOf(authenticator, untyped)).toBe('claim-invalid');
    const anyType = new JwtAuthenticator({
      issuer: ISS,
      audience: AUD,
      algorithms: ['HS256'],
      key: hmac,
      types: false,
    });
    expect(await reasonOf(anyType, untyped)).toBe('success');
    const idTokens = new JwtAuthenticator({
      issuer: ISS,
      audience: AUD,
      algorithms: ['HS256'],
      key: hmac,
      types: ['id+jwt'],
    });
    expect(await reasonOf(idTokens, await sign({}, hmacKey, { alg: 'HS256', typ: 'JWT' }))).toBe(
      'claim-invalid',
    );
  });

  it('refuses a token older than maxTokenAgeSec whatever its exp, one without iat, and an iat in the future (finding 6)', async () => {
    const authenticator = new JwtAuthenticator({
      issuer: ISS,
      audience: AUD,
      algorithms: ['HS256'],
      key: hmac,
      clockToleranceSec: 5,
      maxTokenAgeSec: 3_600,
    });
    const now = Math.floor(Date.now() / 1000);
    const issuedAt = (iat: number | undefined, exp = now + 30 * 86_400) => {
      const token = new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setSubject('alice')
        .setExpirationTime(exp);
      if (iat !== undefined) token.setIssuedAt(iat);
      return token.sign(hmacKey);
    };
    expect(await reasonOf(authenticator, await issuedAt(now - 60))).toBe('success');
    expect(await reasonOf(authenticator, await issuedAt(now - 7_200))).toBe('expired');
    expect(await reasonOf(authenticator, await issuedAt(undefined))).toBe('claim-invalid');
    expect(await reasonOf(authenticator, await issuedAt(now + 120))).toBe('claim-invalid');
    expect(await reasonOf(authenticator, await issuedAt(now + 3))).toBe('success'); // inside the tolerance
    // The default age is a day.
    expect(await reasonOf(local(), await issuedAt(now - 2 * 86_400))).toBe('expired');
  });

  it('turns a valid token into a principal with roles and tenant', async () => {
    const token = await sign({ roles: ['admin'], tenant: 't1' }, hmacKey);
    expect(await local().authenticate({ bearer: token }, {})).toEqual({
      kind: 'success',
      principal: {
        id: 'jwt:alice',
        roles: ['admin'],
        tenant: 't1',
        attributes: { iss: ISS },
        authMethod: 'jwt',
      },
    });
  });

  it('fails expired, wrong-audience, wrong-issuer, alg none, wrongly signed and exp-less tokens', async () => {
    const authenticator = local();
    const expired = await sign({}, hmacKey, { alg: 'HS256' }, Math.floor(Date.now() / 1000) - 60);
    const wrongAud = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISS)
      .setAudience('other')
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(hmacKey);
    const wrongIss = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://evil.test')
      .setAudience(AUD)
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(hmacKey);
    const good = await sign({ roles: ['admin'] }, hmacKey);
    const [h, p] = good.split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const algNone = `${noneHeader}.${p}.`;
    const forged = await sign({ roles: ['admin'] }, new TextEncoder().encode('x'.repeat(48)));
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'alice', roles: ['root'], iss: ISS, aud: AUD, exp: 9e9 })).toString('base64url')}.${good.split('.')[2]}`;
    const noExp = await sign({}, hmacKey, { alg: 'HS256' }, '');
    const reasons = await Promise.all(
      [expired, wrongAud, wrongIss, algNone, forged, tampered, noExp, 'a.b.c'].map((t) =>
        reasonOf(authenticator, t),
      ),
    );
    expect(reasons).toEqual([
      'expired',
      'claim-invalid',
      'claim-invalid',
      'alg-not-allowed',
      'bad-signature',
      'bad-signature',
      'claim-invalid',
      'malformed',
    ]);
  });

  it('refuses an algorithm outside the allow-list even with the right key', async () => {
    const token = await sign({}, new TextEncoder().encode(hmac.reveal()), { alg: 'HS512' });
    expect(await reasonOf(local(), token)).toBe('alg-not-allowed');
  });

  it('leaves non-JWT bearer tokens to other authenticators', async () => {
    expect(await local().authenticate({ bearer: 'stw_abc' }, {})).toEqual({ kind: 'no-credentials' });
    expect(await local().authenticate({ apiKey: 'a.b.c' }, {})).toEqual({ kind: 'no-credentials' });
  });

  it('rejects unsafe options in one aggregated error', () => {
    let caught: unknown;
    try {
      new JwtAuthenticator({
        issuer: '',
        audience: [],
        algorithms: ['none', 'RS256'],
        key: new Secret('short'),
        clockToleranceSec: 300,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const paths = (caught as InvalidOptionsError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['issuer', 'audience', 'algorithms', 'key', 'clockToleranceSec']),
    );
    expect((caught as Error).message).toContain('must not contain "none"');
    expect(
      () =>
        new JwtAuthenticator({
          issuer: ISS,
          audience: AUD,
          algorithms: ['RS256'],
          jwksUrl: 'http://jwks.example.com/keys',
        }),
    ).toThrow('must use https');
  });
});

describe('JwtAuthenticator with a JWKS URL', () => {
  let server: Server;
  let jwks: { keys: JWK[] };
  let fetches = 0;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function keyPair(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  }

  it('picks up a rotated key with a new kid and fails tokens signed by a key it does not publish', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    jwks = { keys: [first.jwk] };
    const authenticator = new JwtAuthenticator({
      issuer: ISS,
      audience: AUD,
      algorithms: ['ES256'],
      jwksUrl: url,
      jwksTimeoutMs: 2_000,
      jwksCooldownMs: 0,
    });
    const t1 = await sign({}, first.privateKey, { alg: 'ES256', kid: 'k1' });
    expect(await reasonOf(authenticator, t1)).toBe('success');
    const before = fetches;

    const t2 = await sign({}, second.privateKey, { alg: 'ES256', kid: 'k2' });
    expect(await reasonOf(authenticator, t2)).toBe('unknown-signing-key');

    jwks = { keys: [first.jwk, second.jwk] };
    expect(await reasonOf(authenticator, t2)).toBe('success');
    expect(fetches).toBeGreaterThan(before);

    const stranger = await keyPair('k2');
    const t3 = await sign({}, stranger.privateKey, { alg: 'ES256', kid: 'k2' });
    expect(await reasonOf(authenticator, t3)).toBe('bad-signature');
  });

  it('waits for the cooldown before refetching for an unknown kid', async () => {
    const first = await keyPair('c1');
    jwks = { keys: [first.jwk] };
    const authenticator = new JwtAuthenticator({
      issuer: ISS,
      audience: AUD,
      algorithms: ['ES256'],
      jwksUrl: url,
      jwksCooldownMs: 3_600_000,
    });
    expect(await reasonOf(authenticator, await sign({}, first.privateKey, { alg: 'ES256', kid: 'c1' }))).toBe(
      'success',
    );
    const before = fetches;
    const other = await keyPair('c2');
    const token = await sign({}, other.privateKey, { alg: 'ES256', kid: 'c2' });
    for (let i = 0; i < 5; i++) expect(await reasonOf(authenticator, token)).toBe('unknown-signing-key');
    expect(fetches).toBe(before);
  });

  it('answers unavailable, not a failure, when the JWKS endpoint cannot be reached', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const authenticator = new JwtAuthenticator({
      issuer: ISS,
      audience: AUD,
      algorithms: ['ES256'],
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      jwksTimeoutMs: 1_000,
    });
    const { privateKey } = await keyPair('d1');
    const token = await sign({}, privateKey, { alg: 'ES256', kid: 'd1' });
    expect(await authenticator.authenticate({ bearer: token }, {})).toEqual({
      kind: 'unavailable',
      method: 'jwt',
      reason: 'verifier-unavailable',
    });
  });
});
