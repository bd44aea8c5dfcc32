import { StewardError } from '@steward/common';
import { PostgresMessages } from './postgres.messages.js';

/** A returned PostgreSQL connection could not be brought back to a clean session; the pool destroys it. */
export class PostgresResetError extends StewardError {
  constructor(why: 'broken' | 'failed', options?: ErrorOptions) {
    super(
      'POOL_POSTGRES_RESET_FAILED',
      why === 'broken' ? PostgresMessages.resetBroken : PostgresMessages.resetFailed,
      options,
    );
  }
}
