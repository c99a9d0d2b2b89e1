"""Running a Hadoop streaming step (``command-runner.jar hadoop-streaming
...``) on the simulated cluster: submission checks, map tasks, the
shuffle, reduce tasks and the output, with the logs Hadoop writes.

What Hadoop checks before the job runs, in Hadoop's order: the arguments
and classes; that the output does not exist yet (``FileAlreadyExistsException``);
that every ``-files``/``-archives`` URI exists; that every input does
(``Input path does not exist``). Then each split is a map task and
``mapreduce.job.reduces`` (default 1) reduce tasks follow (none: the map
outputs are the part files). Tasks run on the worker nodes in turn,
``task_slots`` at a time, each attempt in a new container. A failed
attempt is retried up to ``mapreduce.map.maxattempts`` /
``mapreduce.reduce.maxattempts`` times in all (default 4); a task out of
attempts fails the job. A combiner runs inside each map attempt, once per
partition holding records."""

from __future__ import annotations

import itertools
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.emr_sim.emrlogs import HadoopLog, counters_lines
from tests.emr_sim.shuffle import (
    UnknownClass,
    compress_output,
    make_partitioner,
    record_lines,
    split_key_value,
)
from tests.emr_sim.splits import (
    KEY_VALUE_FORMATS,
    NLINE_FORMATS,
    TEXT_FORMATS,
    InputError,
    Split,
    find_input_files,
    make_splits,
)
from tests.emr_sim.stepcontext import StepContext, StepFailed
from tests.emr_sim.streaming_args import (
    StreamingUsageError,
    env_name,
    job_conf,
    parse_streaming_args,
)
from tests.emr_sim.tasks import Attempt, run_command

__all__ = ["run_streaming"]

STREAM_JOB = "org.apache.hadoop.streaming.StreamJob"
JOB = "org.apache.hadoop.mapreduce.Job"
SUBMITTER = "org.apache.hadoop.mapreduce.JobSubmitter"
OUTPUT_FORMATS = (None, "org.apache.hadoop.mapred.TextOutputFormat", "TextOutputFormat")


def run_streaming(ctx: StepContext, args: list[str]) -> None:
    """Run the streaming job *args* describe; raise :class:`StepFailed` if
    it fails."""
    StreamingRun(ctx, args).run()


@dataclass
class _Task:
    kind: str  # "m" or "r"
    index: int
    records: list[bytes]
    split: Split | None = None
    partitions: list[list[tuple[bytes, bytes]]] = field(default_factory=list)
    output: bytes = b""


