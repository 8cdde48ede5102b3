export * from './error-body';
export * from './pagination';
export * from './path-id';
export * from './service-client';
