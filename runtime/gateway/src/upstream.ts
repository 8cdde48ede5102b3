import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';
import { DomainError } from '../../shared/errors';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker';

export interface UpstreamOptions {
  /** Name used in errors, metrics and logs, e.g. `products`. */
  readonly name: string;
  /** Base URL, e.g. `http://127.0.0.1:5002`. */
  readonly baseUrl: string;
  /** Keep-alive connections in the pool. @default 128, above the 50+ concurrent requests a gateway replica serves */
  readonly connections?: number;
  readonly breaker?: Omit<CircuitBreakerOptions, 'onStateChange'>;
  /** Observes each upstream call (metrics). @default - nothing */
  readonly onCall?: (upstream: string, outcome: CallOutcome, seconds: number) => void;
  readonly onBreakerStateChange?: (upstream: string, state: BreakerState) => void;
}

/** `2xx`..`5xx` for an answer, or why there was none. */
export type CallOutcome = '2xx' | '3xx' | '4xx' | '5xx' | 'unreachable' | 'timeout';

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query string on the upstream, e.g. `/products/42?x=1`. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** Time allowed for the headers and, separately, between body chunks (undici checks it on a ~0.5 s tick). */
  readonly timeoutMs: number;
  /** Send once more after a connection error or a 502/503 answer; only for idempotent reads. */
  readonly retryOnce: boolean;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The gateway could not get an answer from an upstream in time. */
export class UpstreamTimeoutError extends DomainError {
  constructor(upstream: string, timeoutMs: number) {
    super(504, 'UPSTREAM_TIMEOUT', `${upstream} did not answer within ${timeoutMs} ms`, { upstream });
  }
}

/** An upstream is down, refused the connection, or its circuit is open. */
export class UpstreamUnavailableError extends DomainError {
  constructor(
    readonly upstream: string,
    reason: 'unreachable' | 'circuit open',
    readonly retryAfterSeconds?: number,
  ) {
    super(503, 'DEPENDENCY_UNAVAILABLE', `${upstream} is unavailable (${reason}), retry later`, { upstream, reason });
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RETRYABLE_STATUS = new Set([502, 503]);
const OUTCOME_BY_CLASS: readonly CallOutcome[] = ['2xx', '2xx', '2xx', '3xx', '4xx', '5xx'];

const errorCode = (error: unknown): string | undefined => (error as { code?: string } | null)?.code;

/**
 * One upstream service: a keep-alive undici pool, a circuit breaker and the translation of transport
 * failures into the shared error shape. Answers of the upstream, 4xx and 5xx included, are returned
 * as they are: they already carry the shared error shape, and the caller relays them.
 */
export class Upstream {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  private readonly pool: Pool;
  private readonly onCall: NonNullable<UpstreamOptions['onCall']>;

  constructor(options: UpstreamOptions) {
    this.name = options.name;
    this.pool = new Pool(options.baseUrl, {
      connections: options.connections ?? 128,
      pipelining: 1,
      // Shorter than the services' 72 s server-side keep-alive, so the gateway is the side that closes.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connectTimeout: 2000,
    });
    this.onCall = options.onCall ?? (() => {});
    this.breaker = new CircuitBreaker({
      ...options.breaker,
      onStateChange: (state) => options.onBreakerStateChange?.(this.name, state),
    });
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (!this.breaker.tryAcquire()) {
      throw new UpstreamUnavailableError(this.name, 'circuit open', Math.ceil(this.breaker.retryAfterMs() / 1000));
    }
    try {
      const response = await this.sendWithRetry(request);
      if (response.statusCode >= 500) this.breaker.failed();
      else this.breaker.succeeded();
      return response;
    } catch (error) {
      this.breaker.failed();
      throw error;
    }
  }

  /** At most two attempts; a second only for a retryable request whose first got no answer or a 502/503. */
  private async sendWithRetry(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (!request.retryOnce) return this.attempt(request);
    try {
      const first = await this.attempt(request);
      if (!RETRYABLE_STATUS.has(first.statusCode)) return first;
    } catch (error) {
      if (error instanceof UpstreamTimeoutError) throw error;
    }
    return this.attempt(request);
  }

  /** Whether the upstream's liveness endpoint answers 200; used by the gateway's readiness. */
  async isAlive(timeoutMs: number): Promise<void> {
    const { statusCode, body } = await this.pool.request({ method: 'GET', path: '/healthz', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await body.dump();
    if (statusCode !== 200) throw new Error(`${this.name} /healthz answered ${statusCode}`);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async attempt(request: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    try {
      const { statusCode, headers, body } = await this.pool.request({
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      // A view on undici's collected bytes, not a copy; cheaper than iterating the stream (an async iterator per answer).
      const payload = Buffer.from(await body.arrayBuffer());
      this.onCall(this.name, OUTCOME_BY_CLASS[Math.floor(statusCode / 100)] ?? '5xx', (performance.now() - started) / 1000);
      return { statusCode, headers, body: payload };
    } catch (error) {
      const timedOut = TIMEOUT_CODES.has(errorCode(error) ?? '');
      this.onCall(this.name, timedOut ? 'timeout' : 'unreachable', (performance.now() - started) / 1000);
      const mapped = timedOut ? new UpstreamTimeoutError(this.name, request.timeoutMs) : new UpstreamUnavailableError(this.name, 'unreachable');
      mapped.cause = error;
      throw mapped;
    }
  }
}
