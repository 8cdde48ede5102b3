import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthenticatedError } from '../../../shared/errors';
import { InvalidTokenError, type AccessTokenVerifier, type VerifiedAccess } from './access-token-verifier';

/**
 * Who may call a public route: anyone (`public`), anyone with a valid access token (`authenticated`;
 * the service behind checks ownership), or members of the admin group (`admin`).
 */
export type Access = 'public' | 'authenticated' | 'admin';

/** The holder of a verified access token. */
export interface Principal extends VerifiedAccess {
  readonly admin: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes without one (probes, metrics, /docs) never look at the Authorization header. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Set when the request carried a valid access token. */
    principal: Principal | undefined;
  }
}

export interface AuthenticationOptions {
  readonly verifier: AccessTokenVerifier;
  /** Group whose members are administrators. @default 'admin' */
  readonly adminGroup?: string;
}

const REALM = 'Bearer realm="shop"';
// RFC 6750's b64token, as one bearer credential.
const BEARER = /^Bearer +([\w.~+/-]+=*)$/i;

function refuseToken(reply: FastifyReply, description: string): UnauthenticatedError {
  void reply.header('www-authenticate', `${REALM}, error="invalid_token", error_description="${description}"`);
  return new UnauthenticatedError(`the access token is not accepted: ${description}`);
}

/**
 * Authenticates every request to a route with an access rule, before anything else runs on it (the
 * rate limit included, which then counts per subject): a token that is sent must be valid, whatever
 * the route; protected routes need one (401 with WWW-Authenticate), admin routes the admin group (403).
 */
export const authentication = fp(
  async (app: FastifyInstance, options: AuthenticationOptions) => {
    const adminGroup = options.adminGroup ?? 'admin';
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const access = request.routeOptions.config.access;
      if (access === undefined) return;
      const header = request.headers.authorization;
      if (header === undefined) {
        if (access === 'public') return;
        void reply.header('www-authenticate', REALM);
        throw new UnauthenticatedError();
      }
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) throw refuseToken(reply, 'the Authorization header is not one Bearer token');
      let verified: VerifiedAccess;
      try {
        verified = await options.verifier.verify(token);
      } catch (error) {
        if (error instanceof InvalidTokenError) throw refuseToken(reply, error.description);
        throw error;
      }
      const principal: Principal = { ...verified, admin: verified.groups.includes(adminGroup) };
      request.principal = principal;
      if (access === 'admin' && !principal.admin) throw new ForbiddenError(`${request.method} ${request.routeOptions.url} is for administrators`);
    });
  },
  { name: 'authentication' },
);
