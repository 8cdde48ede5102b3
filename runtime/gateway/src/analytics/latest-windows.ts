import type { WindowResult } from '../../../shared/events';

interface Entry {
  readonly startMs: number;
  readonly window: WindowResult;
}

const newestFirst = (a: Entry, b: Entry) => b.startMs - a.startMs || a.window.currency.localeCompare(b.window.currency);

/**
 * The latest analytics result per window and currency, bounded to the newest `capacity` entries.
 *
 * Kept in memory only: it is a cache of the `analytics-results` topic, which stays the source of
 * truth. A restarted gateway replays the topic from the beginning and ends in the same state, and
 * losing it costs a few seconds of an empty list, never data. A later record for the same window and
 * currency (the job re-emits a window when late events arrive within the allowed lateness) replaces
 * the earlier one.
 */
export class LatestWindows {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`LatestWindows: capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  record(window: WindowResult): void {
    // Keyed by the instant, not the string, so `...:00Z` and `...:00.000Z` are the same window.
    const startMs = Date.parse(window.windowStart);
    this.entries.set(`${startMs}|${window.currency}`, { startMs, window });
    if (this.entries.size > this.capacity) this.evictOldest();
  }

  latest(limit: number): WindowResult[] {
    return [...this.entries.values()].sort(newestFirst).slice(0, limit).map((entry) => entry.window);
  }

  private evictOldest(): void {
    let oldestKey: string | undefined;
    let oldest: Entry | undefined;
    for (const [key, entry] of this.entries) {
      if (oldest === undefined || newestFirst(entry, oldest) > 0) {
        oldest = entry;
        oldestKey = key;
      }
    }
    if (oldestKey !== undefined) this.entries.delete(oldestKey);
  }
}
