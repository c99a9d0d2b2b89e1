"""The bootstrap script and actions of new clusters
(streamr.runners.emr.bootstrap), including runs of the script under /bin/sh
with stand-ins for aws, sudo and the package managers."""

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

from streamr.errors import UsageError
from streamr.runners.emr.bootstrap import (
    DEFAULT_BOOTSTRAP_DIR,
    BootstrapFile,
    bootstrap_actions_request,
    bootstrap_fingerprint,
    parse_bootstrap_command,
    plan_bootstrap,
)


def write(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture()
def local(tmp_path, monkeypatch):
    """A directory of local files, the current directory during the test."""
    root = tmp_path / "local"
    write(root / "x.sh", "echo x\n")
    write(root / "sub" / "x.sh", "echo sub x\n")
    (root / "adir").mkdir()
    monkeypatch.chdir(root)
    return root


# --- finding path# references -------------------------------------------------------


@pytest.mark.parametrize("cmd, refs", [
    ("sh ./x.sh#", [("./x.sh", None)]),
    ("./x.sh#y.sh a b", [("./x.sh", "y.sh")]),
    ("sh x.sh#", [("x.sh", None)]),
    ("sh ./x.sh# ./sub/x.sh#b.sh", [("./x.sh", None), ("./sub/x.sh", "b.sh")]),
    ("run --conf=./x.sh#", [("./x.sh", None)]),
    ("CONF=./x.sh# sh -c true", [("./x.sh", None)]),
    ("true;./x.sh#|cat>/dev/null", [("./x.sh", None)]),
    ("true&&./x.sh#&", [("./x.sh", None)]),
    ("(./x.sh#)", [("./x.sh", None)]),
    ("echo $(cat ./x.sh#)", [("./x.sh", None)]),
    ("echo hi # a comment\nsh ./x.sh#", [("./x.sh", None)]),
    ("sh\t./x.sh#\t", [("./x.sh", None)]),
])
def test_file_references_found(local, cmd, refs):
    assert parse_bootstrap_command(cmd) == refs


@pytest.mark.parametrize("cmd", [
    "sh './x.sh#'",
    'sh "./x.sh#"',
    "sh ./x.sh\\#",
    "sh '.'/x.sh#",
    "echo ok # ./x.sh#",
    "echo ok #./x.sh#",
    "echo ok;#./x.sh#",
    "echo ${x#./y} ${#x} $#",
    'echo "$(cat ./x.sh#)"',
    "echo `cat ./x.sh#`",
    "sh ./x.sh#a/b",
    "#./x.sh#",
    "echo no files here",
])
def test_not_file_references(local, cmd):
    assert parse_bootstrap_command(cmd) == []


def test_home_is_expanded(local, monkeypatch):
    monkeypatch.setenv("HOME", str(local / "sub"))
    assert parse_bootstrap_command("sh ~/x.sh#") == [("~/x.sh", None)]
    plan = plan_bootstrap(["sh ~/x.sh#"], False, lambda path: "s3://b/" + path)
    assert plan.files[0].local_path == str(local / "sub" / "x.sh")


def test_missing_file_is_refused(local):
    with pytest.raises(UsageError) as info:
        parse_bootstrap_command("sh ./nope.sh#")
    assert str(info.value).startswith(
        "bootstrap file ./nope.sh (in 'sh ./nope.sh#') does not exist")


def test_word_with_a_hash_that_is_no_file_must_be_quoted(local):
    with pytest.raises(UsageError, match="issue.*does not exist.*quote the word"):
        parse_bootstrap_command("echo issue#42")
    assert parse_bootstrap_command("echo 'issue#42'") == []


def test_directory_is_refused(local):
    with pytest.raises(UsageError, match=r"^bootstrap file ./adir \(in 'ls ./adir#'\) is not"
                                         " a file"):
        parse_bootstrap_command("ls ./adir#")


def test_uri_is_refused(local):
    with pytest.raises(UsageError, match=r"^bootstrap file s3://b/x.sh \(in 'sh s3://b/x.sh#'\)"
                                         " is a URI: only local files"):
        parse_bootstrap_command("sh s3://b/x.sh#")


@pytest.mark.parametrize("cmd", ["sh ./x.sh#..", "sh ./x.sh#."])
def test_dot_names_are_refused(local, cmd):
    with pytest.raises(UsageError, match="cannot be a file name"):
        parse_bootstrap_command(cmd)


@pytest.mark.parametrize("cmd, quote", [("echo 'abc ./x.sh#", "'"), ('echo "abc', '"'),
                                        ("echo `abc", "`")])
def test_unclosed_quote_is_refused(local, cmd, quote):
    with pytest.raises(UsageError) as info:
        parse_bootstrap_command(cmd)
    assert str(info.value) == "bootstrap command %r has an unclosed %s" % (cmd, quote)


# --- planning ------------------------------------------------------------------------


class FakeUploads:
    """A stand-in for the runner's uploads: content-addressed URIs, and the
    files copied into a directory that plays S3."""

    def __init__(self, s3_dir):
        self.s3_dir = s3_dir
        self.calls = []

    def __call__(self, local_path):
        self.calls.append(local_path)
        with open(local_path, "rb") as source:
            key = hashlib.sha256(source.read()).hexdigest()[:16] + "-" + os.path.basename(
                local_path)
        self.s3_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(local_path, self.s3_dir / key)
        return "s3://fake-bucket/tmp/files/" + key


@pytest.fixture()
def uploads(tmp_path):
    return FakeUploads(tmp_path / "s3")


def test_nothing_to_do_means_no_script(uploads):
    plan = plan_bootstrap([], False, uploads)
    assert plan.script is None
    assert plan.files == []
    assert uploads.calls == []


def test_python_only_script(uploads):
    plan = plan_bootstrap([], True, uploads)
    assert "python3 -c" in plan.script
    assert "dnf install -y python3 || sudo yum install -y python3" in plan.script
    assert "running:" not in plan.script
    assert DEFAULT_BOOTSTRAP_DIR in plan.script


def test_no_python_check_when_not_asked(uploads):
    plan = plan_bootstrap(["true"], False, uploads)
    assert "python3" not in plan.script
    assert "running: true" in plan.script


def test_plan_files_names_and_node_commands(local, uploads):
    plan = plan_bootstrap(["sh ./x.sh# --conf=sub/x.sh#", "cat x.sh# ./x.sh#other.sh"],
                          False, uploads)
    assert [(f.local_path, f.name) for f in plan.files] == [
        (str(local / "x.sh"), "x.sh"),
        (str(local / "sub" / "x.sh"), "x-1.sh"),
        (str(local / "x.sh"), "other.sh"),
    ]
    assert all(isinstance(f, BootstrapFile) for f in plan.files)
    assert plan.files[0].uri == plan.files[2].uri
    assert uploads.calls == [str(local / "x.sh"), str(local / "sub" / "x.sh")]
    assert plan.node_commands == [
        'sh "$STREAMR_BOOTSTRAP_DIR"/x.sh --conf="$STREAMR_BOOTSTRAP_DIR"/x-1.sh',
        'cat "$STREAMR_BOOTSTRAP_DIR"/x.sh "$STREAMR_BOOTSTRAP_DIR"/other.sh',
    ]
    assert plan.commands == ["sh ./x.sh# --conf=sub/x.sh#", "cat x.sh# ./x.sh#other.sh"]


def test_colliding_chosen_names_get_distinct_names(local, uploads):
    write(local / "y.sh", "echo y\n")
    plan = plan_bootstrap(["sh ./x.sh#run.sh", "sh ./y.sh#run.sh", "sh ./sub/x.sh#run.sh"],
                          False, uploads)
    assert [f.name for f in plan.files] == ["run.sh", "run-1.sh", "run-2.sh"]


def test_script_fetches_each_file_and_makes_it_executable(local, uploads):
    plan = plan_bootstrap(["sh ./x.sh#"], False, uploads)
    uri = plan.files[0].uri
    assert "\naws s3 cp %s ./x.sh\n" % uri in plan.script
    assert "\nchmod +x ./x.sh\n" in plan.script
    assert plan.script.startswith("#!/bin/sh\n")
    assert "\nset -e\n" in plan.script


# --- running the script under /bin/sh ---------------------------------------------------

STAND_INS = {
    # aws s3 cp s3://BUCKET/KEY DEST: copy from the directory that plays S3
    "aws": """#!/bin/sh
echo "aws $*" >> "$FAKE_ROOT/calls.log"
[ "$1 $2" = "s3 cp" ] || exit 2
rest=${3#s3://}
cp "$FAKE_S3/${rest##*/}" "$4"
""",
    "sudo": """#!/bin/sh
echo "sudo $*" >> "$FAKE_ROOT/calls.log"
STANDIN_SUDO=1
export STANDIN_SUDO
exec "$@"
""",
    "dnf": """#!/bin/sh
echo "dnf $*" >> "$FAKE_ROOT/calls.log"
[ -e "$FAKE_ROOT/no-dnf" ] && exit 127
[ -e "$FAKE_ROOT/install-fails" ] && exit 1
touch "$FAKE_ROOT/python-installed"
""",
    "yum": """#!/bin/sh
echo "yum $*" >> "$FAKE_ROOT/calls.log"
[ -e "$FAKE_ROOT/install-fails" ] && exit 1
touch "$FAKE_ROOT/python-installed"
""",
    "python3": """#!/bin/sh
if [ -e "$FAKE_ROOT/no-python" ] && [ ! -e "$FAKE_ROOT/python-installed" ]; then
    echo "python3: not found" >&2
    exit 127
fi
exec %s "$@"
""" % sys.executable,
}


class Node:
    """A stand-in for a cluster node: a bin directory of stand-ins first on
    PATH, a directory playing S3, and a log of the stand-ins' calls."""

    def __init__(self, root, uploads):
        self.root = root
        self.uploads = uploads
        self.bin = root / "bin"
        self.bootstrap_dir = root / "node" / "bootstrap"
        for name, text in STAND_INS.items():
            self.add_stand_in(name, text)

    def add_stand_in(self, name, text):
        write(self.bin / name, text, 0o755)

    def mark(self, name):
        (self.root / name).touch()

    @property
    def calls(self):
        log = self.root / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def run(self, plan, bootstrap_dir=None):
        script = write(self.root / "streamr-bootstrap.sh", plan.script)
        env = {
            "PATH": "%s:/usr/bin:/bin" % self.bin,
            "FAKE_ROOT": str(self.root),
            "FAKE_S3": str(self.uploads.s3_dir),
            "STREAMR_BOOTSTRAP_DIR": str(bootstrap_dir or self.bootstrap_dir),
            "HOME": str(self.root),
        }
        (self.root / "cwd").mkdir(exist_ok=True)
        return subprocess.run(["/bin/sh", str(script)], env=env, cwd=str(self.root / "cwd"),
                              capture_output=True, text=True, timeout=30,
                              start_new_session=True, check=False)


@pytest.fixture()
def node(tmp_path, uploads):
    return Node(tmp_path / "fake", uploads)


def streamr_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("streamr bootstrap: ")]


