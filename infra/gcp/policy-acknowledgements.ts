import type { TerraformResource } from 'cdktf';
import { type CheckovAcknowledgement, type CheckovSkip, checkovSkips } from '../checkov-acknowledgement.js';

export type { CheckovAcknowledgement } from '../checkov-acknowledgement.js';

const recorded = new WeakMap<TerraformResource, CheckovSkip[]>();

/**
 * Acknowledges checkov findings on one Terraform resource. checkov 3 reads no suppressions from Terraform JSON, so they
 * are written to the resource's `//` block (Terraform's comment key, where CDKTF already keeps its metadata) as
 * `"//": { "checkov": { "skip": [{ id, comment }] } }`, the shape proposed upstream (bridgecrewio/checkov#4634); the
 * policy gate (test/policy) counts a failure recorded there as acknowledged, and fails on every other one.
 */
export function acknowledgeCheckov(resource: TerraformResource, acknowledgements: readonly CheckovAcknowledgement[]): void {
  const skips = checkovSkips(resource.node.path, recorded.get(resource) ?? [], acknowledgements);
  recorded.set(resource, skips);
  resource.addOverride('//.checkov.skip', skips);
}
