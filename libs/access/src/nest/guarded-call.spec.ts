import { jest } from '@jest/globals';
import { GuardedCall, type GuardedHttpRequest } from './guarded-call.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIME = '2026-01-01T00:00:00.000Z';

function callOf(request: Partial<GuardedHttpRequest>, header = 'x-request-id') {
  return new GuardedCall(
    // Not spread when it has headers: a spread would read its counting getters.
    request.headers ? (request as GuardedHttpRequest) : { params: {}, ...request, headers: {} },
    undefined,
    'GET /items/:id',
    'items:read',
    header,
  );
}

/** A request whose `ip` and request-id header count their reads. */
function countingRequest(ip: string | undefined, requestId: string | undefined) {
  const reads = { ip: 0, requestId: 0 };
  const headers = {};
  Object.defineProperty(headers, 'x-request-id', {
    enumerable: true,
    get: () => (reads.requestId++, requestId),
  });
  const request = { method: 'GET', headers } as GuardedHttpRequest;
  Object.defineProperty(request, 'ip', { enumerable: true, get: () => (reads.ip++, ip) });
  return { request, reads };
}

describe('GuardedCall', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse(TIME) }));
  afterEach(() => jest.useRealTimers());

  it('uses a well-formed x-request-id header as the request id', () => {
    expect(callOf({ headers: { 'x-request-id': 'req-1.a:b_c' } }).requestId).toBe('req-1.a:b_c');
  });

  it('reads the configured request id header instead of x-request-id', () => {
    const headers = { 'x-request-id': 'ignored', 'x-correlation-id': 'corr-7' };
    expect(callOf({ headers }, 'x-correlation-id').requestId).toBe('corr-7');
  });

  it('generates a UUID when the header is missing, malformed, too long or repeated', () => {
    for (const value of [undefined, 'has space', 'semi;colon', 'x'.repeat(129), ['a', 'b']]) {
      expect(callOf({ headers: { 'x-request-id': value } }).requestId).toMatch(UUID);
    }
  });

  it('computes the request id once: one header read, the same UUID every time', () => {
    const { request, reads } = countingRequest(undefined, undefined);
    const call = callOf(request);
    const first = call.requestId;
    expect(call.requestId).toBe(first);
    expect(reads.requestId).toBe(1);
    expect(callOf(request).requestId).not.toBe(first);
  });

  it('reads the address and request id on first use, and the time once, when the call is made', () => {
    const { request, reads } = countingRequest('10.0.0.1', 'req-1');
    const call = callOf(request);
    expect(reads).toEqual({ ip: 0, requestId: 0 });
    jest.advanceTimersByTime(1_500);
    expect([call.ip, call.ip, call.time]).toEqual(['10.0.0.1', '10.0.0.1', TIME]);
    expect(reads.ip).toBe(1);
  });

  it("falls back to the socket's address when the request has no ip, else none", () => {
    expect(callOf({ ip: '10.0.0.1', socket: { remoteAddress: '10.0.0.2' } }).ip).toBe('10.0.0.1');
    expect(callOf({ socket: { remoteAddress: '10.0.0.2' } }).ip).toBe('10.0.0.2');
    expect(callOf({ socket: { remoteAddress: '10.0.0.2' } }).ipKey).toBe('ip:10.0.0.2');
    expect(callOf({}).ip).toBeUndefined();
    expect(callOf({}).ipKey).toBe('ip:unknown');
  });

  it('starts audit events from time, type, request id, route and the source address when known', () => {
    const headers = { 'x-request-id': 'req-1' };
    expect(callOf({ headers, ip: '10.0.0.1' }).auditBase()).toEqual({
      time: TIME,
      type: 'authz.decision',
      requestId: 'req-1',
      route: 'GET /items/:id',
      sourceIp: '10.0.0.1',
    });
    expect(callOf({ headers }).auditBase()).not.toHaveProperty('sourceIp');
  });

  it('gives policies the address, time, method, route and request id', () => {
    const call = callOf({ method: 'PUT', headers: { 'x-request-id': 'req-1' }, ip: '10.0.0.1' });
    expect(call.policyContext()).toEqual({
      ip: '10.0.0.1',
      time: TIME,
      method: 'PUT',
      route: 'GET /items/:id',
      requestId: 'req-1',
    });
  });
});
