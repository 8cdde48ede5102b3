/**
 * A checkov finding accepted for one resource, with the reason a reviewer reads next to it. The AWS and GCP
 * `acknowledgeCheckov` helpers write it where checkov (or, for Terraform JSON, the policy gate) reads it.
 */
export interface CheckovAcknowledgement {
  /** The check's id, e.g. `CKV_AWS_117` or `CKV2_K8S_6`. */
  readonly id: string;
  /** Why the finding is not a problem for this resource in this design: what it gets another way, or why it does not apply. */
  readonly reason: string;
}

/** What checkov writes for a skipped check (`{ id, comment }`), in CloudFormation Metadata and in a CDKTF resource's `//` block. */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

const CHECK_ID = /^CKV2?_[A-Z0-9]+_\d+$/;

/** Throws, naming the resource, on an id that is not a checkov check id, an empty reason or an id acknowledged twice. */
export function checkovSkips(resource: string, existing: readonly CheckovSkip[], acknowledgements: readonly CheckovAcknowledgement[]): CheckovSkip[] {
  const skips = [...existing];
  for (const { id, reason } of acknowledgements) {
    if (!CHECK_ID.test(id)) throw new Error(`acknowledgeCheckov on ${resource}: '${id}' is not a checkov check id such as CKV_AWS_117`);
    if (reason.trim().length < 10) throw new Error(`acknowledgeCheckov on ${resource}: ${id} needs a reason that says why, got '${reason}'`);
    if (skips.some((skip) => skip.id === id)) throw new Error(`acknowledgeCheckov on ${resource}: ${id} is acknowledged twice`);
    skips.push({ id, comment: reason.trim() });
  }
  return skips;
}
