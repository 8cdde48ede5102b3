#!/usr/bin/env python3
"""Bring the Flink job running in YARN to the state described by the desired-state manifest.

Run every minute on the Dataproc master by flink-job-reconciler.timer (installed by
install-flink-launcher.sh). One run does at most one transition and is safe to repeat:

  desired running, nothing running          -> submit in YARN application mode, resuming from the
                                               newest savepoint or retained checkpoint, if any
  desired running, running with same job    -> nothing
  desired running, running with other job   -> stop with savepoint, then submit from that savepoint
  desired stopped, running                  -> stop with savepoint
  desired stopped, nothing running          -> nothing

"Same job" means the same jar and options: the manifest's digest is recorded when the job is submitted.
Uses only the Python standard library and the gcloud, yarn and flink commands of the Dataproc image.
"""

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

APPLICATION_ID = re.compile(r"application_\d+_\d+")
JOB_ID = re.compile(r":\s([0-9a-f]{32})\s:")
LISTED_OBJECT = re.compile(r"^\s*\d+\s+(\S+)\s+(gs://\S+)/_metadata\s*$")


def log(message):
    print(f"reconcile-flink-job: {message}", flush=True)


def run(*command):
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}: {completed.stderr.strip()}")
    return completed.stdout


def running_application(job_name):
    """The id of the YARN application named job_name that is submitted, accepted or running, or None."""
    listing = run("yarn", "application", "-list", "-appStates", "SUBMITTED,ACCEPTED,RUNNING")
    for line in listing.splitlines():
        columns = [column.strip() for column in line.split("\t")]
        if len(columns) > 1 and APPLICATION_ID.fullmatch(columns[0]) and columns[1] == job_name:
            return columns[0]
    return None


def newest_snapshot(manifest):
    """The directory of the newest completed savepoint or retained checkpoint, or None."""
    patterns = [f"{manifest['savepointsUri']}/**/_metadata", f"{manifest['checkpointsUri']}/**/_metadata"]
    completed = subprocess.run(["gcloud", "storage", "ls", "-l", *patterns], capture_output=True, text=True)
    # gcloud exits non-zero when a pattern matches nothing, which is normal before the first checkpoint.
    snapshots = [match.groups() for match in map(LISTED_OBJECT.match, completed.stdout.splitlines()) if match]
    return max(snapshots)[1] if snapshots else None


def stop_with_savepoint(application_id, manifest):
    target = ["-t", "yarn-application", f"-Dyarn.application.id={application_id}"]
    jobs = JOB_ID.findall(run("flink", "list", *target))
    for job_id in jobs:
        log(f"stopping job {job_id} of {application_id} with a savepoint")
        run("flink", "stop", "--savepointPath", manifest["savepointsUri"], *target, job_id)
    if not jobs:
        raise RuntimeError(f"{application_id} runs no job to stop; leaving it for an operator")


def submit(manifest, state_dir, digest):
    jar_name = manifest["jarUri"].rsplit("/", 1)[1]
    local_jar = state_dir / "jars" / jar_name
    local_jar.parent.mkdir(parents=True, exist_ok=True)
    if not local_jar.exists():
        run("gcloud", "storage", "cp", manifest["jarUri"], str(local_jar))
    command = ["flink", "run-application", "-t", "yarn-application"]
    command += [f"-D{key}={value}" for key, value in sorted(manifest["flinkConfig"].items())]
    resume_from = newest_snapshot(manifest)
    if resume_from:
        command += ["--fromSavepoint", resume_from]
    if manifest.get("entryClass"):
        command += ["--class", manifest["entryClass"]]
    command += [str(local_jar), *manifest["args"]]
    log(f"submitting {jar_name}" + (f" from {resume_from}" if resume_from else " with empty state"))
    output = run(*command)
    application_ids = APPLICATION_ID.findall(output)
    record = {"digest": digest, "applicationId": application_ids[-1] if application_ids else None}
    (state_dir / "submitted.json").write_text(json.dumps(record))


def reconcile(manifest_uri, state_dir):
    raw_manifest = run("gcloud", "storage", "cat", manifest_uri)
    manifest = json.loads(raw_manifest)
    # The state only decides whether to run; it is not part of what is run.
    digest = hashlib.sha256(json.dumps({**manifest, "state": None}, sort_keys=True).encode()).hexdigest()
    submitted_file = state_dir / "submitted.json"
    submitted = json.loads(submitted_file.read_text()) if submitted_file.exists() else {}
    application_id = running_application(manifest["jobName"])

    if manifest["state"] == "stopped":
        if application_id:
            stop_with_savepoint(application_id, manifest)
        return
    if application_id and submitted.get("digest") == digest:
        return
    if application_id:
        log(f"{application_id} runs another jar or options; restarting through a savepoint")
        stop_with_savepoint(application_id, manifest)
    submit(manifest, state_dir, digest)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, help="gs:// URI of the desired-state manifest")
    parser.add_argument("--state-dir", required=True, type=Path, help="where the submitted digest and jars are kept")
    arguments = parser.parse_args()
    arguments.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        reconcile(arguments.manifest, arguments.state_dir)
    except RuntimeError as error:
        log(str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