def test_script_runs_commands_with_files_in_place(local, uploads, node):
    write(local / "setup.sh", '#!/bin/sh\ncat "$1" > "$FAKE_ROOT/out.txt"\n'
                              'pwd > "$FAKE_ROOT/pwd.txt"\n')
    write(local / "data.txt", "the data\n")
    write(local / "sub" / "setup.sh", "another setup\n")
    commands = [
        "./setup.sh# ./data.txt#input.txt",
        'cd / && cat sub/setup.sh# > "$FAKE_ROOT/out2.txt"',
        'echo "# not a comment" > "$FAKE_ROOT/out3.txt" # but this is ./x.sh#',
    ]
    plan = plan_bootstrap(commands, True, uploads)
    result = node.run(plan)
    assert result.returncode == 0, result.stderr

    bootstrap_dir = node.bootstrap_dir
    assert (node.root / "out.txt").read_text() == "the data\n"
    assert (node.root / "pwd.txt").read_text().strip() == str(bootstrap_dir)
    assert (node.root / "out2.txt").read_text() == "another setup\n"
    assert (node.root / "out3.txt").read_text() == "# not a comment\n"
    assert sorted(os.listdir(bootstrap_dir)) == ["input.txt", "setup-1.sh", "setup.sh"]
    for name in ("input.txt", "setup-1.sh", "setup.sh"):
        assert os.stat(bootstrap_dir / name).st_mode & stat.S_IXUSR

    lines = streamr_lines(result.stderr)
    assert [line for line in lines if "running:" in line] == [
        "streamr bootstrap: running: " + cmd for cmd in commands]
    assert lines[-1] == "streamr bootstrap: done"
    assert len([call for call in node.calls if call.startswith("aws s3 cp ")]) == 3
    assert not any("dnf" in call or "yum" in call for call in node.calls)


