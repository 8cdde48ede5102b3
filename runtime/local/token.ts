import { decodeJwt } from 'jose';
import { AccessTokenRefusedError, requestAccessToken } from './access-token';
import { DEFAULT_PROVIDER_PORT, SEEDED_ACCOUNTS } from './local-identity';

/*
 * `npm run token -- <email>`: signs in as one of the seeded accounts at the identity provider that
 * `npm start` runs (or the one OIDC_ISSUER names) and prints the access token as the last line of
 * stdout, so that `TOKEN=$(npm run -s token -- ada@example.com | tail -1)` works.
 */

const USAGE_ERROR = 2;

function usage(problem: string): never {
  const accounts = SEEDED_ACCOUNTS.map(({ email, groups }) => `  ${email}${groups.length > 0 ? `  (${groups.join(', ')})` : ''}`).join('\n');
  process.stderr.write(`${problem}\nUsage: npm run token -- <email>\nSeeded accounts:\n${accounts}\n`);
  process.exit(USAGE_ERROR);
}

async function main(): Promise<void> {
  const [email, ...rest] = process.argv.slice(2);
  if (!email || rest.length > 0) usage(email ? 'Give exactly one email.' : 'Which account? Give its email.');
  if (!SEEDED_ACCOUNTS.some((account) => account.email === email.toLowerCase())) usage(`${email} is not a seeded account.`);
  const issuer = process.env.OIDC_ISSUER ?? `http://127.0.0.1:${DEFAULT_PROVIDER_PORT}`;
  const token = await requestAccessToken({ issuer, email });
  const { exp = 0 } = decodeJwt(token);
  process.stderr.write(`Access token for ${email} from ${issuer}, valid until ${new Date(exp * 1000).toISOString()}:\n`);
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${error instanceof AccessTokenRefusedError ? 'Refused: ' : ''}${message}\n`);
  process.exit(1);
});
