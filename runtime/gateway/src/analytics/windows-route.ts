import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AnalyticsWindowList, AnalyticsWindowsQuery } from '../../../shared/api/analytics';
import { errorResponses } from '../../../shared/http';
import { EDGE_ERROR_STATUSES } from '../public-routes';
import type { LatestWindows } from './latest-windows';

/** `GET /api/analytics/windows?limit=`: the newest windows from the in-memory store, answered by the gateway itself. */
export async function analyticsWindowsRoute(app: FastifyInstance, options: { windows: LatestWindows }): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/analytics/windows',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Latest order analytics windows (count, revenue, average order value, top products) per currency',
        querystring: AnalyticsWindowsQuery,
        response: { 200: AnalyticsWindowList, ...errorResponses(...EDGE_ERROR_STATUSES) },
      },
    },
    async (request) => ({ items: options.windows.latest(request.query.limit) }),
  );
}
