// KafkaJS's own module, not its public API: the fix below must replace the method on the one class
// every broker connection uses. KafkaJS has no "exports" map, so the path resolves in Node and esbuild.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

/*
 * KafkaJS 2.2.4 re-arms a timer after every check of a connection's pending requests, with a negative
 * delay when nothing is throttled, so every broker connection runs a 1 ms timer loop for as long as it
 * is open (tulios/kafkajs#1556, fix proposed in #1667, unreleased). In the order bench that was a few
 * percent of a core in each idle process. A check is only owed while requests wait: fulfilled and
 * timed-out requests and new pushes check the queue themselves.
 */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: InstanceType<typeof RequestQueue>): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledForMs = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
};
