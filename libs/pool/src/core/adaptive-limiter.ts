import { getHeapStatistics } from 'node:v8';
import type { AdaptiveOptions } from './interfaces/pool-options.interface.js';

/** Heap in use as a fraction of the heap limit of this process. */
export function heapPressure(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size / heap.heap_size_limit;
}

/** Phases per cycle: phase 0 probes up, phase 1 probes down, the other fourteen cruise at the estimate. */
const CYCLE_PHASES = 16;
const PROBE_UP = 0;
const PROBE_DOWN = 1;
/** Probe steps double while the resource follows them, up to these fractions of where they start. */
const MAX_UP_STEP = 1;
const MAX_DOWN_STEP = 0.5;
/**
 * A phase's mean lease time is measured to a quarter of the probe's relative step: precise enough to see
 * the probe's effect, no more (a probe of ±1 around 2 needs far fewer leases than ±10 % around 30).
 */
const PRECISION_PER_STEP = 1 / 4;
/** A phase never runs longer than this many times `windowSamples` leases, however noisy they are. */
const MAX_PHASE_FACTOR = 20;

/**
 * Moves a concurrency limit inside `[min, max]` the way TCP BBR sizes its window: the right number of
 * leases in flight is the resource's throughput times its no-load lease time (the bandwidth-delay
 * product; Little's law). Both are measured per phase as means, pooled per limit, and filtered over the
 * last `filterPhases` phases: the best throughput of any limit, the mean lease time of the lowest limit.
 * One lease is never taken as the no-load time, so variance in lease times is not read as queueing.
 *
 * The limit cycles around the estimate — one phase above it (does throughput grow?), one below it (does
 * the lease time fall?), fourteen at it — and probes on, doubling, while the resource follows. Timeouts
 * and heap pressure cut it multiplicatively. Never outside `[max(1, min), max]`. The pool's README
 * (core/README.md, "Adaptive sizing") gives the reasons and the measurements.
 */
export class AdaptiveLimiter {
  limit: number;
  private readonly windowSamples: number;
  private readonly probeGain: number;
  private readonly filterPhases: number;
  private readonly backoffRatio: number;
  private readonly memoryProbe: () => number;
  private readonly memoryHighWatermark: number;
  /** The estimated best number of leases in flight (a real number; the limit is an integer). */
  private estimate: number;
  private phase = 0;
  /** Leases that began before the current phase ran under another limit: they are not its samples. */
  private phaseStartedAt = Number.NEGATIVE_INFINITY;
  private samples = 0;
  private leaseMsSum = 0;
  private leaseMsSquares = 0;
  private inFlightSum = 0;
  private cutThisPhase = false;
  /** The current probe step, a fraction of the estimate: `probeGain`, doubled while probes keep moving it. */
  private step: number;
  /** Where the current phase's move started: the rounded estimate, or the last probe's limit while probes go on. */
  private from: number;
  /** The last `filterPhases` phases, newest last: their limit and sums over their leases. */
  private readonly phases: PhaseRecord[] = [];

  constructor(
    private min: number,
    private max: number,
    options: AdaptiveOptions,
  ) {
    this.windowSamples = options.windowSamples ?? 50;
    this.probeGain = options.probeGain ?? 0.1;
    this.filterPhases = options.filterPhases ?? 2 * CYCLE_PHASES;
    this.backoffRatio = options.backoffRatio ?? 0.8;
    this.memoryProbe = options.memoryProbe ?? heapPressure;
    this.memoryHighWatermark = options.memoryHighWatermark ?? 0.9;
    // Slow start: small, then probes double while they pay. A large start on a resource that thrashes
    // would measure slowly (long leases) exactly where measuring matters most.
    this.limit = this.clamp(options.initialLimit ?? Math.ceil(Math.sqrt(max)));
    this.estimate = this.limit;
    this.from = this.limit;
    this.step = this.probeGain;
    // Two cruise phases before the first probe: the first fills the pool (not recorded), the second
    // measures the starting limit, so the first probe has something to compare with.
    this.phase = CYCLE_PHASES - 2;
  }

