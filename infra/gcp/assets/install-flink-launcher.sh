#!/bin/bash
# Dataproc initialization action, run as root on every node while the cluster is created.
# FlinkJob prepends RECONCILER_URI, MANIFEST_URI, TOKEN_AUDIENCE and TOKEN_FILE.
#   every node:  aws-web-identity-token.timer refreshes the Google ID token the AWS SDK exchanges for
#                credentials of the MSK role (tokens live one hour; the timer renews every ten minutes).
#   master only: flink-job-reconciler.timer runs reconcile-flink-job.py every minute. The unit downloads
#                the reconciler afresh on each run, so a deploy that changes it needs no new cluster.
set -euo pipefail

token_dir="$(dirname "$TOKEN_FILE")"
install -d -m 0755 "$token_dir"

cat > /usr/local/sbin/refresh-aws-web-identity-token <<SCRIPT
#!/bin/bash
set -euo pipefail
# Write then rename, so a reader never sees half a token. Any process on this VM can ask the metadata
# server for the same token, so a world-readable file grants nothing new.
curl --silent --show-error --fail -H 'Metadata-Flavor: Google' \
  'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity?audience=$TOKEN_AUDIENCE&format=full' \
  > '$TOKEN_FILE.tmp'
chmod 0644 '$TOKEN_FILE.tmp'
mv '$TOKEN_FILE.tmp' '$TOKEN_FILE'
SCRIPT
chmod 0755 /usr/local/sbin/refresh-aws-web-identity-token

cat > /etc/systemd/system/aws-web-identity-token.service <<UNIT
[Unit]
Description=Refresh the Google ID token used for AWS web identity federation
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/refresh-aws-web-identity-token
UNIT
cat > /etc/systemd/system/aws-web-identity-token.timer <<UNIT
[Unit]
Description=Refresh the AWS web identity token every ten minutes
[Timer]
OnActiveSec=0
OnUnitActiveSec=10min
[Install]
WantedBy=timers.target
UNIT

# The data lake's FileSink needs a recoverable writer for gs://. Flink's Hadoop file system adapter has one only
# for HDFS; Flink's own GCS plugin has one, and Dataproc ships it in opt/ without enabling it. Without it the job
# would fail at its first checkpoint, so the cluster fails to start instead, saying why.
flink_home=/usr/lib/flink
shopt -s nullglob
gs_plugin=
for jar in "$flink_home"/opt/flink-gs-fs-hadoop-*.jar; do gs_plugin=$jar; done
if [[ -z "$gs_plugin" ]]; then
  echo "no flink-gs-fs-hadoop jar in $flink_home/opt: the analytics job cannot write its data lake to gs://" >&2
  exit 1
fi
install -d -m 0755 "$flink_home/plugins/gs-fs-hadoop"
cp "$gs_plugin" "$flink_home/plugins/gs-fs-hadoop/"

if [[ "$(/usr/share/google/get_metadata_value attributes/dataproc-role)" == "Master" ]]; then
  install -d -m 0755 /usr/local/lib/flink-job /var/lib/flink-job
  # Flink's YARN client needs the Hadoop classpath; "$$" is systemd's escape for a literal "$".
  cat > /etc/systemd/system/flink-job-reconciler.service <<UNIT
[Unit]
Description=Bring the Flink job in YARN to the state in $MANIFEST_URI
After=network-online.target
[Service]
Type=oneshot
ExecStartPre=/usr/bin/gcloud storage cp $RECONCILER_URI /usr/local/lib/flink-job/reconcile-flink-job.py
ExecStart=/bin/bash -c 'HADOOP_CLASSPATH="\$\$(hadoop classpath)" exec /usr/bin/python3 /usr/local/lib/flink-job/reconcile-flink-job.py --manifest $MANIFEST_URI --state-dir /var/lib/flink-job'
UNIT
  cat > /etc/systemd/system/flink-job-reconciler.timer <<UNIT
[Unit]
Description=Reconcile the Flink job every minute
[Timer]
OnActiveSec=2min
OnUnitActiveSec=1min
[Install]
WantedBy=timers.target
UNIT
fi

systemctl daemon-reload
systemctl enable --now aws-web-identity-token.timer
if [[ -f /etc/systemd/system/flink-job-reconciler.timer ]]; then
  # The first run waits two minutes: YARN finishes starting after the initialization actions.
  systemctl enable --now flink-job-reconciler.timer
fi