def test_failing_command_stops_the_script(local, uploads, node):
    write(local / "fail.sh", "echo broken >&2\nexit 3\n")
    plan = plan_bootstrap(['touch "$FAKE_ROOT/before"', "sh ./fail.sh#",
                           'touch "$FAKE_ROOT/after"'], False, uploads)
    result = node.run(plan)
    assert result.returncode == 3
    lines = streamr_lines(result.stderr)
    assert [line for line in lines if "running:" in line][-1] == (
        "streamr bootstrap: running: sh ./fail.sh#")
    assert "broken" in result.stderr
    assert lines[-1] == "streamr bootstrap: failed with exit status 3"
    assert (node.root / "before").exists()
    assert not (node.root / "after").exists()


def test_missing_file_in_s3_stops_the_script(local, uploads, node):
    plan = plan_bootstrap(['sh ./x.sh#', 'touch "$FAKE_ROOT/after"'], False, uploads)
    shutil.rmtree(uploads.s3_dir)
    result = node.run(plan)
    assert result.returncode != 0
    assert "running:" not in result.stderr
    assert not (node.root / "after").exists()


def test_missing_python_is_installed_with_dnf(uploads, node):
    node.mark("no-python")
    plan = plan_bootstrap(['touch "$FAKE_ROOT/after"'], True, uploads)
    result = node.run(plan)
    assert result.returncode == 0, result.stderr
    assert "sudo dnf install -y python3" in node.calls
    assert not any(call.startswith("yum") for call in node.calls)
    assert (node.root / "after").exists()
    assert "python3 missing or older than 3.9: installing it" in result.stderr


