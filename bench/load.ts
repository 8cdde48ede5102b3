import autocannon, { type RequestSpec } from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Builds each request; called once per request sent. */
  readonly nextRequest: () => RequestSpec;
}

export interface LoadResult {
  /** Answers with the expected status per second of the run. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly expected: number;
  /** Requests sent; those neither answered nor failed by the end of the run were still in flight. */
  readonly sent: number;
  /** Answers with another status, by status. */
  readonly unexpected: Readonly<Record<string, number>>;
  readonly errors: number;
}

/** Closed-loop load from `connections` keep-alive connections for `seconds`, counted by expected status. */
export async function applyLoad(options: LoadOptions, expectedStatus = 200): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 15,
    requests: [{ setupRequest: (request) => ({ ...request, ...options.nextRequest() }) }],
  });
  const expected = result.statusCodeStats[expectedStatus]?.count ?? 0;
  const unexpected = Object.fromEntries(
    Object.entries(result.statusCodeStats).flatMap(([status, { count }]) => (Number(status) === expectedStatus ? [] : [[status, count]])),
  );
  return {
    rate: expected / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    expected,
    sent: result.requests.sent,
    unexpected,
    errors: result.errors + result.timeouts,
  };
}

/** Runs the load without recording it, so JIT, pools and caches are warm for the measured run. */
export async function warmUp(options: LoadOptions): Promise<void> {
  await applyLoad(options);
}
