import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads typed configuration from environment variables. Unknown variables are ignored; missing or
 * malformed ones fail fast with one line per variable, naming it, so a bad deployment stops at boot.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const candidate = Value.Convert(schema, Value.Default(schema, raw));
  const problems = [...Value.Errors(schema, candidate)].map((error) => {
    const name = error.path.replace(/^\//, '');
    return raw[name] === undefined ? `${name} is required (${error.schema.description ?? error.message})` : `${name}=${JSON.stringify(raw[name])}: ${error.message}`;
  });
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return candidate as Static<T>;
}

export const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
  { default: 'info' },
);

/** Listen address, port, log level and shutdown timing of an HTTP service (see `runServer`). */
export const serverConfig = (defaultPort: number) =>
  ({
    PORT: Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort }),
    HOST: Type.String({ default: '0.0.0.0' }),
    LOG_LEVEL: LogLevel,
    SHUTDOWN_DRAIN_MS: Type.Integer({
      minimum: 0,
      default: 5000,
      description: 'after SIGTERM, how long the service still serves while failing readiness, so load balancers route around it first',
    }),
    SHUTDOWN_CLOSE_TIMEOUT_MS: Type.Integer({
      minimum: 1000,
      default: 20_000,
      description: 'after the drain, how long in-flight requests and the flushes of producers and consumers may take before the process exits anyway',
    }),
  }) satisfies TProperties;
export type ServerConfig = Static<TObject<ReturnType<typeof serverConfig>>>;

/** Base URL of another service, e.g. `http://users.shop.svc.cluster.local:5001`. */
export const ServiceUrl = (description: string) => Type.String({ pattern: '^https?://', description });