  /**
   * Records one finished lease (clock times of its start and end, and the leases in flight when it
   * ended, itself included); returns true when the limit changed.
   */
  sample(startedAt: number, endedAt: number, inFlight: number): boolean {
    if (startedAt < this.phaseStartedAt) return false;
    const leaseMs = endedAt - startedAt;
    const n = ++this.samples;
    this.leaseMsSum += leaseMs;
    this.leaseMsSquares += leaseMs * leaseMs;
    // Leases still out from a higher limit are not this phase's concurrency.
    this.inFlightSum += Math.min(inFlight, this.limit);
    if (n < this.windowSamples) return false;
    // Noisy lease times need more samples for the same precision of the mean: the standard error is
    // cv / sqrt(n). A phase lasts until it is precise enough (or MAX_PHASE_FACTOR times windowSamples).
    if (n < this.windowSamples * MAX_PHASE_FACTOR) {
      const mean = this.leaseMsSum / n;
      const variance = this.leaseMsSquares / n - mean * mean;
      const precision = this.precision;
      if (variance > precision * precision * mean * mean * n) return false;
    }
    return this.endPhase(endedAt);
  }

  /** A waiter timed out: the pool is overloaded or its resources are slow; back off once per phase. */
  onTimeout(): boolean {
    if (this.cutThisPhase) return false;
    this.cutThisPhase = true;
    return this.cut();
  }

  /** Periodic check (from `maintain()`): shrinks under heap pressure. */
  tick(): boolean {
    let pressure: number;
    try {
      pressure = this.memoryProbe();
    } catch {
      return false;
    }
    if (!(pressure >= this.memoryHighWatermark)) return false;
    return this.cut();
  }

  /** New bounds after `resize()`. */
  setBounds(min: number, max: number): void {
    this.min = min;
    this.max = max;
    this.limit = this.clamp(this.limit);
  }

  private endPhase(now: number): boolean {
    let shifted = 0;
    // The first phase filled an empty pool: its leases ran under a concurrency that was still rising.
    if (this.leaseMsSum > 0 && this.phaseStartedAt !== Number.NEGATIVE_INFINITY) {
      const phase = {
        limit: this.limit,
        samples: this.samples,
        leaseMs: this.leaseMsSum,
        inFlight: this.inFlightSum,
      };
      shifted = this.shift(phase);
      // What the filters remember describes a resource that is gone: start over from this phase.
      if (shifted !== 0) this.phases.length = 0;
      push(this.phases, phase, this.filterPhases);
    }
    this.samples = 0;
    this.leaseMsSum = 0;
    this.leaseMsSquares = 0;
    this.inFlightSum = 0;
    this.cutThisPhase = false;
    this.phaseStartedAt = now;
    const before = this.estimate;
    const levels = this.levels();
    this.estimate = bandwidthDelay(levels) ?? before;
    if (shifted !== 0) {
      // Slower: probe down first (leases may now queue inside it); faster: probe up first.
      [this.phase, this.step, this.from] = [shifted > 0 ? PROBE_DOWN : PROBE_UP, this.probeGain, this.limit];
      return this.set(this.phaseLimit());
    }
    const probing = this.phase === PROBE_UP || this.phase === PROBE_DOWN;
    const followed = probing ? this.followed(levels, before) : 0;
    if (probing && followed >= 1 / 4) {
      // Up: the resource took the extra leases. Down: fewer leases gave the same throughput, they were
      // queueing. Either way probe on from here, twice as far while it follows at least half the way.
      if (followed >= 1 / 2) {
        this.step = Math.min(this.phase === PROBE_UP ? MAX_UP_STEP : MAX_DOWN_STEP, 2 * this.step);
      }
      this.from = this.limit;
    } else {
      if (probing) this.step = this.probeGain;
      if (this.phase === PROBE_UP) this.phase = PROBE_DOWN;
      else if (this.phase === CYCLE_PHASES - 1 || (!probing && Math.abs(this.estimate - before) >= 1))
        this.phase = PROBE_UP; // the cycle is over, or the resource changed while cruising
      else this.phase++;
      this.from = Math.max(1, Math.round(this.estimate));
    }
    return this.set(this.phaseLimit());
  }

