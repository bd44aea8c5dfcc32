import type { ArgumentsHost } from '@nestjs/common';
import { DemoExceptionFilter } from './demo-exception.filter.js';

/** An Express-like response that records what was written. */
function response() {
  const written = { status: 0, headers: {} as Record<string, string | number>, body: '' };
  return {
    written,
    res: {
      headersSent: false,
      set statusCode(code: number) {
        written.status = code;
      },
      setHeader: (name: string, value: string | number) => (written.headers[name.toLowerCase()] = value),
      end: (body?: string) => (written.body = body ?? ''),
    },
  };
}

function httpHost(res: unknown): ArgumentsHost {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => res }),
  } as unknown as ArgumentsHost;
}

describe('DemoExceptionFilter', () => {
  it('answers an unexpected error as a fixed 500 problem+json, never its message', () => {
    const { res, written } = response();
    const filter = new DemoExceptionFilter();
    (filter as unknown as { log: { error(): void } }).log = { error: () => undefined };
    filter.catch(new Error('password=hunter2 at db.internal:5432'), httpHost(res));
    expect(written.status).toBe(500);
    expect(written.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(written.body)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
    });
    expect(written.body).not.toContain('hunter2');
  });
});
