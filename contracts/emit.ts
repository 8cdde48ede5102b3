import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { platformContractDocument } from './platform';
import { contractSchemas } from './schemas';

const write = (relativePath: string, json: object) =>
  writeFileSync(new URL(relativePath, import.meta.url), `${JSON.stringify(json, null, 2)}\n`);

mkdirSync(fileURLToPath(new URL('./schemas/', import.meta.url)), { recursive: true });
for (const [file, schema] of Object.entries(contractSchemas)) write(`./schemas/${file}`, schema);
write('./platform.json', platformContractDocument);
