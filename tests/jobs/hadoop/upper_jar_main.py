"""What the jar of ``mr_jar_then_streaming.py`` runs (zipped as the
``__main__.py`` of a jar the stand-in Hadoop runs): ``[-D NAME=VALUE...]
INPUTS OUTPUT``, every input line upper-cased into ``OUTPUT/part-00000``,
on the stand-in's HDFS."""

import os
import sys

from tests.hadoop_standin.store import HdfsStore


def main(args):
    while args and args[0] == "-D":
        args = args[2:]
    inputs, output = args[0].split(","), args[1]
    store = HdfsStore(os.path.join(os.environ["STREAMR_STANDIN_HOME"], "hdfs"))
    data = b""
    for uri in inputs:
        for obj in store.list(uri):
            if not os.path.basename(obj.key).startswith(("_", ".")):
                data += store.get(obj.uri)
    store.put(output.rstrip("/") + "/part-00000", data.upper())
    store.put(output.rstrip("/") + "/_SUCCESS", b"")
    print("upper-cased %d bytes" % len(data), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
