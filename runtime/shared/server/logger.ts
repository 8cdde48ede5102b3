import pino, { type Logger, type LoggerOptions } from 'pino';
import { activeTraceFields } from '../telemetry/spans';

/**
 * The services' JSON log lines: the service name on every line, credentials redacted, and `traceId`
 * and `spanId` of the active span, so a line leads to its trace and a trace to its lines.
 */
export function serviceLoggerOptions(service: string, level = 'info'): LoggerOptions {
  return {
    level,
    base: { service },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    mixin: activeTraceFields,
  };
}

/** A logger for work outside requests (Kafka, background loops, Lambdas), with the same lines as the app's. */
export const createServiceLogger = (service: string, level?: string): Logger => pino(serviceLoggerOptions(service, level));
