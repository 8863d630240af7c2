"""The exceptions woc-gate raises.

    WocGateError                 anything woc-gate reports as one clear line
    ├── ConfigError              a setting is missing or malformed (a usage error for the run)
    │   └── NoTarget             nothing names the deployment a command needs (exit 4)
    ├── AttestationError         the attestations file is malformed
    ├── SourceError              the WorkOnClock source tree cannot be read (node, TypeScript, Prisma)
    ├── SandboxError             the reference stack cannot be started or reached
    ├── TargetError              a target surface (API, web, database) cannot be reached or answers wrongly
    │   ├── TargetUnreachable    refused connection, unresolvable host, closed port
    │   ├── TargetTimeout        connects but does not answer in time
    │   ├── TargetDisconnected   closes the connection before its answer is complete
    │   ├── TargetTLSError       untrusted certificate, or https against a plain-http server
    │   ├── TargetAnswerError    an answer no check can read (not JSON, a login answer without its token)
    │   └── DatabaseError        the database refuses the account, does not exist, or refuses a statement
    ├── BackupError              a backup file or its manifest is missing, damaged or does not match
    └── WritesBlocked            a test not marked ``writes`` tried to change data on the target

``target/boundary.py`` is the one place that turns httpx's and pymysql's exceptions into this tree;
its siblings do the same for programs (``processes``), S3 (``s3``) and installer signatures (``signatures``).
Each keeps the library's exception as the cause (``raise … from``); reports show only the message.

Check failures are not exceptions of this tree: a check that finds a defect fails its test
with an ``AssertionError`` whose text is a title, a blank line, then ``Expected:`` / ``Received:``.
"""


class WocGateError(Exception):
    """Something woc-gate reports as one line: what is wrong and what to do."""

    exit_status = 2  # of an operator command it stops


class ConfigError(WocGateError):
    """A setting is missing or malformed."""


class NoTarget(ConfigError):
    """Nothing names the deployment a command needs: a usage error, as pytest's (exit 4)."""

    exit_status = 4


class AttestationError(WocGateError):
    """The attestations file is malformed."""


class SourceError(WocGateError):
    """The WorkOnClock source tree cannot be read; the message names the file and line."""


class SandboxError(WocGateError):
    """The reference stack cannot be started, reached or stopped."""


class TargetError(WocGateError):
    """A target surface cannot be reached or answers in a way no check can read."""


class TargetUnreachable(TargetError):
    """The connection is refused, or the host does not resolve."""


class TargetTimeout(TargetError):
    """The target accepts connections (or not) but does not answer within the timeout."""


class TargetDisconnected(TargetError):
    """The target closes the connection before its answer is complete (a killed session, a cut download)."""


class TargetTLSError(TargetError):
    """The TLS handshake fails: an untrusted certificate, or https against a plain-http server."""


class TargetAnswerError(TargetError):
    """The target answers, but not in a form a check can read."""


class DatabaseError(TargetError):
    """The database refuses the account, the named database does not exist, or the server refuses a statement."""

    def __init__(self, message: str, refusal: str = "", code: int | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal  # the server's own reason when it refused a statement, for checks that judge it
        self.code = code  # the server's error number


class BackupError(WocGateError):
    """A backup file or its manifest is missing, damaged or does not match."""


class WritesBlocked(WocGateError):
    """A test not marked ``writes`` tried to change data on the target; the message names the test and the marker."""
