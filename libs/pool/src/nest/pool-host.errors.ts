import { StewardError } from '@steward/common';
import { PoolNestMessages } from './pool.messages.js';

/** Why a pool cannot be resumed now. */
export type PoolResumeRefusal = 'open' | 'draining' | 'shutting-down';

/** `resume()` is for a pool an operator drained and that has closed; anything else is refused. */
export class PoolResumeError extends StewardError {
  constructor(
    readonly pool: string,
    readonly why: PoolResumeRefusal,
  ) {
    super('POOL_RESUME_REFUSED', PoolNestMessages.resumeRefused(pool, why));
  }
}
