"""Uploading a job's files for a cluster: by content, once, packed repeatably."""

import io
import os
import tarfile
import zipfile

from streamr.fs.composite import make_filesystem
from streamr.runners.uploads import Uploads, file_md5, pack_dir, pack_streamr


def test_streamr_zip_is_the_same_bytes_each_time(tmp_path):
    os.makedirs(tmp_path / "a")
    first = pack_streamr(str(tmp_path / "a"))
    os.makedirs(tmp_path / "b")
    second = pack_streamr(str(tmp_path / "b"))
    assert file_md5(first) == file_md5(second)
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
    assert "streamr/job.py" in names and "streamr/protocol.py" in names
    assert not [n for n in names if "__pycache__" in n or not n.endswith(".py")]


def test_streamr_zip_is_importable_with_only_the_standard_library(tmp_path):
    import subprocess
    import sys

    path = pack_streamr(str(tmp_path))
    code = "import streamr.job, streamr.protocol; print(streamr.job.__file__)"
    done = subprocess.run([sys.executable, "-S", "-c", code], env={"PYTHONPATH": path},
                          capture_output=True, text=True, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "streamr.zip" in done.stdout


def test_packed_dir_ignores_times_and_keeps_contents(tmp_path):
    src = tmp_path / "data"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha\n")
    (src / "sub" / "b.txt").write_text("beta\n")
    one = pack_dir(str(src), str(tmp_path / "one.tar.gz"))
    os.utime(src / "a.txt", (1, 1))
    two = pack_dir(str(src), str(tmp_path / "two.tar.gz"))
    assert file_md5(one) == file_md5(two)
    with tarfile.open(one) as archive:
        assert sorted(archive.getnames()) == ["a.txt", "sub", "sub/b.txt"]
        assert archive.extractfile("sub/b.txt").read() == b"beta\n"
    (src / "a.txt").write_text("changed\n")
    three = pack_dir(str(src), str(tmp_path / "three.tar.gz"))
    assert file_md5(three) != file_md5(one)


def test_files_go_up_by_content_and_only_once(aws, tmp_path, caplog):
    aws.bucket("up-bucket")
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    job = tmp_path / "job.py"
    job.write_text("print('hi')\n")
    uploads = Uploads(fs, "s3://up-bucket/tmp/files")
    uri = uploads.uri_for(str(job))
    assert uri == "s3://up-bucket/tmp/files/%s/job.py" % file_md5(str(job))
    uploads.upload()
    assert aws.get(uri) == b"print('hi')\n"

    # a second run with the same file uploads nothing
    again = Uploads(fs, "s3://up-bucket/tmp/files")
    assert again.uri_for(str(job)) == uri
    aws.put(uri, b"marker: not replaced")
    caplog.set_level("INFO")
    again.upload()
    assert aws.get(uri) == b"marker: not replaced"
    assert "uploaded 0 file(s)" in caplog.text and "1 already there" in caplog.text

    # changed content goes to a new place
    job.write_text("print('bye')\n")
    changed = Uploads(fs, "s3://up-bucket/tmp/files")
    new_uri = changed.uri_for(str(job))
    assert new_uri != uri
    changed.upload()
    assert aws.get(new_uri) == b"print('bye')\n"


def test_many_files_upload_in_parallel(aws, tmp_path):
    aws.bucket("many")
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    uploads = Uploads(fs, "s3://many/files")
    uris = []
    for num in range(20):
        path = tmp_path / ("f%02d.txt" % num)
        path.write_bytes(b"%d\n" % num)
        uris.append(uploads.uri_for(str(path)))
    uploads.upload()
    assert len(aws.keys("s3://many/files/")) == 20
    assert io.BytesIO(aws.get(uris[7])).read() == b"7\n"


def test_task_tracebacks_lose_streamr_frames_and_container_paths():
    from streamr.runners.emr.log_fetch import tidy_traceback

    box = "/mnt/yarn/usercache/hadoop/appcache/application_1_0001/container_1_0001_01_000002"
    lines = [
        "Traceback (most recent call last):",
        '  File "%s/mr_job.py", line 30, in <module>' % box,
        "    MRJob.run()",
        '  File "%s/streamr.zip/streamr/job.py", line 422, in run' % box,
        '  File "%s/streamr.zip/streamr/job.py", line 578, in map_pairs' % box,
        "    yield from mapper(key, value) or ()",
        '  File "%s/mr_job.py", line 12, in mapper' % box,
        "    raise ValueError('bad')",
        "ValueError: bad",
    ]
    assert tidy_traceback(lines) == [
        "Traceback (most recent call last):",
        '  File "mr_job.py", line 30, in <module>',
        "    MRJob.run()",
        '  File "mr_job.py", line 12, in mapper',
        "    raise ValueError('bad')",
        "ValueError: bad",
    ]
