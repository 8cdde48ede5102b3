import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENTS, type EnvironmentName } from '../aws/config';
import { computeCostReport, formatCostReport } from './cost-report';
import { AWS_PRICES, GCP_PRICES, PRICE_SOURCE, PRICES_TAKEN_ON } from './price-table';
import { regionsOf, synthesizeForCost } from './synthesize';
import { USAGE_ASSUMPTIONS } from './usage-assumptions';

const USAGE = 'usage: npm run cost -- <env>... [--update-docs]   (env: dev, prod)';
const DOCS_BEGIN = '<!-- cost-report:begin (npm run cost -- dev prod --update-docs) -->';
const DOCS_END = '<!-- cost-report:end -->';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const updateDocs = args.includes('--update-docs');
const names = args.filter((arg) => arg !== '--update-docs');
const known = Object.keys(ENVIRONMENTS);
const unknown = names.filter((name) => !known.includes(name));
if (names.length === 0 || unknown.length > 0) {
  console.error(unknown.length > 0 ? `Unknown environment ${unknown.join(', ')}. ${USAGE}` : USAGE);
  process.exit(2);
}
const environments = names as EnvironmentName[];

for (const name of environments) {
  const { aws, gcp } = regionsOf(name);
  if (aws !== AWS_PRICES.region || (gcp !== undefined && gcp !== GCP_PRICES.region)) {
    console.error(`${name} deploys to ${aws} and ${gcp}, but the price table holds ${AWS_PRICES.region} and ${GCP_PRICES.region} prices (stacks/cost/price-table.ts)`);
    process.exit(1);
  }
}

const synthesized = synthesizeForCost(environments, { repositoryRoot });
const reports = environments.map((name) =>
  formatCostReport(computeCostReport(synthesized[name], USAGE_ASSUMPTIONS[name]), {
    environment: name,
    regions: { AWS: AWS_PRICES.region, GCP: GCP_PRICES.region },
    pricesTakenOn: PRICES_TAKEN_ON,
    priceSource: PRICE_SOURCE,
  }),
);
const text = reports.join('\n');

if (updateDocs) {
  const docs = fileURLToPath(new URL('../../docs/cost.md', import.meta.url));
  const current = readFileSync(docs, 'utf8');
  const begin = current.indexOf(DOCS_BEGIN);
  const end = current.indexOf(DOCS_END);
  if (begin < 0 || end < begin) {
    console.error(`docs/cost.md has no section between '${DOCS_BEGIN}' and '${DOCS_END}' to replace`);
    process.exit(1);
  }
  writeFileSync(docs, `${current.slice(0, begin + DOCS_BEGIN.length)}\n\n${text}\n${current.slice(end)}`);
  console.log(`docs/cost.md updated for ${environments.join(', ')}`);
} else {
  process.stdout.write(text);
}