def test_yum_when_there_is_no_dnf(uploads, node):
    node.mark("no-python")
    node.mark("no-dnf")
    result = node.run(plan_bootstrap([], True, uploads))
    assert result.returncode == 0, result.stderr
    assert node.calls[-1] == "yum install -y python3"
    assert "sudo yum install -y python3" in node.calls


def test_python_that_cannot_be_installed_stops_the_script(uploads, node):
    node.mark("no-python")
    node.mark("install-fails")
    result = node.run(plan_bootstrap(['touch "$FAKE_ROOT/after"'], True, uploads))
    assert result.returncode != 0
    assert not (node.root / "after").exists()
    assert "streamr bootstrap: running:" not in result.stderr


def test_python_too_old_after_install_stops_the_script(uploads, node):
    node.mark("no-python")
    # a package manager that "succeeds" but leaves python3 missing
    node.add_stand_in("dnf", '#!/bin/sh\necho "dnf $*" >> "$FAKE_ROOT/calls.log"\n')
    result = node.run(plan_bootstrap(['touch "$FAKE_ROOT/after"'], True, uploads))
    assert result.returncode == 1
    assert "streamr bootstrap: python3 is still missing or older than 3.9" in result.stderr
    assert not (node.root / "after").exists()


def test_old_python_counts_as_missing(uploads, node):
    old = '#!/bin/sh\n[ -e "$FAKE_ROOT/python-installed" ] && exec %s "$@"\nexit 1\n'
    node.add_stand_in("python3", old % sys.executable)
    result = node.run(plan_bootstrap([], True, uploads))
    assert result.returncode == 0, result.stderr
    assert "sudo dnf install -y python3" in node.calls


