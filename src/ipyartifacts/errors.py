"""Every error ipyartifacts raises.

One tree, one base class; catch :class:`ArtifactError` to catch them all::

    ArtifactError
    ├── ArtifactNotFoundError      (also KeyError)    no such artifact, alias, version, entry or run
    ├── InvalidNameError           (also ValueError)  a project/artifact name, alias or tag is malformed
    ├── InvalidPathError           (also ValueError)  a logical path or download target is unsafe
    ├── InvalidMetadataError       (also ValueError)  metadata is not JSON (NaN, sets, objects, ...)
    ├── ArtifactTypeMismatchError  (also ValueError)  an artifact is used or logged with another type
    ├── DuplicateEntryError        (also ValueError)  a logical path is added twice
    ├── TooManyObjectsError        (also ValueError)  a reference expands past ``max_objects``
    ├── RegistryExistsError        (also ValueError)  a registry of that name already exists
    ├── SpecialFileError           (also ValueError)  a path names a pipe, device or socket
    ├── ArtifactStateError         (also RuntimeError) the operation does not fit the artifact's state
    │   └── ProtectedAliasError                        a protected registry alias moves without force
    ├── IntegrityError                                 stored bytes do not match their digest
    │   ├── SourceChangedError                         a file changed after it was added
    │   └── ReferenceChangedError                      a referenced URI no longer matches its record
    ├── VerificationError                              a directory does not match a version
    ├── CopyConflictError                              a store copy met a different version under one number
    └── StoreError                 (also OSError)     the catalog or blob store failed
        ├── NetworkFilesystemError                     an embedded store is on NFS/SMB/FUSE
        ├── MissingBlobError                           a version would name bytes the store lacks
        └── StoreIOError                               reading or writing the store failed
            ├── StoreFullError                         its disk is full (ENOSPC, EDQUOT)
            └── StorePermissionError                   it is read-only (EACCES, EPERM, EROFS)

A :class:`StoreIOError` keeps the ``errno`` of the failure (as ``OSError`` does) and says
in which ``phase`` it happened (``"store a file's bytes"``, ``"write the catalog"`` ...) and
on which ``path``; when it interrupts ``log``, no version was committed.

Every error carries its context as attributes (``name``, ``path``, ``digest`` ...) and
a message that says what was expected, what was found and how to fix it.
"""

from __future__ import annotations

import errno as _errno
from collections.abc import Sequence

__all__ = [
    "ArtifactError",
    "ArtifactNotFoundError",
    "ArtifactStateError",
    "ArtifactTypeMismatchError",
    "CopyConflictError",
    "DuplicateEntryError",
    "IntegrityError",
    "InvalidMetadataError",
    "InvalidNameError",
    "InvalidPathError",
    "MissingBlobError",
    "NetworkFilesystemError",
    "ProtectedAliasError",
    "ReferenceChangedError",
    "RegistryExistsError",
    "SourceChangedError",
    "SpecialFileError",
    "StoreError",
    "StoreFullError",
    "StoreIOError",
    "StorePermissionError",
    "TooManyObjectsError",
    "VerificationError",
]


class ArtifactError(Exception):
    """Base class of every error raised by ipyartifacts."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ArtifactNotFoundError(ArtifactError, KeyError):
    """An artifact, version, alias, manifest entry or run does not exist."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name

    # KeyError.__str__ would quote the message; keep it readable.
    __str__ = ArtifactError.__str__


