/** The part of KafkaJS's internal request queue that request-queue-fix.ts replaces and its test drives. */
declare module 'kafkajs/src/network/requestQueue/index.js' {
  export default class RequestQueue {
    constructor(options: { logger: unknown; clientId?: string; broker?: string; maxInFlightRequests?: number | null; requestTimeout?: number });
    pending: unknown[];
    throttledUntil: number;
    throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
    checkPendingRequests(): void;
    scheduleCheckPendingRequests(): void;
    maybeThrottle(clientSideThrottleTime: number): void;
    destroy(): void;
  }
}
