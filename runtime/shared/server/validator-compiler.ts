import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false };

/*
 * Query strings, path parameters and headers arrive as text, so their numbers and booleans are
 * coerced. JSON bodies carry real types: coercing them would accept `"price": "12"` or `"stock": true`
 * as numbers, so a body of the wrong type is rejected instead (Fastify's default coerces every part).
 */
const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object);
