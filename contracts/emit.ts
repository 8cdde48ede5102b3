import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contractSchemas } from './schemas';

const dir = fileURLToPath(new URL('./schemas/', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(contractSchemas)) {
  writeFileSync(new URL(file, `file://${dir}`), `${JSON.stringify(schema, null, 2)}\n`);
}