def test_bootstrap_dir_made_with_sudo_when_needed(uploads, node):
    protected = node.root / "protected"
    node.add_stand_in("mkdir", """#!/bin/sh
case "$*" in *"%s"*) [ -n "$STANDIN_SUDO" ] || exit 1;; esac
exec /bin/mkdir "$@"
""" % protected)
    result = node.run(plan_bootstrap(['pwd > "$FAKE_ROOT/pwd.txt"'], False, uploads),
                      bootstrap_dir=protected / "bs")
    assert result.returncode == 0, result.stderr
    assert "sudo mkdir -p %s" % (protected / "bs") in node.calls
    assert any(call.startswith("sudo chown ") for call in node.calls)
    assert (node.root / "pwd.txt").read_text().strip() == str(protected / "bs")


def test_no_sudo_when_mkdir_works(uploads, node):
    result = node.run(plan_bootstrap(["true"], False, uploads))
    assert result.returncode == 0, result.stderr
    assert node.bootstrap_dir.is_dir()
    assert not any(call.startswith("sudo") for call in node.calls)


def test_relative_bootstrap_dir_becomes_absolute(local, uploads, node):
    plan = plan_bootstrap(['cd / && cat ./x.sh# > "$FAKE_ROOT/out.txt"',
                           'echo "$STREAMR_BOOTSTRAP_DIR" > "$FAKE_ROOT/dir.txt"'],
                          False, uploads)
    result = node.run(plan, bootstrap_dir="rel/bs")
    assert result.returncode == 0, result.stderr
    assert (node.root / "out.txt").read_text() == "echo x\n"
    assert (node.root / "dir.txt").read_text().strip() == str(node.root / "cwd" / "rel" / "bs")


def test_trailing_backslash_does_not_swallow_the_next_command(uploads, node):
    plan = plan_bootstrap(["echo one \\", 'touch "$FAKE_ROOT/second"'], False, uploads)
    result = node.run(plan)
    assert result.returncode == 0, result.stderr
    assert (node.root / "second").exists()
    assert streamr_lines(result.stderr)[-2:] == [
        'streamr bootstrap: running: touch "$FAKE_ROOT/second"', "streamr bootstrap: done"]
    assert "one\n" in result.stdout


def test_odd_characters_in_commands_are_echoed_exactly(uploads, node):
    cmd = "printf '%s\\n' \"it's\" 'a\\tb' > \"$FAKE_ROOT/out.txt\""
    result = node.run(plan_bootstrap([cmd], False, uploads))
    assert result.returncode == 0, result.stderr
    assert (node.root / "out.txt").read_text() == "it's\na\\tb\n"
    assert "streamr bootstrap: running: " + cmd in result.stderr.splitlines()


# --- bootstrap actions -----------------------------------------------------------------


def test_actions_request_script_first_then_actions():
    request = bootstrap_actions_request("s3://b/tmp/bootstrap.sh", [
        "s3://bucket/x.sh arg1 'arg two'", 's3://bucket/deep/dir/y.sh "--flag=a b"'])
    assert request == [
        {"Name": "streamr bootstrap",
         "ScriptBootstrapAction": {"Path": "s3://b/tmp/bootstrap.sh", "Args": []}},
        {"Name": "action 1: x.sh",
         "ScriptBootstrapAction": {"Path": "s3://bucket/x.sh", "Args": ["arg1", "arg two"]}},
        {"Name": "action 2: y.sh",
         "ScriptBootstrapAction": {"Path": "s3://bucket/deep/dir/y.sh",
                                   "Args": ["--flag=a b"]}},
    ]


def test_actions_request_without_a_script():
    request = bootstrap_actions_request(None, ["s3://bucket/x.sh"])
    assert request == [{"Name": "action 1: x.sh",
                        "ScriptBootstrapAction": {"Path": "s3://bucket/x.sh", "Args": []}}]
    assert bootstrap_actions_request(None, []) == []


