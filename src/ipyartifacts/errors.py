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
    ├── ArtifactStateError         (also RuntimeError) the operation does not fit the artifact's state
    │   └── ProtectedAliasError                        a protected registry alias moves without force
    ├── IntegrityError                                 stored bytes do not match their digest
    │   ├── SourceChangedError                         a file changed after it was added
    │   └── ReferenceChangedError                      a referenced URI no longer matches its record
    ├── VerificationError                              a directory does not match a version
    ├── CopyConflictError                              a store copy met a different version under one number
    └── StoreError                 (also OSError)     the catalog or blob store failed
        ├── NetworkFilesystemError                     an embedded store is on NFS/SMB/FUSE
        └── MissingBlobError                           a version would name bytes the store lacks

Every error carries its context as attributes (``name``, ``path``, ``digest`` ...) and
a message that says what was expected, what was found and how to fix it.
"""

from __future__ import annotations

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
    "StoreError",
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
