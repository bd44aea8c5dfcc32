/** Every state a managed unit can be in; processes add `crashed`, `backoff` and `restarting`. */
export const LIFECYCLE_STATES = [
  'created',
  'starting',
  'ready',
  'draining',
  'stopping',
  'stopped',
  'failed',
  'crashed',
  'backoff',
  'restarting',
] as const;

/** One lifecycle state. */
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** Allowed next states per state; anything else is an `IllegalTransitionError`. */
export type TransitionTable = Readonly<Record<LifecycleState, readonly LifecycleState[]>>;

/** Transitions of a plain unit (pool, server, link): one start, one stop. */
export const UNIT_TRANSITIONS: TransitionTable = {
  // created → stopped: stopping a unit that never started is a no-op, not an error.
  created: ['starting', 'stopped'],
  // starting → stopping: a shutdown that arrives while the unit starts.
  starting: ['ready', 'failed', 'stopping'],
  ready: ['draining', 'stopping', 'failed'],
  draining: ['stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: [],
  crashed: [],
  backoff: [],
  restarting: [],
};

/** Transitions of a managed process: it may crash, back off and restart, and start again after a stop. */
export const PROCESS_TRANSITIONS: TransitionTable = {
  created: ['starting', 'stopped'],
  starting: ['ready', 'crashed', 'failed', 'stopping'],
  // ready → stopped: a clean exit that the restart policy does not restart.
  ready: ['draining', 'stopping', 'crashed', 'failed', 'stopped'],
  draining: ['stopping', 'crashed', 'failed', 'stopped'],
  stopping: ['stopped', 'failed'],
  stopped: ['starting'],
  failed: ['starting'],
  crashed: ['backoff', 'stopped', 'failed'],
  backoff: ['restarting', 'stopped', 'failed'],
  restarting: ['ready', 'crashed', 'failed', 'stopping'],
};

/** States a unit never leaves on its own. */
export function isTerminal(state: LifecycleState): boolean {
  return state === 'stopped' || state === 'failed';
}
