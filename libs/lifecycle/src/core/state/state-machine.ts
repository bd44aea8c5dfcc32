import { IllegalTransitionError } from './lifecycle.errors.js';
import type { LifecycleState, TransitionTable } from './lifecycle.state.js';
import { notifyListeners } from './notify-listeners.js';

/** One state change, as listeners see it. */
export interface TransitionEvent {
  /** The unit or process the machine belongs to. */
  readonly subject: string;
  readonly from: LifecycleState;
  readonly to: LifecycleState;
  /** The error that caused a move to `failed` / `crashed`, if any. */
  readonly error?: unknown;
}

/** Receives transitions; a throwing listener is reported as a warning and never breaks the machine. */
export type TransitionListener = (event: TransitionEvent) => void;

/** A small state machine over a transition table; every change is an event, an illegal one a typed error. */
export class StateMachine {
  private current: LifecycleState;
  private readonly listeners = new Set<TransitionListener>();

  constructor(
    readonly subject: string,
    private readonly table: TransitionTable,
    initial: LifecycleState = 'created',
  ) {
    this.current = initial;
  }

  /** The current state. */
  get state(): LifecycleState {
    return this.current;
  }

  /** Whether `to` is allowed from the current state. */
  can(to: LifecycleState): boolean {
    return this.table[this.current].includes(to);
  }

  /** Moves to `to` and notifies listeners; throws `IllegalTransitionError` when the table forbids it. */
  transition(to: LifecycleState, error?: unknown): TransitionEvent {
    const from = this.current;
    if (!this.table[from].includes(to)) throw new IllegalTransitionError(this.subject, from, to);
    this.current = to;
    const event: TransitionEvent =
      error === undefined ? { subject: this.subject, from, to } : { subject: this.subject, from, to, error };
    notifyListeners(this.listeners, event, 'lifecycle transition');
    return event;
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
