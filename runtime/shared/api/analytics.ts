import { Type, type Static } from '@sinclair/typebox';
import { WindowResult } from '../events/analytics-results-topic';

/*
 * Public API of the analytics read model the gateway serves (`/api/analytics/windows`) from the
 * `analytics-results` topic. Items are the topic's own records, so the schema is the event contract's.
 */

export const MAX_WINDOWS_PER_PAGE = 100;

export const AnalyticsWindowsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: MAX_WINDOWS_PER_PAGE, default: 20, description: 'How many of the latest windows to return' }) },
  { additionalProperties: false },
);
export type AnalyticsWindowsQuery = Static<typeof AnalyticsWindowsQuery>;

export const AnalyticsWindowList = Type.Object(
  {
    items: Type.Array(WindowResult, {
      description: 'Newest window first, one entry per window and currency (the latest result emitted for it)',
    }),
  },
  { additionalProperties: false, $id: 'AnalyticsWindowList', title: 'AnalyticsWindowList' },
);
export type AnalyticsWindowList = Static<typeof AnalyticsWindowList>;
