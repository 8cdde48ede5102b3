import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../errors';
import type { ErrorBody } from '../http/error-body';

/** Fastify's own client-error codes, mapped to codes and messages a person can act on. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: (e: FastifyError) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: () => 'request body is larger than this endpoint accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'send the body as application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', message: () => 'content-type is application/json but the body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', message: (e) => `body is not valid JSON: ${e.message}` },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_CONTENT_LENGTH', message: () => 'content-length does not match the body' },
  FST_ERR_BAD_URL: { status: 400, code: 'MALFORMED_URL', message: () => 'the path is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'URI_TOO_LONG', message: () => 'a path segment is far longer than any this API accepts' },
};

function toErrorResponse(error: FastifyError): { status: number; body: ErrorBody } {
  if (error instanceof DomainError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return { status: error.statusCode, body };
  }
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const details = error.validation.map((v) => {
      const path = `${where}${v.instancePath.replaceAll('/', '.')}`;
      const params = v.params as { missingProperty?: string; additionalProperty?: string };
      if (v.keyword === 'required') return { field: `${path}.${params.missingProperty}`, message: 'is required' };
      if (v.keyword === 'additionalProperties') return { field: `${path}.${params.additionalProperty}`, message: 'is not an accepted field' };
      return { field: path, message: v.message ?? 'is invalid' };
    });
    const message = details.map((d) => `${d.field} ${d.message}`).join('; ') || `${where} is invalid`;
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message, details } } };
  }
  const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
  if (known) return { status: known.status, body: { error: { code: known.code, message: known.message(error) } } };
  if (error instanceof SyntaxError) {
    return { status: 400, body: { error: { code: 'MALFORMED_JSON', message: `body is not valid JSON: ${error.message}` } } };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error: { code: error.code ?? 'BAD_REQUEST', message: error.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; the request id identifies it in the logs' } } };
}

/**
 * Answers `error` in the shared shape, hiding the internals of a 5xx. Also the `frameworkErrors` of
 * createServiceApp: a URL the router cannot even decode is refused before any hook runs, so the
 * request id header is set here too.
 */
export function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code, status }, 'request rejected');
  void reply.status(status).header('x-request-id', request.id).type('application/json').send(body);
}

/**
 * The methods served at `url`, whatever its method, in the order Fastify lists them; none for a path
 * no route matches. Only asked once a request found no route, so it costs nothing on the hot path.
 */
function methodsServedAt(app: FastifyInstance, url: string): string[] {
  return app.supportedMethods.filter((method) => app.findRoute({ method: method as 'GET', url }) !== null);
}

/**
 * One error handler for every service: domain errors, validation, framework errors, and hidden 5xx
 * internals; an unknown path is 404 ROUTE_NOT_FOUND, a known path asked with a method it does not
 * serve is 405 METHOD_NOT_ALLOWED with `Allow` listing those it does.
 */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler(replyWithError);
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0];
      const allowed = methodsServedAt(app, request.url);
      if (allowed.length > 0) {
        void reply
          .status(405)
          .header('allow', allowed.join(', '))
          .send({
            error: { code: 'METHOD_NOT_ALLOWED', message: `${path} does not serve ${request.method}; it serves ${allowed.join(', ')}`, details: { allow: allowed } },
          } satisfies ErrorBody);
        return;
      }
      void reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no route for ${request.method} ${path}` } } satisfies ErrorBody);
    });
  },
  { name: 'error-handler' },
);