class StreamingRun:
    """One streaming job, from its arguments to its part files."""

    def __init__(self, ctx: StepContext, args: list[str]):
        self.ctx = ctx
        self.args = args
        self.log = ctx.log
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.failed_task: str | None = None
        self.counts = {"maps": 0, "reduces": 0, "failed_maps": 0, "failed_reduces": 0,
                       "killed_maps": 0, "killed_reduces": 0, "map_ms": 0, "reduce_ms": 0}
        self.framework: dict[str, int] = {}
        self.user: dict[str, dict[str, int]] = {}
        self.done = {"m": 0, "r": 0}
        self.last_progress: tuple[int, int] | None = None
        self._containers = itertools.count(2)

    # --- submission -------------------------------------------------------

    def run(self) -> None:
        try:
            self.job = parse_streaming_args(self.args)
        except StreamingUsageError as error:
            self._refuse(str(error))
        jar_number = random.randrange(10 ** 17, 10 ** 18)
        self.conf = job_conf(self.job, "streamjob%d.jar" % jar_number)
        self.reducers = int(self.conf["mapreduce.job.reduces"])
        self._check_classes()
        self.log.line("INFO", STREAM_JOB, "packageJobJar: [] [%s] /tmp/streamjob%d.jar"
                      " tmpDir=null" % (self.ctx.streaming_jar, jar_number))
        self.log.line("INFO", "org.apache.hadoop.yarn.client.DefaultNoHARMFailoverProxyProvider",
                      "Connecting to ResourceManager at %s" % self.ctx.resource_manager)
        number, stamp = self.ctx.new_application()
        self.app_id = "application_%d_%04d" % (stamp, number)
        self.job_id = "job_%d_%04d" % (stamp, number)
        self.ids = "%d_%04d" % (stamp, number)
        self.ctx.job_ids.append(self.job_id)
        self.output = (self.ctx.s3.canonical(self.job.output) or self.job.output).rstrip("/")
        splits = self._submit()
        self.ctx.application_ids.append(self.app_id)
        for message in ("Submitting tokens for job: %s" % self.job_id,):
            self.log.line("INFO", SUBMITTER, message)
        self.log.line("INFO", "org.apache.hadoop.yarn.client.api.impl.YarnClientImpl",
                      "Submitted application %s" % self.app_id)
        self.log.line("INFO", JOB, "The url to track the job: %s%s/"
                      % (self.ctx.proxy_url, self.app_id))
        self.log.line("INFO", JOB, "Running job: %s" % self.job_id)
        self.log.line("INFO", JOB, "Job %s running in uber mode : false" % self.job_id)
        self.total = {"m": len(splits), "r": self.reducers}
        self._progress()
        self._run_job(splits)

    def _refuse(self, message: str) -> None:
        self.log.line("ERROR", STREAM_JOB, message)
        self.log.raw("Try -help for more information", "Streaming Command Failed!")
        raise StepFailed("Unknown Error.", message)

    def _check_classes(self) -> None:
        job = self.job
        known_inputs = (None, *TEXT_FORMATS, *NLINE_FORMATS, *KEY_VALUE_FORMATS)
        problems = []
        if job.inputformat not in known_inputs:
            problems.append("-inputformat : class not found : %s" % job.inputformat)
        if job.outputformat not in OUTPUT_FORMATS:
            problems.append("-outputformat : class not found : %s" % job.outputformat)
        try:
            self.partition = make_partitioner(job.partitioner, self.conf, max(1, self.reducers))
        except UnknownClass:
            problems.append("-partitioner : class not found : %s" % job.partitioner)
        try:
            compress_output(b"", self.conf)
        except UnknownClass as error:
            problems.append("Compression codec %s was not found." % error)
        if problems:
            self._refuse(problems[0])

    def _submit(self) -> list[Split]:
        """Hadoop's checks before submission, then the splits."""
        s3 = self.ctx.s3
        staging = "/tmp/hadoop-yarn/staging/hadoop/.staging/%s" % self.job_id
        try:
            bucket = s3.split(self.output)[0]
            if not s3.bucket_exists(bucket):
                raise StepFailed("Unknown Error.", "java.io.IOException: The specified bucket"
                                 " does not exist (Service: Amazon S3; Status Code: 404;"
                                 " Error Code: NoSuchBucket): %s" % bucket)
            if s3.size(self.output) is not None or s3.list(self.output + "/"):
                raise StepFailed("Output directory already exists.",
                                 "org.apache.hadoop.mapred.FileAlreadyExistsException: "
                                 "Output directory %s already exists" % self.output)
            for uri, _name in self.job.files + self.job.archives:
                if s3.size(uri) is None:
                    raise StepFailed("Unknown Error.", "java.io.FileNotFoundException: "
                                     "File does not exist: %s" % uri)
            try:
                files = find_input_files(s3, self.job.inputs, self.conf)
            except InputError as error:
                raise StepFailed("Input path does not exist.",
                                 "org.apache.hadoop.mapred.InvalidInputException: %s"
                                 % error) from None
            self.log.line("INFO", "org.apache.hadoop.mapred.FileInputFormat",
                          "Total input files to process : %d" % len(files))
            splits = make_splits(s3, files, self.conf, self.job.inputformat)
        except StepFailed as failure:
            self.log.line("INFO", SUBMITTER, "Cleaning up the staging area %s" % staging)
            self.log.line("ERROR", STREAM_JOB, "Error Launching job : %s"
                          % failure.message.split(": ", 1)[-1])
            self.log.raw("Streaming Command Failed!")
            raise
        self.log.line("INFO", SUBMITTER, "number of splits:%d" % len(splits))
        return splits

    # --- the job ----------------------------------------------------------

    def _run_job(self, splits: list[Split]) -> None:
        maps = [_Task("m", i, split.records, split) for i, split in enumerate(splits)]
        self._run_tasks(maps)
        reduces: list[_Task] = []
        if not self.stop.is_set() and self.reducers:
            reduces = [_Task("r", r, self._reducer_input(maps, r)) for r in range(self.reducers)]
            self._run_tasks(reduces)
        self._write_am_logs()
        if self.ctx.live.cancelled.is_set():
            raise StepFailed("Cancelled.", "Job %s was killed" % self.job_id)
        if self.stop.is_set():
            self._fail()
        self._write_output(reduces or maps)
        self.log.line("INFO", JOB, "Job %s completed successfully" % self.job_id)
        header, lines = counters_lines(self._counters())
        self.log.line("INFO", JOB, header, *lines)
        self.log.line("INFO", STREAM_JOB, "Output directory: %s" % self.job.output)

    def _fail(self) -> None:
        maps_failed = 1 if self.failed_task and "_m_" in self.failed_task else 0
        due = "Task failed %s" % self.failed_task
        self.log.line("INFO", JOB, "Job %s failed with state FAILED due to: %s"
                      % (self.job_id, due),
                      "Job failed as tasks failed. failedMaps:%d failedReduces:%d killedMaps:0"
                      " killedReduces: 0" % (maps_failed, 1 - maps_failed), "")
        header, lines = counters_lines(self._counters())
        self.log.line("INFO", JOB, header, *lines)
        self.log.line("ERROR", STREAM_JOB, "Job not successful!")
        self.log.raw("Streaming Command Failed!")
        raise StepFailed("Unknown Error.", "Job %s failed with state FAILED due to: %s"
                         % (self.job_id, due))

    def _run_tasks(self, tasks: list[_Task]) -> None:
        with ThreadPoolExecutor(max_workers=max(1, self.ctx.task_slots)) as pool:
            for future in [pool.submit(self._run_task, task) for task in tasks]:
                future.result()

    def _run_task(self, task: _Task) -> None:
        kind = task.kind
        attempts = int(self.conf["mapreduce.map.maxattempts" if kind == "m"
                                 else "mapreduce.reduce.maxattempts"])
        task_id = "task_%s_%s_%06d" % (self.ids, kind, task.index)
        for number in range(max(1, attempts)):
            if self.stop.is_set() or self.ctx.live.cancelled.is_set():
                self._count("killed_maps" if kind == "m" else "killed_reduces")
                return
            attempt = self._attempt(task, "attempt_%s_%s_%06d_%d"
                                    % (self.ids, kind, task.index, number))
            if attempt.ok:
                self._merge(attempt)
                self._task_done(kind)
                return
            self._count("failed_maps" if kind == "m" else "failed_reduces")
            if self.ctx.live.cancelled.is_set():
                return
            with self.lock:
                self.log.line("INFO", JOB, "Task Id : %s, Status : FAILED" % attempt.attempt_id,
                              *attempt.error, "")
        with self.lock:
            if self.failed_task is None:
                self.failed_task = task_id
        self.stop.set()

    def _attempt(self, task: _Task, attempt_id: str) -> Attempt:
        ctx = self.ctx
        is_map = task.kind == "m"
        with self.lock:
            container_id = "container_%s_01_%06d" % (self.ids, next(self._containers))
        node = ctx.next_worker()
        attempt = Attempt(attempt_id, container_id, node.instance_id, is_map)
        ctx.attempts.append(attempt)
        self._count("maps" if is_map else "reduces")
        cwd = node.container_dir(self.app_id, container_id)
        for uri, name in self.job.files:
            node.link_into(cwd, node.localize(ctx.s3, uri, False, self.app_id), name)
        for uri, name in self.job.archives:
            node.link_into(cwd, node.localize(ctx.s3, uri, True, self.app_id), name)
        syslog = HadoopLog("container", ctx.clock)
        syslog.line("INFO", "org.apache.hadoop.mapred.YarnChild", "Executing with tokens: []")
        syslog.line("INFO", "org.apache.hadoop.mapred.Task",
                    " Using ResourceCalculatorProcessTree : [ ]")
        env = node.environment(cwd)
        env.update(self._task_env(task, attempt_id))
        if is_map:
            split = task.split
            syslog.line("INFO", "org.apache.hadoop.mapred.MapTask", "Processing split: %s:%d+%d"
                        % (split.uri, split.start, split.length))
            command = self.job.mapper
        else:
            command = self.job.reducer
        work = "%s/sim-%s" % (node.yarn_dir, container_id)
        result = run_command(command, task.records, cwd, env, work + "-task", ctx.live,
                             self._timeout(), is_map, attempt_id, syslog)
        stderr = [result.stderr]
        ok = result.ok
        if ok:
            _add_counters(attempt.counters, result.counters)
            ok = self._collect(task, result.output, cwd, env, work, attempt, syslog, stderr)
        else:
            attempt.error = result.error
        if ok:
            syslog.line("INFO", "org.apache.hadoop.mapred.Task",
                        "Task:%s is done. And is in the process of committing" % attempt_id)
            syslog.line("INFO", "org.apache.hadoop.mapred.Task", "Task '%s' done." % attempt_id)
        attempt.ok = ok
        attempt.status = result.status
        key = "%s/%s" % (self.app_id, container_id)
        attempt.logs = {"stderr": "".join(stderr), "stdout": "", "syslog": syslog.text()}
        with ctx.lock:
            ctx.container_logs[key] = attempt.logs
        return attempt

    def _collect(self, task: _Task, output: bytes, cwd: str, env: dict[str, str], work: str,
                 attempt: Attempt, syslog: HadoopLog, stderr: list[str]) -> bool:
        """Keep a successful process's output; for a map task, partition,
        sort and combine it. False if the combiner failed."""
        conf = self.conf
        lines = record_lines(output)
        if task.kind == "r":
            task.output = self._format(lines, "reduce")
            self._add("Reduce output records", len(lines))
            return True
        self._add("Map input records", len(task.records))
        self._add("Bytes Read", task.split.length)
        self._add("Map output records", len(lines))
        if not self.reducers:
            task.output = self._format(lines, "map")
            return True
        separator = conf.get("stream.map.output.field.separator", "\t").encode()
        fields = int(conf.get("stream.num.map.output.key.fields", "1"))
        task.partitions = [[] for _ in range(self.reducers)]
        for line in lines:
            key, value = split_key_value(line, separator, fields)
            task.partitions[self.partition(key)].append((key, value))
            self._add("Map output bytes", len(key) + len(value))
        for number, records in enumerate(task.partitions):
            records.sort(key=lambda record: record[0])
            if not self.job.combiner or not records:
                continue
            combined = run_command(self.job.combiner, [k + b"\t" + v + b"\n" for k, v in records],
                                   cwd, env, "%s-combine-%d" % (work, number), self.ctx.live,
                                   self._timeout(), True, attempt.attempt_id, syslog)
            stderr.append(combined.stderr)
            if not combined.ok:
                attempt.error = combined.error
                return False
            _add_counters(attempt.counters, combined.counters)
            out = [split_key_value(line, separator, fields)
                   for line in record_lines(combined.output)]
            self._add("Combine input records", len(records))
            self._add("Combine output records", len(out))
            task.partitions[number] = sorted(out, key=lambda record: record[0])
        return True

    def _format(self, lines: list[bytes], phase: str) -> bytes:
        """Output lines as TextOutputFormat writes them."""
        conf = self.conf
        separator = conf.get("stream.%s.output.field.separator" % phase, "\t").encode()
        fields = int(conf.get("stream.num.%s.output.key.fields" % phase, "1"))
        joiner = conf.get("mapreduce.output.textoutputformat.separator", "\t").encode()
        out = []
        for line in lines:
            key, value = split_key_value(line, separator, fields)
            out.append(key + joiner + value + b"\n")
        return b"".join(out)

    def _reducer_input(self, maps: list[_Task], number: int) -> list[bytes]:
        records = [record for task in maps for record in task.partitions[number]]
        records.sort(key=lambda record: record[0])
        self._add("Reduce input records", len(records))
        self._add("Reduce input groups", len({key for key, _ in records}))
        self._add("Reduce shuffle bytes", sum(len(k) + len(v) + 2 for k, v in records))
        return [key + b"\t" + value + b"\n" for key, value in records]

    def _task_env(self, task: _Task, attempt_id: str) -> dict[str, str]:
        is_map = task.kind == "m"
        task_id = "task_%s_%s_%06d" % (self.ids, task.kind, task.index)
        conf = dict(self.conf)
        conf.update({
            "mapreduce.job.id": self.job_id, "mapred.job.id": self.job_id,
            "mapreduce.task.id": task_id, "mapred.tip.id": task_id,
            "mapreduce.task.attempt.id": attempt_id, "mapred.task.id": attempt_id,
            "mapreduce.task.partition": str(task.index), "mapred.task.partition": str(task.index),
            "mapreduce.task.ismap": str(is_map).lower(), "mapred.task.is.map": str(is_map).lower(),
        })
        if is_map:
            split = task.split
            for prefix in ("mapreduce.map.input", "map.input"):
                conf[prefix + ".file"] = split.uri
                conf[prefix + ".start"] = str(split.start)
                conf[prefix + ".length"] = str(split.length)
        env = {env_name(name): value for name, value in conf.items()}
        env.update(self.job.cmdenv)
        return env

    def _timeout(self) -> float:
        hadoop = int(self.conf.get("mapreduce.task.timeout", "600000")) / 1000.0
        return min(hadoop, self.ctx.task_timeout) if hadoop > 0 else self.ctx.task_timeout

    # --- bookkeeping ------------------------------------------------------

    def _count(self, name: str) -> None:
        with self.lock:
            self.counts[name] += 1

    def _add(self, name: str, amount: int) -> None:
        with self.lock:
            self.framework[name] = self.framework.get(name, 0) + amount

    def _merge(self, attempt: Attempt) -> None:
        with self.lock:
            _add_counters(self.user, attempt.counters)

    def _task_done(self, kind: str) -> None:
        with self.lock:
            self.done[kind] += 1
            self._progress()

    def _progress(self) -> None:
        total = self.total
        now = (self.done["m"] * 100 // max(1, total["m"]),
               self.done["r"] * 100 // total["r"] if total["r"] else 0)
        if now != self.last_progress:
            self.last_progress = now
            self.log.line("INFO", JOB, " map %d%% reduce %d%%" % now)

    def _write_output(self, tasks: list[_Task]) -> None:
        written = 0
        for task in tasks:
            data, suffix = compress_output(task.output, self.conf)
            self.ctx.s3.put("%s/part-%05d%s" % (self.output, task.index, suffix), data)
            written += len(data)
        self.ctx.s3.put(self.output + "/_SUCCESS", b"")
        self.bytes_written = written

    def _write_am_logs(self) -> None:
        syslog = HadoopLog("container", self.ctx.clock)
        app_master = "org.apache.hadoop.mapreduce.v2.app.MRAppMaster"
        syslog.line("INFO", app_master, "Created MRAppMaster for application appattempt_%s_000001"
                    % self.ids)
        syslog.line("INFO", app_master, "Executing with tokens: [Kind: YARN_AM_RM_TOKEN]")
        state = "FAILED" if self.stop.is_set() else "SUCCEEDED"
        syslog.line("INFO", "org.apache.hadoop.mapreduce.v2.app.job.impl.JobImpl",
                    "%s Job Transitioned from RUNNING to %s" % (self.job_id, state))
        key = "%s/container_%s_01_000001" % (self.app_id, self.ids)
        with self.ctx.lock:
            self.ctx.container_logs[key] = {"stderr": "", "stdout": "", "syslog": syslog.text()}

    def _counters(self) -> dict[str, dict[str, int]]:
        counts, fw = self.counts, self.framework
        read = fw.get("Bytes Read", 0)
        written = getattr(self, "bytes_written", 0)
        job_counters = {}
        for label, name in (("Failed map tasks", "failed_maps"),
                            ("Failed reduce tasks", "failed_reduces"),
                            ("Killed map tasks", "killed_maps"),
                            ("Killed reduce tasks", "killed_reduces"),
                            ("Launched map tasks", "maps"), ("Launched reduce tasks", "reduces")):
            if counts[name] or name in ("maps", "reduces"):
                job_counters[label] = counts[name]
        job_counters["Data-local map tasks"] = counts["maps"] - counts["failed_maps"]
        counters = {
            "File System Counters": {
                "FILE: Number of bytes read": fw.get("Reduce shuffle bytes", 0),
                "FILE: Number of bytes written": fw.get("Map output bytes", 0),
                "%s: Number of bytes read" % self.ctx.s3.counter_name: read,
                "%s: Number of bytes written" % self.ctx.s3.counter_name: written,
            },
            "Job Counters ": job_counters,
            "Map-Reduce Framework": {name: fw.get(name, 0) for name in (
                "Map input records", "Map output records", "Map output bytes",
                "Combine input records", "Combine output records", "Reduce input groups",
                "Reduce shuffle bytes", "Reduce input records", "Reduce output records")},
        }
        if self.reducers:
            counters["Shuffle Errors"] = {name: 0 for name in (
                "BAD_ID", "CONNECTION", "IO_ERROR", "WRONG_LENGTH", "WRONG_MAP", "WRONG_REDUCE")}
        counters["File Input Format Counters "] = {"Bytes Read": read}
        counters["File Output Format Counters "] = {"Bytes Written": written}
        for group in sorted(self.user):
            counters[group] = dict(sorted(self.user[group].items()))
        return counters


def _add_counters(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> None:
    for group, values in more.items():
        target = into.setdefault(group, {})
        for name, amount in values.items():
            target[name] = target.get(name, 0) + amount
