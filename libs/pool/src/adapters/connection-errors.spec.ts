import { isWorkerBroken } from './process.factory.js';
import { isPostgresConnectionError } from './postgres.factory.js';
import { isRedisConnectionError } from './redis.factory.js';
import { isSqliteConnectionError } from './sqlite.factory.js';
import { isTcpConnectionError } from './tcp.factory.js';
import { WorkerCrashedError, WorkerRequestError, WorkerTimeoutError } from './adapter.errors.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

// The pool destroys a resource when isBroken says so: a false positive throws away a good connection,
// a false negative lends out a dead one again.
describe('adapter isBroken classification', () => {
  it('postgres: session-ending SQLSTATEs and socket errors are broken, SQL errors are not', () => {
    expect(
      isPostgresConnectionError(withCode('terminating connection due to administrator command', '57P01')),
    ).toBe(true);
    expect(isPostgresConnectionError(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(isPostgresConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresConnectionError(withCode('relation "x" does not exist', '42P01'))).toBe(false);
    expect(isPostgresConnectionError(withCode('duplicate key value', '23505'))).toBe(false);
    expect(isPostgresConnectionError(withCode('canceling statement due to statement timeout', '57014'))).toBe(
      false,
    );
    expect(isPostgresConnectionError(undefined)).toBe(false);
  });

  it('redis: a closed connection is broken, a command error is not', () => {
    expect(isRedisConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(
      isRedisConnectionError(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(true);
    expect(isRedisConnectionError(withCode('connect ECONNREFUSED', 'ECONNREFUSED'))).toBe(true);
    expect(isRedisConnectionError(new Error('ERR unknown command'))).toBe(false);
  });

  it('sqlite: a closed handle is broken, a constraint error is not', () => {
    expect(isSqliteConnectionError(withCode('database is not open', 'ERR_INVALID_STATE'))).toBe(true);
    expect(isSqliteConnectionError(withCode('UNIQUE constraint failed', 'ERR_SQLITE_ERROR'))).toBe(false);
  });

  it('tcp: socket errnos are broken', () => {
    expect(isTcpConnectionError(withCode('write EPIPE', 'EPIPE'))).toBe(true);
    expect(isTcpConnectionError(new Error('protocol error'))).toBe(false);
    expect(isTcpConnectionError(null)).toBe(false);
  });

  it('process: a crashed or stuck worker is broken, a failed request is not', () => {
    expect(isWorkerBroken(new WorkerCrashedError('w-1'))).toBe(true);
    expect(isWorkerBroken(new WorkerTimeoutError('w-1', 100))).toBe(true);
    expect(isWorkerBroken(new WorkerRequestError('bad input'))).toBe(false);
  });
});
