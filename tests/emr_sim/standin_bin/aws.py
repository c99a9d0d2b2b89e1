"""Stand-in for the AWS CLI on a simulated EMR node: ``aws s3 cp SRC DEST``
(S3 to local, local to S3, S3 to S3; ``--recursive``; ``-`` for stdout) and
``aws s3 ls [URI]``. Anything else fails with a message saying so."""

from __future__ import annotations

import os
import sys

import s3cli

#: options taking a value, and flags, that are accepted and ignored
_VALUED = ("--region", "--endpoint-url", "--profile", "--acl", "--sse", "--storage-class",
           "--content-type", "--expected-size", "--output")
_FLAGS = ("--quiet", "--only-show-errors", "--no-progress", "--no-paginate", "--human-readable",
          "--summarize", "--no-sign-request", "--debug")


def main(argv: list[str]) -> int:
    s3cli.log_call(argv)
    args, recursive = _strip_options(argv)
    try:
        if args[:2] == ["s3", "cp"] and len(args) == 4:
            return _cp(args[2], args[3], recursive)
        if args[:2] == ["s3", "ls"] and len(args) <= 3:
            return _ls(args[2] if len(args) == 3 else None, recursive)
    except s3cli.NotFound as missing:
        print("fatal error: An error occurred (404) when calling the HeadObject operation:"
              " Key \"%s\" does not exist" % missing, file=sys.stderr)
        return 1
    except Exception as error:
        print("fatal error: %s" % error, file=sys.stderr)
        return 1
    print("aws (simulated EMR node): unsupported command: aws %s" % " ".join(argv),
          file=sys.stderr)
    return 252


def _strip_options(argv: list[str]) -> tuple[list[str], bool]:
    args, recursive, skip = [], False, False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--recursive":
            recursive = True
        elif arg in _VALUED:
            skip = True
        elif arg in _FLAGS or (arg.startswith("--") and "=" in arg):
            continue
        else:
            args.append(arg)
    return args, recursive


def _cp(src: str, dest: str, recursive: bool) -> int:
    if recursive:
        return _cp_tree(src, dest)
    if s3cli.is_s3(src):
        data = s3cli.read(src)
        if dest == "-":
            sys.stdout.buffer.write(data)
        elif s3cli.is_s3(dest):
            if dest.endswith("/"):
                dest += s3cli.split(src)[1].rsplit("/", 1)[-1]
            s3cli.write(dest, data)
        else:
            dest = s3cli.download(src, dest)
        if dest != "-":
            print("download: %s to %s" % (src, dest))
        return 0
    if src == "-":
        s3cli.write(dest, sys.stdin.buffer.read())
        return 0
    uploaded = s3cli.upload(src, dest)
    print("upload: %s to %s" % (src, uploaded))
    return 0


def _cp_tree(src: str, dest: str) -> int:
    if s3cli.is_s3(src):
        base = s3cli.split(src)[1]
        base = base if not base or base.endswith("/") else base + "/"
        for key, _size, _modified in s3cli.listing(src):
            if not key.startswith(base) or key.endswith("/"):
                continue
            target = os.path.join(s3cli.local_path(dest), key[len(base):])
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            s3cli.download("s3://%s/%s" % (s3cli.split(src)[0], key), target)
        return 0
    root = s3cli.local_path(src)
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            s3cli.upload(path, dest.rstrip("/") + "/" + rel)
    return 0


def _ls(uri: str | None, recursive: bool) -> int:
    if uri is None:
        for bucket in s3cli.client().list_buckets().get("Buckets", ()):
            print("%s %s" % (bucket["CreationDate"].strftime("%Y-%m-%d %H:%M:%S"),
                             bucket["Name"]))
        return 0
    key = s3cli.split(uri)[1]
    if recursive:
        for name, size, modified in s3cli.listing(uri):
            print("%s %10d %s" % (modified.strftime("%Y-%m-%d %H:%M:%S"), size, name))
        return 0
    base = key[:key.rfind("/") + 1]
    entries = s3cli.listing(uri)
    dirs, files = [], []
    for name, size, modified in entries:
        rest = name[len(base):]
        if "/" in rest:
            sub = rest.split("/", 1)[0] + "/"
            if sub not in dirs:
                dirs.append(sub)
        else:
            files.append((rest, size, modified))
    if not dirs and not files:
        return 1
    for sub in dirs:
        print("%s PRE %s" % (" " * 26, sub))
    for rest, size, modified in files:
        print("%s %10d %s" % (modified.strftime("%Y-%m-%d %H:%M:%S"), size, rest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
