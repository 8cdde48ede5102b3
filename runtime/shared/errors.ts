/**
 * Domain errors. Services throw these; the shared error handler maps them to a status code and the
 * public error shape, so route handlers never build error responses themselves.
 */
export class DomainError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super(404, `${entity.toUpperCase()}_NOT_FOUND`, `${entity} ${id} does not exist`, { id });
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(409, code, message, details);
  }
}

/** A dependency (database, broker, another service) is down or timed out; the caller may retry later. */
export class DependencyUnavailableError extends DomainError {
  constructor(
    readonly dependency: string,
    cause?: unknown,
  ) {
    super(503, 'DEPENDENCY_UNAVAILABLE', `${dependency} is unavailable, retry later`);
    if (cause !== undefined) this.cause = cause;
  }
}

/** No identity, or one that could not be verified: the caller must authenticate first. */
export class UnauthenticatedError extends DomainError {
  constructor(message = 'this operation needs an access token: send `Authorization: Bearer <token>`') {
    super(401, 'UNAUTHENTICATED', message);
  }
}

/** The caller is known but may not do this; where the resource's existence must not leak, answer NotFoundError instead. */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(403, 'FORBIDDEN', message);
  }
}
