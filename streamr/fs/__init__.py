"""Filesystems: one interface (:class:`~streamr.fs.base.Filesystem`) for
local paths and S3, and a composite that picks by URI scheme."""

from streamr.fs.base import Entry, Filesystem
from streamr.fs.composite import CompositeFilesystem, make_filesystem
from streamr.fs.local import LocalFilesystem

__all__ = ["CompositeFilesystem", "Entry", "Filesystem", "LocalFilesystem",
           "make_filesystem"]
