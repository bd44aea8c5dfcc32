import {
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AccessProblemException } from './access-problem.exception.js';
import { ProblemDetailsFilter, problemFor } from './problem-details.filter.js';

/** What a Node `ServerResponse` received. */
function nodeResponse(headersSent = false) {
  const sent = {
    status: 0,
    headers: {} as Record<string, string | number>,
    body: undefined as string | undefined,
  };
  const response = {
    headersSent,
    set statusCode(value: number) {
      sent.status = value;
    },
    setHeader: (name: string, value: string | number) => void (sent.headers[name.toLowerCase()] = value),
    end: (body?: string) => void (sent.body = body ?? ''),
  };
  return { response, sent };
}

describe('ProblemDetailsFilter', () => {
  const filter = new ProblemDetailsFilter();
  const run = (exception: HttpException) => {
    const { response, sent } = nodeResponse();
    const host = new ExecutionContextHost([{}, response]);
    host.setType('http');
    filter.catch(exception, host);
    return { ...sent, json: JSON.parse(sent.body!) as Record<string, unknown> };
  };

  it('writes an access problem with its headers as application/problem+json itself (finding 12)', () => {
    const sent = run(
      new AccessProblemException('unauthorized', { headers: { 'WWW-Authenticate': 'ApiKey realm="x"' } }),
    );
    expect(sent.status).toBe(401);
    expect(sent.headers['content-type']).toBe('application/problem+json');
    expect(sent.headers['www-authenticate']).toBe('ApiKey realm="x"');
    expect(sent.json).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Valid credentials are required.',
    });
  });

  it("turns Nest's own 404, 413 and validation 400 into problems (finding 12)", () => {
    expect(run(new NotFoundException('Cannot GET /nope'))).toMatchObject({
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
      json: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Cannot GET /nope' },
    });
    expect(run(new PayloadTooLargeException()).json).toEqual({
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
    });
    expect(run(new BadRequestException(['name must be a string', 'x should not exist'])).json).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is invalid; see errors.',
      errors: ['name must be a string', 'x should not exist'],
    });
  });

  it("never echoes a body parser's message, which may quote the body", () => {
    const parser = new BadRequestException('Unexpected token p in JSON: "password":"hunter2', {
      cause: Object.assign(new Error('x'), { name: 'SyntaxError' }),
    });
    const sent = run(parser);
    expect(sent.json).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is not valid JSON.',
    });
    expect(sent.body).not.toContain('hunter2');
  });

  it('keeps a body that already is a problem', () => {
    const problem = { type: 'https://e.example/x', title: 'X', status: 409, detail: 'd' };
    expect(problemFor(new HttpException(problem, 409)).body).toBe(problem);
  });
});
