import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { acknowledgeCheckov, checkovSkipAnnotations } from '../../infra/aws/policy-acknowledgements';
import { acknowledgeCheckov as acknowledgeTerraformCheckov } from '../../infra/gcp/policy-acknowledgements';
import { newStack } from '../infra/aws/support';

const reason = 'A reason long enough to say why.';

describe('acknowledgeCheckov (AWS)', () => {
  it("writes checkov's skips into the Metadata of the construct's CloudFormation resource, accumulating over calls", () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');
    acknowledgeCheckov(queue, [{ id: 'CKV_AWS_27', reason }]);
    acknowledgeCheckov(queue, [{ id: 'CKV2_AWS_73', reason: `${reason} Another.` }]);
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'));
    expect(resource?.Metadata?.checkov).toEqual({
      skip: [
        { id: 'CKV_AWS_27', comment: reason },
        { id: 'CKV2_AWS_73', comment: `${reason} Another.` },
      ],
    });
  });

  it('refuses an id that is not a checkov id, a reason that says nothing, and the same id twice', () => {
    const queue = new sqs.Queue(newStack(), 'Queue');
    expect(() => acknowledgeCheckov(queue, [{ id: 'AwsSolutions-SQS3', reason }])).toThrow(/not a checkov check id/);
    expect(() => acknowledgeCheckov(queue, [{ id: 'CKV_AWS_27', reason: ' ' }])).toThrow(/needs a reason/);
    acknowledgeCheckov(queue, [{ id: 'CKV_AWS_27', reason }]);
    expect(() => acknowledgeCheckov(queue, [{ id: 'CKV_AWS_27', reason }])).toThrow(/acknowledged twice/);
  });
});

describe('checkovSkipAnnotations', () => {
  it("numbers one checkov.io/skip annotation per finding, as 'id=reason'", () => {
    expect(checkovSkipAnnotations('users', [{ id: 'CKV_K8S_11', reason }, { id: 'CKV_K8S_43', reason }])).toEqual({
      'checkov.io/skip1': `CKV_K8S_11=${reason}`,
      'checkov.io/skip2': `CKV_K8S_43=${reason}`,
    });
  });

  it("refuses a reason with '=', which checkov would split into a broken annotation", () => {
    expect(() => checkovSkipAnnotations('users', [{ id: 'CKV_K8S_11', reason: 'limits=none on purpose here' }])).toThrow(/may not contain '='/);
  });
});

describe('acknowledgeCheckov (Terraform JSON)', () => {
  it("writes the skips into the resource's // block beside CDKTF's own metadata, accumulating over calls", () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new GoogleProvider(stack, 'google', { project: 'p' });
    const bucket = new StorageBucket(stack, 'bucket', { name: 'b', location: 'europe-west1' });
    acknowledgeTerraformCheckov(bucket, [{ id: 'CKV_GCP_62', reason }]);
    acknowledgeTerraformCheckov(bucket, [{ id: 'CKV_GCP_78', reason }]);
    // The full synth, as `cdktf synth` writes it: Testing.synth drops the // blocks.
    const outdir = Testing.fullSynth(stack);
    const terraform = JSON.parse(readFileSync(join(outdir, 'stacks', 'test', 'cdk.tf.json'), 'utf8'));
    const comment = terraform.resource.google_storage_bucket.bucket['//'];
    expect(comment.checkov).toEqual({ skip: [{ id: 'CKV_GCP_62', comment: reason }, { id: 'CKV_GCP_78', comment: reason }] });
    expect(comment.metadata.path).toBe('test/bucket');
  });
});
