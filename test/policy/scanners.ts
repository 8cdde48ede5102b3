import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CheckovSkip } from '../../infra/checkov-acknowledgement';

const run = promisify(execFile);
/** checkov's JSON report lists every passed check: several MB for the two templates. */
const MAX_OUTPUT = 256 * 1024 * 1024;

export interface CfnLintMatch {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path?: readonly (string | number)[] };
}

/** cfn-lint's matches over the templates. Its exit code is a bit mask of the levels found, so only its output decides. */
export async function cfnLint(bin: string, templates: readonly string[]): Promise<CfnLintMatch[]> {
  const { stdout } = await run(join(bin, 'cfn-lint'), ['--format', 'json', '--', ...templates], { maxBuffer: MAX_OUTPUT }).catch(
    (error: { stdout?: string; stderr?: string; code?: number }) => {
      // 2, 4 and 8 (and their sums) are findings; anything else is cfn-lint failing to run.
      if (typeof error.code === 'number' && error.code > 0 && error.code < 16 && error.code % 2 === 0) return { stdout: error.stdout ?? '' };
      throw new Error(`cfn-lint failed (exit ${error.code}):\n${error.stderr ?? ''}`);
    },
  );
  return JSON.parse(stdout) as CfnLintMatch[];
}

export type CheckovFramework = 'cloudformation' | 'terraform_json' | 'kubernetes';

export interface CheckovFinding {
  readonly check_id: string;
  readonly check_name: string;
  /** `AWS::Lambda::Function.LogicalId`, `resource.<name>` (Terraform JSON), `Deployment.shop.gateway`. */
  readonly resource: string;
  readonly file_abs_path: string;
  readonly file_path: string;
  readonly suppress_comment?: string;
}

export interface CheckovReport {
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly parsing_errors: number; readonly resource_count: number };
  /** With --quiet, checkov lists only the failed checks; the summary still counts all. */
  readonly results: { readonly failed_checks: CheckovFinding[] };
}

/**
 * One checkov run over files or a folder. `--skip-download` keeps it from calling Prisma Cloud (no account is used);
 * `--soft-fail` makes the exit code say only whether checkov ran, so the test decides what a failure means.
 */
export async function checkov(bin: string, framework: CheckovFramework, targets: { files?: readonly string[]; directory?: string }): Promise<CheckovReport> {
  const args = ['--framework', framework, '--output', 'json', '--compact', '--skip-download', '--soft-fail', '--quiet'];
  for (const file of targets.files ?? []) args.push('--file', file);
  if (targets.directory) args.push('--directory', targets.directory);
  const { stdout } = await run(join(bin, 'checkov'), args, { maxBuffer: MAX_OUTPUT, env: { ...process.env, LOG_LEVEL: 'ERROR' } }).catch(
    (error: { stderr?: string; code?: number }) => {
      throw new Error(`checkov --framework ${framework} failed (exit ${error.code}):\n${error.stderr ?? ''}`);
    },
  );
  const report = JSON.parse(stdout) as CheckovReport | CheckovReport[];
  // A framework that found nothing to scan reports an empty summary instead of a report; a gate over nothing is no gate.
  if (Array.isArray(report) || !('results' in report)) throw new Error(`checkov --framework ${framework} scanned nothing: ${stdout.slice(0, 500)}`);
  if (report.summary.parsing_errors > 0) throw new Error(`checkov --framework ${framework}: ${report.summary.parsing_errors} file(s) could not be parsed`);
  return report;
}

/**
 * The checkov acknowledgements CDKTF wrote into a resource's `//` block (infra/gcp/policy-acknowledgements.ts), since
 * checkov reads none from Terraform JSON. checkov names a Terraform JSON resource `resource.<name>` without its type;
 * CDKTF names are unique within a stack, so the name finds it.
 */
export function terraformAcknowledgement(finding: CheckovFinding): CheckovSkip | undefined {
  const name = finding.resource.replace(/^resource\./, '');
  const terraform = JSON.parse(readFileSync(finding.file_abs_path, 'utf8')) as { resource?: Record<string, Record<string, { '//'?: { checkov?: { skip?: CheckovSkip[] } } }>> };
  const matches = Object.values(terraform.resource ?? {}).flatMap((byName) => (byName[name] ? [byName[name]] : []));
  if (matches.length !== 1) throw new Error(`${finding.file_abs_path}: expected one resource named ${name} for ${finding.check_id}, found ${matches.length}`);
  return matches[0]?.['//']?.checkov?.skip?.find((skip) => skip.id === finding.check_id);
}