@pytest.mark.parametrize("line, message", [
    ("x.sh a", "bootstrap action 'x.sh a' must start with the S3 URI of a script"
               " (s3://bucket/path), not 'x.sh'"),
    ("/abs/x.sh", "bootstrap action '/abs/x.sh' must start with the S3 URI"),
    ("s3://bucket", "bootstrap action 's3://bucket' must start with the S3 URI"),
    ("s3://bucket/", "bootstrap action 's3://bucket/' must start with the S3 URI"),
    ("https://host/x.sh", "bootstrap action 'https://host/x.sh' must start with the S3 URI"),
    ("", "bootstrap action '' is empty"),
    ("s3://b/x.sh 'oops", "bootstrap action \"s3://b/x.sh 'oops\": cannot split it"),
])
def test_bad_actions_are_refused(line, message):
    with pytest.raises(UsageError) as info:
        bootstrap_actions_request(None, ["s3://bucket/good.sh", line])
    assert str(info.value).startswith(message)


def test_at_most_sixteen_actions():
    sixteen = ["s3://bucket/a%d.sh" % n for n in range(16)]
    assert len(bootstrap_actions_request(None, sixteen)) == 16
    assert len(bootstrap_actions_request("s3://b/s.sh", sixteen[:15])) == 16
    with pytest.raises(UsageError, match=r"^too many bootstrap actions: EMR allows at most 16,"
                                         r" and these are 17 \(streamr's own"):
        bootstrap_actions_request("s3://b/s.sh", sixteen)


# --- fingerprint ------------------------------------------------------------------------


def fingerprint(commands, python=True, actions=()):
    def content_uri(path):
        with open(path, "rb") as file:
            return "s3://b/" + hashlib.sha256(file.read()).hexdigest()

    return bootstrap_fingerprint(plan_bootstrap(commands, python, content_uri), list(actions))


def test_fingerprint_is_stable(local):
    first = fingerprint(["sh ./x.sh#"], actions=["s3://b/a.sh 1"])
    assert re.fullmatch("[0-9a-f]{64}", first)
    assert fingerprint(["sh ./x.sh#"], actions=["s3://b/a.sh 1"]) == first


def test_fingerprint_ignores_how_paths_and_arguments_are_spelled(local):
    assert fingerprint(["sh ./x.sh#"]) == fingerprint(["sh %s#" % (local / "x.sh")])
    assert (fingerprint([], actions=["s3://b/a.sh 'a b'"])
            == fingerprint([], actions=['s3://b/a.sh "a b"']))


def test_fingerprint_changes_with_what_nodes_get(local):
    base = fingerprint(["sh ./x.sh#"], actions=["s3://b/a.sh 1"])
    assert fingerprint(["sh ./x.sh# -v"], actions=["s3://b/a.sh 1"]) != base
    assert fingerprint(["sh ./x.sh#"], actions=["s3://b/a.sh 2"]) != base
    assert fingerprint(["sh ./x.sh#"], actions=[]) != base
    assert fingerprint(["sh ./x.sh#"], python=False, actions=["s3://b/a.sh 1"]) != base
    assert fingerprint(["sh ./x.sh#y.sh"], actions=["s3://b/a.sh 1"]) != base
    write(local / "x.sh", "echo changed\n")
    assert fingerprint(["sh ./x.sh#"], actions=["s3://b/a.sh 1"]) != base


def test_fingerprint_does_not_depend_on_where_files_are_uploaded(local):
    def under(prefix):
        def uri_for(path):
            with open(path, "rb") as handle:
                digest = hashlib.md5(handle.read(), usedforsecurity=False).hexdigest()
            return "%s/files/%s/%s" % (prefix, digest, os.path.basename(path))
        return uri_for

    first = bootstrap_fingerprint(plan_bootstrap(["sh ./x.sh#"], True, under("s3://a/tmp")), [])
    second = bootstrap_fingerprint(plan_bootstrap(["sh ./x.sh#"], True, under("s3://b/t2")), [])
    assert first == second
    (local / "x.sh").write_text("echo changed\n")
    third = bootstrap_fingerprint(plan_bootstrap(["sh ./x.sh#"], True, under("s3://a/tmp")), [])
    assert third != first