  /**
   * Whether the resource itself changed: this phase's mean lease time is off the mean of the earlier
   * phases at the same limit by more than twice a probe step (eight times the precision a phase is
   * measured to, so noise does not trip it). 1 when slower, -1 when faster, 0 when the same or unknown.
   */
  private shift(phase: PhaseRecord): number {
    let leaseMs = 0;
    let samples = 0;
    for (const p of this.phases) {
      if (p.limit !== phase.limit) continue;
      leaseMs += p.leaseMs;
      samples += p.samples;
    }
    if (samples === 0) return 0;
    const before = leaseMs / samples;
    const change = (phase.leaseMs / phase.samples - before) / before;
    const threshold = 2 * Math.max(this.probeGain, 1 / phase.limit);
    return change > threshold ? 1 : change < -threshold ? -1 : 0;
  }

  /** The phases remembered, pooled per limit. */
  private levels(): Map<number, Level> {
    const levels = new Map<number, Level>();
    for (const p of this.phases) {
      const level = levels.get(p.limit);
      if (level === undefined) levels.set(p.limit, { ...p });
      else {
        level.leaseMs += p.leaseMs;
        level.inFlight += p.inFlight;
        level.samples += p.samples;
      }
    }
    return levels;
  }

  /**
   * How far the resource followed the probe that just ended, as a fraction of the probe's step (1: in
   * proportion). Down: how much the lease time fell (the leases taken away were queueing). Up: how much
   * throughput rose (the resource used the leases added). Compared with the limit the probe started
   * from, measured directly: a probe onto a limit tried before still tells.
   */
  private followed(levels: Map<number, Level>, estimateBefore: number): number {
    const step = (this.limit - this.from) / this.from;
    const probe = levels.get(this.limit);
    const from = levels.get(this.from);
    if (step === 0 || probe === undefined) return 0;
    // The limit it started from was never run as such (a rounded estimate): the estimate tells instead.
    if (from === undefined)
      return (estimateBefore === 0 ? 0 : (this.estimate - estimateBefore) / estimateBefore) / step;
    if (step < 0) return (1 - meanLeaseMs(probe) / meanLeaseMs(from)) / -step;
    return (rate(probe) / rate(from) - 1) / step;
  }

  /** The relative standard error a phase needs: a fraction of the relative size of a probe step. */
  private get precision(): number {
    return PRECISION_PER_STEP * Math.max(this.probeGain, 1 / this.from);
  }

  /** The limit of the current phase: the estimate, or one probe step above or below where it starts. */
  private phaseLimit(): number {
    const from = this.from;
    if (this.phase === PROBE_UP) return Math.max(from + 1, Math.round(from * (1 + this.step)));
    if (this.phase === PROBE_DOWN) return Math.min(from - 1, Math.round(from * (1 - this.step)));
    return from;
  }

  /** Multiplicative decrease; the estimate follows so the next phase does not undo it. */
  private cut(): boolean {
    this.estimate = Math.max(1, this.estimate * this.backoffRatio);
    for (const p of this.phases) p.inFlight *= this.backoffRatio; // the throughput remembered, cut alike
    return this.set(Math.floor(this.limit * this.backoffRatio));
  }

  private set(limit: number): boolean {
    const next = this.clamp(limit);
    if (next === this.limit) return false;
    this.limit = next;
    return true;
  }

  private clamp(limit: number): number {
    return Math.max(Math.max(1, this.min), Math.min(this.max, limit));
  }
}

interface PhaseRecord {
  limit: number;
  samples: number;
  leaseMs: number;
  inFlight: number;
}

/** Phases at one limit, pooled. */
type Level = Omit<PhaseRecord, 'limit'>;

const meanLeaseMs = (level: Level): number => level.leaseMs / level.samples;
/** Little's law: throughput = leases in flight / lease time. */
const rate = (level: Level): number => level.inFlight / level.leaseMs;

/**
 * Best throughput times no-load lease time over the levels. The no-load lease time is that of the lowest
 * limit tried: the least loaded, and chosen by its limit, not by its noise (the shortest of several noisy
 * means would be biased low by the noise itself).
 */
function bandwidthDelay(levels: Map<number, Level>): number | undefined {
  let bestRate = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let noLoadLeaseMs = 0;
  for (const [limit, level] of levels) {
    bestRate = Math.max(bestRate, rate(level));
    if (limit < lowest) [lowest, noLoadLeaseMs] = [limit, meanLeaseMs(level)];
  }
  return bestRate > 0 ? bestRate * noLoadLeaseMs : undefined;
}

/** Appends to a bounded window, dropping the oldest. */
function push<V>(window: V[], value: V, size: number): void {
  window.push(value);
  if (window.length > size) window.shift();
}
