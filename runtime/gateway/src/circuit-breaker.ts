export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one probe request may pass. @default 5000 */
  readonly openMs?: number;
  /** Called on every state change (metrics, logs). @default - nothing */
  readonly onStateChange?: (state: BreakerState) => void;
  /** Clock, replaceable in tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * A small circuit breaker around one upstream. Closed: everything passes and consecutive failures are
 * counted. Open: callers are refused at once, so a dead upstream costs a fast 503 instead of a pile of
 * waiting requests. After `openMs` it half-opens and lets exactly one probe through: success closes
 * it, failure opens it again.
 *
 * A state machine rather than opossum because the gateway's hot path only needs three synchronous
 * calls per request; opossum wraps every call in its own promise, timer and event emission.
 */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private readonly onStateChange: (state: BreakerState) => void;
  private currentState: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.openMs = options.openMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.onStateChange = options.onStateChange ?? (() => {});
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new Error(`CircuitBreaker: failureThreshold must be a positive integer, got ${this.failureThreshold}`);
    }
    if (!(this.openMs > 0)) throw new Error(`CircuitBreaker: openMs must be positive, got ${this.openMs}`);
  }

  get state(): BreakerState {
    return this.currentState;
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when not open. */
  retryAfterMs(): number {
    return this.currentState === 'open' ? Math.max(0, this.openedAt + this.openMs - this.now()) : 0;
  }

  /** Whether a request may go to the upstream now. A `true` must be followed by `succeeded` or `failed`. */
  tryAcquire(): boolean {
    if (this.currentState === 'closed') return true;
    if (this.currentState === 'open') {
      if (this.now() - this.openedAt < this.openMs) return false;
      this.transition('half-open');
    }
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    if (this.currentState === 'half-open') {
      this.probeInFlight = false;
      this.transition('closed');
    }
  }

  failed(): void {
    if (this.currentState === 'half-open') {
      this.probeInFlight = false;
      this.open();
      return;
    }
    this.consecutiveFailures += 1;
    if (this.currentState === 'closed' && this.consecutiveFailures >= this.failureThreshold) this.open();
  }

  private open(): void {
    this.openedAt = this.now();
    this.consecutiveFailures = 0;
    this.transition('open');
  }

  private transition(state: BreakerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.onStateChange(state);
  }
}
