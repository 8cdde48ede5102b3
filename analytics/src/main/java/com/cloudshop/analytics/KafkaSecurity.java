package com.cloudshop.analytics;

import java.util.Properties;

/**
 * How the job authenticates to Kafka. {@code IAM} is MSK IAM over TLS through aws-msk-iam-auth,
 * whose credentials come from the AWS default provider chain; on Dataproc that is a web identity
 * (federated from the cluster's Google service account), so no key or secret is ever passed to
 * the job.
 */
public enum KafkaSecurity {
    NONE,
    IAM;

    public Properties clientProperties() {
        Properties properties = new Properties();
        if (this == IAM) {
            properties.setProperty("security.protocol", "SASL_SSL");
            properties.setProperty("sasl.mechanism", "AWS_MSK_IAM");
            properties.setProperty("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;");
            properties.setProperty(
                    "sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler");
        }
        return properties;
    }
}
