import { OrderEvent, WindowResult } from '../runtime/shared/events';

const draft = 'https://json-schema.org/draft/2020-12/schema';

/** File name -> JSON Schema, as committed under contracts/schemas/. */
export const contractSchemas: Record<string, object> = {
  'order-event.schema.json': { $schema: draft, ...OrderEvent },
  'window-result.schema.json': { $schema: draft, ...WindowResult },
};
