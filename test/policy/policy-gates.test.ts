import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProgress } from '../../runtime/local/progress';
import { ensurePythonToolset, type PythonToolset } from '../../runtime/local/python-tools';
import { type CheckovFinding, type CheckovReport, cfnLint, checkov, terraformAcknowledgement } from './scanners';
import { type Synthesis, synthesizeAll } from './synthesis';

/** Pinned so that a new release's new checks arrive as a deliberate change, not as a red build on an unrelated day. */
const POLICY_TOOLS: PythonToolset = { name: 'policy-gates', requirements: ['cfn-lint==1.58.0', 'checkov==3.3.30'] };

// The first run creates the venv and downloads cfn-lint, checkov and their dependencies (about a minute on a good
// line, several on a slow one); later runs reuse it. Both syntheses take 20 to 60 seconds on two busy cores.
const SETUP_TIMEOUT = 900_000;
const SCAN_TIMEOUT = 300_000;

const progress = consoleProgress();

/** `CKV_AWS_117 Ensure that AWS Lambda ... — AWS::Lambda::Function.Handler (Shop-dev.template.json)`, one line per finding. */
const describeFinding = (finding: CheckovFinding) => `${finding.check_id} ${finding.check_name} — ${finding.resource} (${basename(finding.file_abs_path)})`;

/**
 * One line per framework: passed, failed and not acknowledged, acknowledged. checkov itself counts an acknowledgement it
 * reads as skipped; for Terraform JSON the gate reads them (`acknowledgedByGate`) from checkov's failures.
 */
function reportCounts(framework: string, report: CheckovReport, acknowledgedByGate = 0) {
  const { passed, failed, skipped, resource_count } = report.summary;
  const where = acknowledgedByGate > 0 ? " in the resources' // blocks" : '';
  const resources = resource_count > 0 ? ` over ${resource_count} resources` : '';
  progress(
    'checkov',
    `${framework}: ${passed} passed, ${failed - acknowledgedByGate} failed, ${skipped + acknowledgedByGate} acknowledged${where}${resources}`,
  );
}

describe('policy gates: cfn-lint and checkov over the AWS and GCP syntheses and the Kubernetes objects', () => {
  let workDir: string;
  let bin: string;
  let synthesis: Synthesis;

  beforeAll(async () => {
    bin = await ensurePythonToolset(POLICY_TOOLS, progress);
    workDir = mkdtempSync(join(tmpdir(), 'policy-gates-'));
    progress('synth', `AWS (every environment) and GCP apps into ${workDir}`);
    synthesis = synthesizeAll(workDir);
    progress('synth', `${synthesis.templates.length} templates, ${synthesis.terraformFiles.length} Terraform JSON files`);
  }, SETUP_TIMEOUT);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('synthesizes both AWS environments, both GCP environments and the Kubernetes objects of both clusters', () => {
    expect(synthesis.templates.map((template) => basename(template))).toEqual(['Shop-dev.template.json', 'Shop-prod.template.json']);
    expect(synthesis.terraformFiles.map((file) => basename(join(file, '..'))).sort()).toEqual(['analytics-dev', 'analytics-prod']);
    for (const stack of ['Shop-dev', 'Shop-prod']) {
      const objects = readdirSync(join(synthesis.manifestsDir, stack));
      expect(objects.length, `Kubernetes objects of ${stack}`).toBeGreaterThan(10);
    }
  });

  it('cfn-lint finds no error in the AWS templates (warnings are counted, not fatal)', { timeout: SCAN_TIMEOUT }, async () => {
    const matches = await cfnLint(bin, synthesis.templates);
    const errors = matches.filter((match) => match.Level === 'Error');
    const warnings = matches.filter((match) => match.Level === 'Warning');
    const rules = [...new Set(warnings.map((match) => match.Rule.Id))].sort().join(', ');
    progress('cfn-lint', `${errors.length} errors, ${warnings.length} warnings${rules ? ` (${rules})` : ''}`);
    expect(errors.map((match) => `${match.Rule.Id} ${match.Message} — ${match.Location.Path?.join('/')} (${basename(match.Filename)})`)).toEqual([]);
  });

  it('checkov (cloudformation): every failed check on the AWS templates is fixed or acknowledged in the resource\'s Metadata', { timeout: SCAN_TIMEOUT }, async () => {
    const report = await checkov(bin, 'cloudformation', { files: synthesis.templates });
    reportCounts('cloudformation', report);
    expect(report.summary.resource_count).toBeGreaterThan(100);
    expect(report.results.failed_checks.map(describeFinding)).toEqual([]);
  });

  it('checkov (terraform_json): every failed check on the CDKTF output is fixed or acknowledged in the resource\'s // block', { timeout: SCAN_TIMEOUT }, async () => {
    const report = await checkov(bin, 'terraform_json', { files: synthesis.terraformFiles });
    const unacknowledged = report.results.failed_checks.filter((finding) => !terraformAcknowledgement(finding));
    reportCounts('terraform_json', report, report.results.failed_checks.length - unacknowledged.length);
    expect(report.summary.passed).toBeGreaterThan(50);
    expect(unacknowledged.map(describeFinding)).toEqual([]);
  });

  it('checkov (kubernetes): every failed check on the objects the clusters get is fixed or acknowledged in their annotations', { timeout: SCAN_TIMEOUT }, async () => {
    const report = await checkov(bin, 'kubernetes', { directory: synthesis.manifestsDir });
    reportCounts('kubernetes', report);
    expect(report.summary.resource_count).toBeGreaterThan(20);
    expect(report.results.failed_checks.map(describeFinding)).toEqual([]);
  });
});
