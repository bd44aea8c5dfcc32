import { StewardError } from '@steward/common';
import { budgetMessages } from './budget.messages.js';

/** A synchronisation with Redis failed (the cause says why); the replica kept what it held. */
export class BudgetSyncError extends StewardError {
  constructor(
    readonly poolName: string,
    readonly key: string,
    cause: unknown,
  ) {
    super('POOL_BUDGET_SYNC_FAILED', budgetMessages.syncFailed(poolName, key), { cause });
  }
}

/** Redis did not answer a synchronisation within `syncTimeoutMs`; the replica kept what it held. */
export class BudgetSyncTimeoutError extends StewardError {
  constructor(
    readonly poolName: string,
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super('POOL_BUDGET_SYNC_TIMEOUT', budgetMessages.syncTimeout(poolName, key, timeoutMs));
  }
}

/** Redis answered the budget's script with something else than its reply (a proxy, a wrong server, a bug). */
export class BudgetBadReplyError extends StewardError {
  constructor(readonly key: string) {
    super('POOL_BUDGET_BAD_REPLY', budgetMessages.badReply(key));
  }
}

/** The same budget was given to a second pool: each pool needs its own share. */
export class BudgetAlreadyBoundError extends StewardError {
  constructor(readonly key: string) {
    super('POOL_BUDGET_ALREADY_BOUND', budgetMessages.alreadyBound(key));
  }
}
