import { getHeapStatistics } from 'node:v8';
import type { AdaptiveOptions } from './interfaces/pool-options.interface.js';

/** Heap in use as a fraction of the heap limit of this process. */
export function heapPressure(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size / heap.heap_size_limit;
}

/**
 * Moves a concurrency limit inside `[min, max]`, TCP-Vegas style as in Netflix concurrency-limits:
 * over a window of leases it compares the lease time with the best seen (no-load) lease time;
 * `inFlight · (1 − minRtt / rtt)` estimates how many leases are queueing inside the resource. Below
 * `alpha` with demand at the limit it grows by one, above `beta` it shrinks by one (the band between
 * them is the hysteresis), timeouts and heap pressure cut it multiplicatively, and when demand stays
 * under half the limit it shrinks back. Never outside `[min, max]`.
 */
export class AdaptiveLimiter {
  limit: number;
  private readonly windowSamples: number;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly backoffRatio: number;
  private readonly memoryProbe: () => number;
  private readonly memoryHighWatermark: number;
  private samples = 0;
  private rttSum = 0;
  private inFlightSum = 0;
  private peakDemand = 0;
  private cutThisWindow = false;
  private minRtt = Number.POSITIVE_INFINITY;
  private windowMinRtt = Number.POSITIVE_INFINITY;

  constructor(
    private min: number,
    private max: number,
    options: AdaptiveOptions,
  ) {
    this.windowSamples = options.windowSamples ?? 50;
    this.alpha = options.alpha ?? 2;
    this.beta = options.beta ?? 4;
    this.backoffRatio = options.backoffRatio ?? 0.8;
    this.memoryProbe = options.memoryProbe ?? heapPressure;
    this.memoryHighWatermark = options.memoryHighWatermark ?? 0.9;
    this.limit = this.clamp(options.initialLimit ?? Math.ceil(max / 2));
  }

  /** Records one finished lease; returns true when the limit changed. */
  sample(leaseMs: number, inFlight: number, demand: number): boolean {
    this.samples++;
    this.rttSum += leaseMs;
    this.inFlightSum += inFlight;
    if (demand > this.peakDemand) this.peakDemand = demand;
    if (leaseMs < this.windowMinRtt) this.windowMinRtt = leaseMs;
    if (this.samples < this.windowSamples) return false;
    return this.evaluate();
  }

  /** A waiter timed out: the pool is overloaded or its resources are slow; back off once per window. */
  onTimeout(): boolean {
    if (this.cutThisWindow) return false;
    this.cutThisWindow = true;
    return this.set(Math.floor(this.limit * this.backoffRatio));
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
    return this.set(Math.floor(this.limit * this.backoffRatio));
  }

  /** New bounds after `resize()`. */
  setBounds(min: number, max: number): void {
    this.min = min;
    this.max = max;
    this.limit = this.clamp(this.limit);
  }

  private evaluate(): boolean {
    const rtt = this.rttSum / this.samples;
    const inFlight = this.inFlightSum / this.samples;
    // The no-load lease time: the best seen, and re-learnt (up or down) whenever a window ran
    // lightly loaded, so a resource that became slower for good is not read as congested forever.
    if (this.windowMinRtt < this.minRtt || inFlight <= this.alpha) this.minRtt = this.windowMinRtt;
    const queued = rtt > 0 ? inFlight * (1 - this.minRtt / rtt) : 0;
    const demand = this.peakDemand;
    this.samples = 0;
    this.rttSum = 0;
    this.inFlightSum = 0;
    this.peakDemand = 0;
    this.windowMinRtt = Number.POSITIVE_INFINITY;
    const cut = this.cutThisWindow;
    this.cutThisWindow = false;
    if (cut) return false;
    if (queued > this.beta) return this.set(this.limit - 1);
    if (queued < this.alpha && demand >= this.limit) return this.set(this.limit + 1);
    if (demand < this.limit / 2) return this.set(this.limit - 1);
    return false;
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
