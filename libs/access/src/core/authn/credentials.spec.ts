import { extractCredentials, findQueryCredential } from './credentials.js';

describe('extractCredentials', () => {
  it('reads Bearer and ApiKey schemes case-insensitively and X-API-Key', () => {
    expect(extractCredentials({ authorization: 'bearer a.b.c' })).toEqual({
      ok: true,
      credentials: { bearer: 'a.b.c' },
      present: true,
    });
    expect(extractCredentials({ authorization: 'ApiKey stw_x' })).toMatchObject({
      credentials: { apiKey: 'stw_x' },
    });
    expect(extractCredentials({ 'x-api-key': 'stw_y' })).toMatchObject({ credentials: { apiKey: 'stw_y' } });
    expect(extractCredentials({})).toEqual({ ok: true, credentials: {}, present: false });
    expect(extractCredentials({}, { id: 'u' })).toMatchObject({
      credentials: { upstream: { id: 'u' } },
      present: true,
    });
  });

  it('refuses ambiguous, unsupported and malformed headers', () => {
    expect(extractCredentials({ authorization: 'Bearer a', 'x-api-key': 'b' })).toEqual({
      ok: false,
      reason: 'ambiguous-credentials',
    });
    expect(extractCredentials({ authorization: ['Bearer a', 'Bearer b'] })).toMatchObject({
      reason: 'ambiguous-credentials',
    });
    expect(extractCredentials({ authorization: 'Basic dTpw' })).toMatchObject({
      reason: 'unsupported-credentials',
    });
    expect(extractCredentials({ authorization: 'Bearer' })).toMatchObject({ reason: 'malformed' });
    expect(extractCredentials({ authorization: 'Bearer a b' })).toMatchObject({ reason: 'malformed' });
    expect(extractCredentials({ 'x-api-key': '  ' })).toMatchObject({ reason: 'malformed' });
  });
});

describe('findQueryCredential', () => {
  it.each([
    ['/items?api_key=x', 'api_key'],
    ['/items?a=1&access_token=x', 'access_token'],
    ['/items?TOKEN=x', 'token'],
    ['/items?%61pi_key=x', 'api_key'],
    ['/items?token[]=x', 'token'],
    ['/items?page=2&sort=name', undefined],
    ['/items', undefined],
    ['/items?%E0%A4%A=1', undefined],
  ])('%s -> %s', (url, expected) => {
    expect(findQueryCredential(url)).toBe(expected);
  });
});
