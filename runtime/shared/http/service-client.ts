import { Pool } from 'undici';
import { DependencyUnavailableError } from '../errors';
import { CALLER_HEADERS } from '../server/caller-identity';

export interface ServiceClientOptions {
  /** Name of the called service, used in errors (`users is unavailable, retry later`). */
  readonly name: string;
  /** Name of the calling service, sent as `x-caller-service`: the called service grants internal calls by it. */
  readonly caller: string;
  /** e.g. `http://users.shop.svc.cluster.local:5001` */
  readonly baseUrl: string;
  /** Budget for connecting, and separately for the response headers and body. @default 2000 */
  readonly timeoutMs?: number;
  /** Keep-alive connections kept open to the service. @default 16 */
  readonly connections?: number;
  /**
   * Tries per call when the connection fails, times out or the service answers 502/503/504. Only
   * idempotent calls go through this client (reads, and writes keyed by a caller-chosen id).
   * @default 2
   */
  readonly attempts?: number;
}

export interface ServiceRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** Propagated as `x-request-id`, so one id follows a request across services. */
  readonly requestId?: string;
}

export interface ServiceResponse {
  readonly status: number;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  readonly body: unknown;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * JSON over a pooled keep-alive undici connection pool, with timeouts. 2xx-4xx answers are returned
 * for the caller to map to domain errors; connection failures, timeouts and 5xx become
 * `DependencyUnavailableError` (503 to our own caller) after the configured tries.
 */
export function createServiceClient(options: ServiceClientOptions) {
  const timeoutMs = options.timeoutMs ?? 2000;
  const attempts = options.attempts ?? 2;
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 16,
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });

  async function once(request: ServiceRequest): Promise<ServiceResponse> {
    const headers: Record<string, string> = { accept: 'application/json', [CALLER_HEADERS.service]: options.caller };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.requestId) headers['x-request-id'] = request.requestId;
    const response = await pool.request({
      method: request.method,
      path: `${prefix}${request.path}`,
      headers,
      body: request.body === undefined ? null : JSON.stringify(request.body),
    });
    const text = await response.body.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, body };
  }

  return {
    name: options.name,
    async request(request: ServiceRequest): Promise<ServiceResponse> {
      let lastFailure: unknown;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const response = await once(request);
          if (response.status < 500) return response;
          lastFailure = new Error(`${options.name} answered ${request.method} ${request.path} with ${response.status}`);
          if (!RETRYABLE_STATUS.has(response.status)) break;
        } catch (error) {
          lastFailure = error;
        }
      }
      throw new DependencyUnavailableError(options.name, lastFailure);
    },
    async close(): Promise<void> {
      await pool.close();
    },
  };
}
export type ServiceClient = ReturnType<typeof createServiceClient>;
