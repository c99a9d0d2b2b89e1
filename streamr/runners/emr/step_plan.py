"""Planning a job's EMR steps: which steps, with which arguments, sent when.

:class:`StepPlanner` turns the job's step descriptions into the ``Steps``
entries of RunJobFlow / AddJobFlowSteps: it finds the first step's inputs
(uploading local ones), decides what every streaming task needs in its
working directory (uploaded by content through
:class:`~streamr.runners.uploads.Uploads`), and chains each step's
output into the next one's input. The shapes of the entries themselves are
:mod:`streamr.runners.emr.steps`.

:class:`StepQueue` is the job's steps once they are on a cluster. A
cluster that runs several steps at once would start a later step before
the earlier one has written its output, so there the steps go one at a
time: the queue holds the ones not sent yet and sends the next when every
sent one has completed.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from streamr.date_aliases import expand_date_aliases, parse_as_of
from streamr.errors import UsageError
from streamr.fs.local import is_local_path
from streamr.inputs import expand_input_files
from streamr.option_type import looks_secret
from streamr.runners.emr.cluster import ACTIVE_STATES
from streamr.runners.emr.spark_steps import spark_step
from streamr.runners.emr.steps import (
    StreamingPlan,
    jar_step,
    step_name,
    step_request,
    streaming_step,
)
from streamr.runners.uploads import STREAMR_ZIP, Uploads, pack_dir, pack_streamr
from streamr.step import SPARK_STEP_TYPES

__all__ = [
    "COMMAND_RUNNER",
    "SETUP_WRAPPER",
    "StepPlanner",
    "StepQueue",
    "action_on_failure",
    "first_batch",
]

log = logging.getLogger(__name__)

#: the jar that runs ``hadoop-streaming`` and other commands on EMR nodes
COMMAND_RUNNER = "command-runner.jar"
#: name of the script that runs ``setup`` commands before each task
SETUP_WRAPPER = "streamr-setup.sh"


def action_on_failure(opts: dict) -> str:
    """What EMR does when a step fails: ``emr_action_on_failure``, else
    wait on a cluster others share (so their steps go on), else end the
    job's own cluster."""
    chosen = opts.get("emr_action_on_failure")
    if chosen:
        return chosen
    shared = opts.get("cluster_id") or opts.get("pool_clusters")
    return "CANCEL_AND_WAIT" if shared else "TERMINATE_CLUSTER"


def first_batch(steps: list, concurrency: int | None) -> tuple[list, list]:
    """The steps to send now and those to send later, on a cluster that
    runs *concurrency* steps at once: all now when it runs one at a time,
    else only the first."""
    batch = steps[:1] if (concurrency or 1) > 1 else list(steps)
    return batch, list(steps[len(batch):])


@dataclass
class StepQueue:
    """The job's steps on its cluster: the ids of those sent, in order, and
    the requests still *waiting* to be sent. With *end_with_last_step* the
    cluster (the job's own, kept alive between steps) is told to end once
    the last step is sent."""

    ids: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    end_with_last_step: bool = False

    def labels(self, num_steps: int) -> dict:
        """Step id -> how people know the step (``Step 1 of 2``)."""
        num = max(num_steps, len(self.ids))
        return {step_id: "Step %d of %d" % (i + 1, num) for i, step_id in enumerate(self.ids)}

    def all_completed(self, result) -> bool:
        """Whether every sent step completed, in *result* (a
        :class:`~streamr.runners.emr.watch.WatchResult`)."""
        return all(result.step_state(s) == "COMPLETED" for s in self.ids)

    def send_next(self, clusters, cluster_id: str, result) -> bool:
        """After a wait that ended in *result*: send the next waiting step
        if every sent one completed and the cluster still runs. Whether
        one was sent (then there is more to wait for)."""
        done = self.all_completed(result)
        if not (self.waiting and done and result.cluster_state in ACTIVE_STATES):
            return False
        self.ids += clusters.add_steps(cluster_id, [self.waiting.pop(0)])
        if self.end_with_last_step and not self.waiting:
            clusters.set_keep_alive(cluster_id, False)
        return True


