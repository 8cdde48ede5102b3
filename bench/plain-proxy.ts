import { createServer } from 'node:http';
import { Pool } from 'undici';

/*
 * The cost of one extra hop and nothing else: a keep-alive proxy to UPSTREAM_URL without logging,
 * validation, timeouts or retries. The bench puts it beside the gateway in front of the same upstream,
 * so the gateway's ratio can be read against what a bare hop reaches.
 */

const upstreamUrl = process.env.UPSTREAM_URL;
if (!upstreamUrl) throw new Error('UPSTREAM_URL is required');
const upstream = new Pool(upstreamUrl, { connections: 50, pipelining: 1 });

// Meaningful for one connection only (RFC 9110 7.6.1); undici also refuses some of them in a request.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const endToEnd = (headers: Record<string, string | string[] | undefined>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

const server = createServer(async (request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const hasBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
  try {
    const answer = await upstream.request({
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: endToEnd(request.headers),
      body: hasBody ? request : null,
    });
    // Collected bytes, as the gateway relays them, so the two differ by what the gateway does besides.
    const body = Buffer.from(await answer.body.arrayBuffer());
    response.writeHead(answer.statusCode, endToEnd(answer.headers)).end(body);
  } catch {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1');
