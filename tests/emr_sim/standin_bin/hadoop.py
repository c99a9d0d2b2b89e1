"""Stand-in for ``hadoop`` (and ``hdfs``) on a simulated EMR node:
``hadoop fs`` / ``hdfs dfs`` with ``-get``, ``-copyToLocal``, ``-put``,
``-copyFromLocal``, ``-cat``, ``-ls``, ``-mkdir``, ``-test``, ``-rm`` on
``s3://`` URIs, and ``hadoop version``. Anything else fails, saying so."""

from __future__ import annotations

import os
import sys

import s3cli

_FLAGS = ("-f", "-p", "-r", "-R", "-skipTrash", "-crc", "-ignoreCrc", "-l", "-d", "-h")


def main(argv: list[str]) -> int:
    s3cli.log_call(argv)
    if argv[:1] == ["version"]:
        print("Hadoop 3.3.6-amzn-3 (simulated)")
        return 0
    if len(argv) < 2 or argv[0] not in ("fs", "dfs"):
        return _unsupported(argv)
    command = argv[1]
    flags = [arg for arg in argv[2:] if arg in _FLAGS]
    paths = [arg for arg in argv[2:] if arg not in _FLAGS]
    name = command.lstrip("-")
    try:
        if command in ("-get", "-copyToLocal") and len(paths) >= 2:
            for src in paths[:-1]:
                s3cli.download(src, paths[-1])
            return 0
        if command in ("-put", "-copyFromLocal") and len(paths) >= 2:
            for src in paths[:-1]:
                dest = paths[-1]
                if len(paths) > 2 and not dest.endswith("/"):
                    dest += "/"
                s3cli.upload(src, dest)
            return 0
        if command == "-cat" and paths:
            for uri in paths:
                sys.stdout.buffer.write(_read(uri))
            sys.stdout.flush()
            return 0
        if command == "-ls":
            return _ls(paths or ["."], recursive="-R" in flags)
        if command == "-mkdir":
            return 0
        if command == "-test" and len(argv) == 4:
            return _test(argv[2], argv[3])
        if command == "-rm" and paths:
            return _rm(paths, recursive="-r" in flags or "-R" in flags)
    except s3cli.NotFound as missing:
        print("%s: `%s': No such file or directory" % (name, missing), file=sys.stderr)
        return 1
    return _unsupported(argv)


def _unsupported(argv: list[str]) -> int:
    print("hadoop (simulated EMR node): unsupported command: hadoop %s" % " ".join(argv),
          file=sys.stderr)
    return 255


def _read(uri: str) -> bytes:
    if s3cli.is_s3(uri):
        return s3cli.read(uri)
    path = s3cli.local_path(uri)
    if not os.path.isfile(path):
        raise s3cli.NotFound(uri)
    with open(path, "rb") as data:
        return data.read()


def _ls(uris: list[str], recursive: bool) -> int:
    for uri in uris:
        if not s3cli.is_s3(uri):
            print("ls: only s3:// URIs on a simulated node: %s" % uri, file=sys.stderr)
            return 1
        bucket = s3cli.split(uri)[0]
        if recursive:
            files = [item for item in s3cli.listing(uri) if not item[0].endswith("/")]
            dirs: list[str] = []
            if not files:
                raise s3cli.NotFound(uri)
        else:
            files, dirs = s3cli.children(uri)
        print("Found %d items" % (len(files) + len(dirs)))
        for sub in dirs:
            print("drwxrwxrwx   - hadoop hadoop %10d 1970-01-01 00:00 s3://%s/%s"
                  % (0, bucket, sub.rstrip("/")))
        for key, size, modified in files:
            print("-rw-rw-rw-   1 hadoop hadoop %10d %s s3://%s/%s"
                  % (size, modified.strftime("%Y-%m-%d %H:%M"), bucket, key))
    return 0


def _test(flag: str, uri: str) -> int:
    try:
        files, dirs = s3cli.children(uri)
    except s3cli.NotFound:
        return 1
    key = s3cli.split(uri)[1]
    is_file = len(files) == 1 and not dirs and files[0][0] == key
    if flag == "-f":
        return 0 if is_file else 1
    if flag == "-d":
        return 1 if is_file else 0
    return 0


def _rm(uris: list[str], recursive: bool) -> int:
    for uri in uris:
        files, dirs = s3cli.children(uri)
        bucket, key = s3cli.split(uri)
        if (dirs or files[0][0] != key) and not recursive:
            print("rm: `%s': Is a directory" % uri, file=sys.stderr)
            return 1
        doomed = [item[0] for item in s3cli.listing(uri)] if recursive else [key]
        for name in doomed:
            s3cli.delete("s3://%s/%s" % (bucket, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