class StepPlanner:
    """Plans one run's steps. *steps* are the job's step descriptions,
    *job_dir* the run's S3 directory, *final_output* where the last step
    writes; *tmp_dir* returns the run's local temporary directory (made on
    first use) and *task_args* the arguments every task gets;
    *streaming_jobconf* is the jobconf every streaming step carries, and
    *spool_stdin* copies the job's stdin to a local file for input number N."""

    def __init__(self, *, opts: dict, fs, uploads: Uploads, tmp_dir: Callable[[], str],
                 job_key: str, steps: list, script: str, working_dir, job_settings: dict,
                 task_args: Callable[[], list], streaming_jobconf: dict, input_paths: list,
                 spool_stdin: Callable[[int], str],
                 job_dir: str, final_output: str):
        self.opts = opts
        self.fs = fs
        self.uploads = uploads
        self.tmp_dir = tmp_dir
        self.job_key = job_key
        self.steps = steps
        self.script = script
        self.working_dir = working_dir
        self.job_settings = job_settings
        self.task_args = task_args
        self.streaming_jobconf = streaming_jobconf
        self.input_paths = input_paths
        self.spool_stdin = spool_stdin
        self.job_dir = job_dir
        self.final_output = final_output
        #: ``(path, bytes)`` of every input file :meth:`inputs` found (stdin
        #: as the file it was spooled to), for the run history
        self.input_files: list = []

    # --- the first step's inputs -------------------------------------------------------

    def inputs(self) -> list:
        """URIs the first step reads: S3 paths as given (Hadoop expands
        globs and directories itself; date aliases become the dated paths
        that hold files), local files and stdin uploaded. A ``mapper_raw``
        first step reads a manifest listing every input file instead."""
        today = parse_as_of(self.opts.get("as_of"))
        fmt = self.opts.get("date_format")
        check = self.opts["check_input_paths"]
        uris: list = []
        files: list = []  # every input file, for a manifest
        for num, path in enumerate(self.input_paths):
            if path == "-":
                spooled = self.spool_stdin(num)
                self.input_files.append((spooled, os.path.getsize(spooled)))
                uri = self.uploads.uri_for(spooled)
                uris.append(uri)
                files.append(uri)
                continue
            sized = expand_input_files([path], self.fs, check=check, today=today,
                                       date_format=fmt)
            if not sized:
                continue
            self.input_files.extend(sized)
            found = [found_path for found_path, _ in sized]
            if is_local_path(path):
                local = [self.uploads.uri_for(f) for f in found]
                uris.extend(local)
                files.extend(local)
                continue
            files.extend(found)
            dated = expand_date_aliases(path, today, fmt) if "$[" in path else None
            if dated is None or len(dated) == 1 and not dated[0].dates:
                uris.append(path)
            else:
                uris.extend(item.path for item in dated if self.fs.exists(item.path))
        if not uris and not check:
            raise UsageError("no input: every input path stood for no files")
        if self.steps and self.steps[0].get("input_manifest"):
            manifest = os.path.join(self.tmp_dir(), "input-manifest.txt")
            with open(manifest, "w", encoding="utf_8") as handle:
                for uri in files:
                    handle.write(uri + "\n")
            return [self.uploads.uri_for(manifest)]
        return uris

    # --- what tasks need ---------------------------------------------------------------

    def upload_path(self, path: str, what: str = "file") -> str:
        """The URI nodes read *path* from: S3 and ``file://`` (a path on
        the nodes) as given, a local file uploaded."""
        if "://" in path:
            return path
        if not os.path.isfile(path):
            raise UsageError("%s %s does not exist here; give an s3:// URI, or file:///PATH"
                             " for one already on the cluster's nodes" % (what, path))
        return self.uploads.uri_for(path)

    def streaming_plan(self) -> StreamingPlan:
        """What every streaming step shares: the working directory's files
        and archives, the task command, jobconf and environment."""
        plan = StreamingPlan()
        script_name = os.path.basename(self.script)
        plan.files.append((self.uploads.uri_for(self.script), script_name))
        plan.files.append((self.uploads.uri_for(pack_streamr(self.tmp_dir())), STREAMR_ZIP))
        packed = os.path.join(self.tmp_dir(), "packed")
        os.makedirs(packed, exist_ok=True)
        for kind, path, name in self.working_dir.entries():
            if kind == "file":
                plan.files.append((self.upload_path(path), name))
            elif kind == "archive":
                plan.archives.append((self.upload_path(path), name))
            elif "://" in path:
                raise UsageError("directory %s must be local (pack it as an archive to use"
                                 " one on S3)" % path)
            else:
                tarball = pack_dir(path, os.path.join(packed, name + ".tar.gz"))
                plan.archives.append((self.uploads.uri_for(tarball), name))
        cmdenv = dict(self.opts.get("cmdenv") or {})
        # secret-looking values stay out of the step's arguments (which EMR
        # keeps in its step records and logs): the wrapper script, in the
        # run's own S3 files, exports them before the task starts
        secrets = {name: cmdenv.pop(name) for name in sorted(cmdenv)
                   if looks_secret(name) and cmdenv[name] is not None}
        setup = self.opts.get("setup") or []
        if setup or secrets:
            wrapper = os.path.join(self.tmp_dir(), SETUP_WRAPPER)
            with open(wrapper, "w", encoding="utf_8") as handle:
                handle.write("#!/bin/sh\n# secret environment and setup commands, then the"
                             " task\nset -e\n")
                handle.write("".join("export %s=%s\n" % (name, shlex.quote(str(value)))
                                     for name, value in secrets.items()))
                handle.write("".join(command + "\n" for command in setup))
                handle.write('exec "$@"\n')
            os.chmod(wrapper, 0o600)
            plan.files.append((self.uploads.uri_for(wrapper), SETUP_WRAPPER))
            plan.setup_wrapper = SETUP_WRAPPER
        python = self.opts.get("task_python_bin") or ["python3"]
        plan.task_command = list(python) + [script_name]
        plan.task_args = self.task_args()
        plan.jobconf = dict(self.streaming_jobconf)
        cmdenv["PYTHONPATH"] = STREAMR_ZIP + (
            ":" + cmdenv["PYTHONPATH"] if cmdenv.get("PYTHONPATH") else "")
        plan.cmdenv = cmdenv
        plan.partitioner = self.job_settings.get("partitioner")
        plan.input_format = self.job_settings.get("hadoop_input_format")
        plan.output_format = self.job_settings.get("hadoop_output_format")
        plan.libjars = [self.upload_path(p) for p in self.job_settings.get("libjars") or []]
        return plan

    # --- the steps ---------------------------------------------------------------------

    def spark_step(self, desc: dict, num: int, plan: StreamingPlan, inputs: list,
                   output: str) -> dict:
        """The ``HadoopJarStep`` of a Spark step
        (:mod:`streamr.runners.emr.spark_steps`)."""
        own = desc.get("script") or desc.get("jar")
        jobconf = dict(plan.jobconf)
        jobconf.update({k: str(v) for k, v in (desc.get("jobconf") or {}).items()})
        return spark_step(desc, num, plan, opts=self.opts,
                          script_uri=self.uploads.uri_for(self.script),
                          app_uri=self.upload_path(own, desc["type"][len("spark_"):])
                          if own else None,
                          inputs=inputs, output=output, jobconf=jobconf)

    def step_output(self, step_num: int) -> str:
        """Where step *step_num* writes: the job's output for the last
        step, else a directory of the run's own that the next step reads."""
        if step_num == len(self.steps) - 1:
            return self.final_output
        return self.job_dir + "step-output/%04d/" % step_num

    def requests(self, inputs: list) -> list:
        """The ``Steps`` entries of the whole job, the first reading
        *inputs*."""
        plan = None
        requests = []
        action = action_on_failure(self.opts)
        num_steps = len(self.steps)
        for num, desc in enumerate(self.steps):
            step_inputs = inputs if num == 0 else [self.step_output(num - 1)]
            output = self.step_output(num)
            if desc["type"] == "jar":
                jar = jar_step(desc, num, self.upload_path(desc["jar"], "jar"), step_inputs,
                               output,
                               dict(self.opts.get("jobconf") or {}),
                               [self.upload_path(p) for p in
                                self.job_settings.get("libjars") or []])
            elif desc["type"] in SPARK_STEP_TYPES:
                plan = plan or self.streaming_plan()
                jar = self.spark_step(desc, num, plan, step_inputs, output)
            else:
                plan = plan or self.streaming_plan()
                jar = {"Jar": COMMAND_RUNNER,
                       "Args": streaming_step(desc, num, plan, step_inputs, output,
                                              last=num == num_steps - 1)}
            requests.append(step_request(step_name(self.job_key, num, num_steps), action,
                                         jar))
        return requests