class InvalidNameError(ArtifactError, ValueError):
    """A project or artifact name, alias or tag does not follow the naming rules."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class InvalidPathError(ArtifactError, ValueError):
    """A logical path is unsafe, or a download would write outside its root."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class InvalidMetadataError(ArtifactError, ValueError):
    """Metadata (or run config) cannot be stored as strict JSON."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class ArtifactTypeMismatchError(ArtifactError, ValueError):
    """An artifact was used or logged with a type other than its collection's."""

    def __init__(self, message: str, *, expected: str, received: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.received = received


class DuplicateEntryError(ArtifactError, ValueError):
    """A logical path is already present in the artifact (pass ``overwrite=True``)."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class ArtifactStateError(ArtifactError, RuntimeError):
    """The operation does not fit the artifact's state (draft vs. logged, finished run ...)."""


class RegistryExistsError(ArtifactError, ValueError):
    """A registry of that name already exists (W&B raises ValueError here too)."""

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name


class ProtectedAliasError(ArtifactStateError):
    """A protected alias of a registry would move or be removed without ``force=True``."""

    def __init__(
        self,
        message: str,
        *,
        registry: str,
        collection: str,
        alias: str,
        number: int | None = None,
    ) -> None:
        super().__init__(message)
        self.registry = registry
        self.collection = collection
        self.alias = alias
        self.number = number  # the link number the alias points at now


class IntegrityError(ArtifactError):
    """Stored bytes do not hash to the digest they are filed under."""

    def __init__(self, message: str, *, digest: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.digest = digest
        self.path = path


class SourceChangedError(IntegrityError):
    """A local file changed between being added to an artifact and being stored."""


class ReferenceChangedError(IntegrityError):
    """A reference entry's target (``uri``) no longer matches what was recorded when it was added.

    ``expected`` and ``found`` describe the recorded and the current state (an ETag,
    a size or a digest, named in the message).
    """

    def __init__(
        self,
        message: str,
        *,
        uri: str,
        path: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.uri = uri
        self.expected = expected
        self.found = found


class TooManyObjectsError(ArtifactError, ValueError):
    """A reference (a folder, bucket or prefix) holds more objects than ``max_objects``.

    Nothing is added: an artifact never silently holds part of what a reference names.
    """

    def __init__(self, message: str, *, uri: str, limit: int) -> None:
        super().__init__(message)
        self.uri = uri
        self.limit = limit


class SpecialFileError(ArtifactError, ValueError):
    """A path to log names a named pipe, a device or a socket: only regular files are logged.

    ``kind`` says what was found (``"a named pipe (FIFO)"``, ``"a character device"`` ...).
    """

    def __init__(self, message: str, *, path: str, kind: str) -> None:
        super().__init__(message)
        self.path = path
        self.kind = kind


class VerificationError(ArtifactError):
    """A directory does not hold exactly the files of an artifact version."""

    def __init__(
        self,
        message: str,
        *,
        root: str,
        missing: Sequence[str] = (),
        modified: Sequence[str] = (),
        extra: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.root = root
        self.missing = list(missing)
        self.modified = list(modified)
        self.extra = list(extra)


class StoreError(ArtifactError, OSError):
    """The catalog database or the blob store failed underneath an operation."""

    def __init__(self, message: str, *, store: str | None = None) -> None:
        ArtifactError.__init__(self, message)
        self.store = store

    __str__ = ArtifactError.__str__


class NetworkFilesystemError(StoreError):
    """An embedded store sits on a network or FUSE filesystem, where SQLite's WAL is unsafe.

    ``fstype`` and ``mount_point`` name the filesystem found; the message lists the ways
    out (a local store plus ``ipyartifacts store copy``, a team store, or the opt-in
    ``IPYARTIFACTS_NETWORK_FS=rollback`` mode).
    """

    def __init__(self, message: str, *, store: str, fstype: str, mount_point: str) -> None:
        super().__init__(message, store=store)
        self.fstype = fstype
        self.mount_point = mount_point


class CopyConflictError(ArtifactError):
    """Copying between stores met a version number that holds different content at each end.

    ``name`` is ``project/name:vN``; ``source_digest`` and ``destination_digest`` the two
    contents. Nothing of that version is copied.
    """

    def __init__(
        self,
        message: str,
        *,
        name: str,
        source_digest: str | None = None,
        destination_digest: str | None = None,
    ) -> None:
        super().__init__(message)
        self.name = name
        self.source_digest = source_digest
        self.destination_digest = destination_digest


class MissingBlobError(StoreError):
    """A version about to be committed names a blob the store does not have.

    Raised instead of committing when the bytes cannot be stored again from their
    source (the source file is gone, changed, or unknown to this process).

    Attributes
    ----------
    digest : str
        The missing blob.
    path : str
        The logical path of the entry naming it.
    source : str or None
        The local file it was added from, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        store: str | None = None,
        digest: str,
        path: str,
        source: str | None = None,
    ) -> None:
        super().__init__(message, store=store)
        self.digest = digest
        self.path = path
        self.source = source


class StoreIOError(StoreError):
    """Reading or writing the store failed: the operation stopped and committed nothing.

    Attributes
    ----------
    errno : int or None
        The ``errno`` of the underlying failure (``ENOSPC``, ``EROFS``, ``EIO`` ...),
        None when the database reported it without one.
    phase : str
        What was being done: ``"store a file's bytes"``, ``"write the manifest"``,
        ``"write the catalog"``, ``"download"``, ``"garbage-collect"`` ...
    path : str or None
        The file or database being written or read.
    """

    def __init__(
        self,
        message: str,
        *,
        errno: int | None = None,
        phase: str,
        path: str | None = None,
        store: str | None = None,
    ) -> None:
        super().__init__(message, store=store)
        self.errno = errno
        self.strerror = message
        self.filename = path
        self.phase = phase
        self.path = path


class StoreFullError(StoreIOError):
    """The disk (or quota) holding the store is full."""


class StorePermissionError(StoreIOError):
    """The store is read-only for this process (permissions, or a read-only filesystem)."""


_FULL = {_errno.ENOSPC, getattr(_errno, "EDQUOT", _errno.ENOSPC)}
_DENIED = {_errno.EACCES, _errno.EPERM, _errno.EROFS}


def store_io_error(
    exc: OSError, *, phase: str, path: str | None = None, store: str | None = None
) -> StoreIOError:
    """The :class:`StoreIOError` (subclass by errno) saying that ``phase`` failed with ``exc``.

    Raise it ``from exc``. A StoreIOError passed in is said again for the new ``phase``
    (a blob write that was the manifest's becomes "write the manifest").
    """
    if isinstance(exc, StoreIOError):
        cause = exc.__cause__
        if phase == exc.phase or not isinstance(cause, OSError):
            return exc
        return store_io_error(cause, phase=phase, path=path or exc.path, store=store or exc.store)
    code = exc.errno
    where = path or (str(exc.filename) if exc.filename else None)
    reason = exc.strerror or str(exc) or type(exc).__name__
    on = f" ({where})" if where else ""
    if code in _FULL:
        cls: type[StoreIOError] = StoreFullError
        fix = (
            "The disk holding the store is full: free some space (delete unused versions, "
            "then run gc) or move the store (IPYARTIFACTS_STORE), and retry."
        )
    elif code in _DENIED:
        cls = StorePermissionError
        fix = (
            "The store is read-only for this process: fix its permissions or mount, or "
            "point IPYARTIFACTS_STORE at a writable directory."
        )
    elif code == _errno.ENAMETOOLONG:
        cls = StoreIOError
        fix = "A path is too long for this filesystem: use shorter names or a shorter root."
    else:
        cls = StoreIOError
        fix = "The disk may be failing or disconnected: check it, then retry."
    return cls(
        f"Could not {phase}: {reason}{on}. {fix}",
        errno=code,
        phase=phase,
        path=where,
        store=store,
    )
