import type { SpanKind } from '@opentelemetry/api';
import { inSpan } from './spans';
import type { Tracing } from './tracing';

/**
 * A Lambda handler whose every invocation is one span (the root of the calls it makes), and whose
 * spans are sent before it returns: between invocations the container is frozen, and a batch still
 * waiting in the processor would leave with the next invocation, or never.
 */
export function traceInvocations<Event, Result>(
  tracing: Pick<Tracing, 'forceFlush'>,
  name: string,
  kind: SpanKind,
  handler: (event: Event) => Promise<Result>,
): (event: Event) => Promise<Result> {
  return async (event) => {
    try {
      return await inSpan(name, { kind }, () => handler(event));
    } finally {
      await tracing.forceFlush().catch(() => undefined);
    }
  };
}
