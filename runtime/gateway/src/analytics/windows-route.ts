import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AnalyticsWindowList, AnalyticsWindowsQuery } from '../../../shared/api/analytics';
import { atTheEdge } from '../public-routes';
import type { LatestWindows } from './latest-windows';

/** `GET /api/analytics/windows?limit=`: the newest windows from the in-memory store, answered by the gateway itself, to administrators. */
export async function analyticsWindowsRoute(app: FastifyInstance, options: { windows: LatestWindows }): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/analytics/windows',
    {
      config: { access: 'admin' },
      schema: atTheEdge(
        {
          tags: ['analytics'],
          summary: 'Latest order analytics windows (count, revenue, average order value, top products) per currency (administrators)',
          querystring: AnalyticsWindowsQuery,
          response: { 200: AnalyticsWindowList },
        },
        'admin',
      ),
    },
    async (request) => ({ items: options.windows.latest(request.query.limit) }),
  );
}
