import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertNotificationsProps {
  readonly eksCluster: eks.ICluster;
  /** The on-call address subscribed to the topic; it must confirm the subscription mail before anything arrives. */
  readonly email: string;
  /** Namespace and name of the service account Alertmanager runs as: it alone may publish. */
  readonly alertmanagerServiceAccount: { readonly namespace: string; readonly name: string };
}

/** Receivers of the Alertmanager configuration; `null` drops what nobody should be woken for. */
export const ALERT_RECEIVER = 'sns';
const DROPPED = 'null';

/*
 * Alertmanager's Go templates, passed through untouched: the chart writes `alertmanager.config` with toYaml (its
 * `tplConfig` is off) and no `{{ resolve:` makes CloudFormation read them as dynamic references.
 * Email subjects must fit one line of at most 100 characters.
 */
const SUBJECT_TEMPLATE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }}, {{ .CommonLabels.namespace }})';
const MESSAGE_TEMPLATE = [
  '{{ range .Alerts }}[{{ .Status | toUpper }}] {{ .Labels.alertname }} severity={{ .Labels.severity }} namespace={{ .Labels.namespace }}',
  'Summary: {{ .Annotations.summary }}',
  'Description: {{ .Annotations.description }}',
  'Runbook: {{ .Annotations.runbook_url }}',
  'Since: {{ .StartsAt }}',
  '',
  '{{ end }}',
].join('\n');

/**
 * Where Alertmanager sends alerts: an SNS topic with the on-call address subscribed by email, published to by
 * Alertmanager itself (its native `sns_configs`, signed with SigV4 from the AWS SDK's default credential chain).
 * More subscribers (a pager's or chat tool's HTTPS endpoint) are added to the topic, not to Alertmanager.
 *
 * The topic is encrypted with the AWS managed key `alias/aws/sns`: its key policy lets every principal of the account
 * that IAM allows to publish use it through SNS, and no AWS service (CloudWatch alarms, EventBridge) that would need a
 * customer key's policy publishes here. Publishing is HTTPS only (topic policy).
 *
 * Alertmanager's service account gets a role through EKS Pod Identity that may only `sns:Publish` to this topic:
 * the Alertmanager of kube-prometheus-stack 87.x signs with AWS SDK for Go v2, whose container credentials provider
 * reads the Pod Identity agent's endpoint.
 */
export class AlertNotifications extends Construct {
  readonly topic: sns.Topic;
  readonly publisherRole: iam.Role;

  constructor(scope: Construct, id: string, props: AlertNotificationsProps) {
    super(scope, id);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      throw new Error(`AlertNotifications ${id}: email must be an email address, got '${props.email}'`);
    }
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Shop alerts',
      masterKey: kms.Alias.fromAliasName(this, 'AwsManagedSnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.publisherRole = new iam.Role(this, 'PublisherRole', {
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags(),
      description: 'Alertmanager: publishes alerts to the shop alert topic, nothing else',
    });
    this.publisherRole.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    const association = new eks.CfnPodIdentityAssociation(this, 'PodIdentity', {
      clusterName: props.eksCluster.clusterName,
      namespace: props.alertmanagerServiceAccount.namespace,
      serviceAccount: props.alertmanagerServiceAccount.name,
      roleArn: this.publisherRole.roleArn,
    });
    // The cluster's getter adds the agent add-on if no other pod identity has yet; pods need it to get credentials.
    const agent = props.eksCluster.eksPodIdentityAgent;
    if (agent) association.node.addDependency(agent);
  }

  /**
   * Alertmanager's configuration (kube-prometheus-stack's `alertmanager.config`): every alert goes to the topic,
   * grouped by name, severity and namespace, except the chart's Watchdog (always firing, to prove the pipeline runs),
   * its InfoInhibitor (only there to mute info alerts) and info alerts, which are for dashboards, not for on-call.
   * The chart's inhibitions stay: a critical alert mutes its warning and info twins in the same namespace.
   */
  alertmanagerConfig(): Record<string, unknown> {
    return {
      global: { resolve_timeout: '5m' },
      route: {
        receiver: ALERT_RECEIVER,
        group_by: ['alertname', 'severity', 'namespace'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        routes: [
          { receiver: DROPPED, matchers: ['alertname = "Watchdog"'] },
          { receiver: DROPPED, matchers: ['alertname = "InfoInhibitor"'] },
          { receiver: DROPPED, matchers: ['severity = "info"'] },
        ],
      },
      inhibit_rules: [
        { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ['namespace', 'alertname'] },
        { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ['namespace', 'alertname'] },
        { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ['namespace'] },
      ],
      receivers: [
        { name: DROPPED },
        {
          name: ALERT_RECEIVER,
          sns_configs: [
            {
              topic_arn: this.topic.topicArn,
              sigv4: { region: Stack.of(this).region },
              subject: SUBJECT_TEMPLATE,
              message: MESSAGE_TEMPLATE,
              send_resolved: true,
            },
          ],
        },
      ],
    };
  }
}
