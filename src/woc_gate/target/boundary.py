"""The one place where httpx's and pymysql's exceptions become woc-gate's typed, one-line errors.

Every call into those libraries runs inside ``http_errors`` or ``database_errors`` (as httpx maps
httpcore's errors in ``map_httpcore_exceptions``), and every JSON body is read by ``json_body``;
nothing above ``target/`` catches their exceptions. Each message names the endpoint or database
(password masked) and says what to do; the library's exception stays the cause (``raise … from``).
Programs, S3 and installer signatures have their own mapping beside this one: ``processes``, ``s3``
and ``signatures``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
from collections.abc import Iterator

import httpx
import pymysql

from ..errors import (
    DatabaseError,
    TargetAnswerError,
    TargetDisconnected,
    TargetError,
    TargetTimeout,
    TargetTLSError,
    TargetUnreachable,
)
from ..redaction import mask_url

CA_BUNDLE_HINT = "pass --woc-ca-bundle PATH (or WOC_GATE_CA_BUNDLE) with the CA that signs it"

# pymysql's error numbers (MySQL's client and server codes)
ACCESS_DENIED = 1045
DATABASE_ACCESS_DENIED = 1044
UNKNOWN_DATABASE = 1049
TABLE_ACCESS_DENIED = 1142
NO_SUCH_TABLE = 1146
CANNOT_CONNECT = 2003
UNKNOWN_HOST = 2005
SERVER_GONE = 2006
LOST_CONNECTION = 2013
TABLE_DENIAL = re.compile(r"(?P<command>[A-Z ]+?) command denied to user \S+ for table (?P<table>.+)")
CLIENT_ERRORS = 2000  # codes from here up are the client's own; below, the server refused a statement


@contextlib.contextmanager
def http_errors(url: str, setting: str, timeout: float | None = None) -> Iterator[None]:
    """Map httpx's exceptions for a request to ``url`` (given by ``setting``) into the typed tree."""
    shown = mask_url(url)
    try:
        yield
    except httpx.TimeoutException as error:
        waited = "accept the connection" if isinstance(error, httpx.ConnectTimeout) else "answer"
        within = f"{timeout:g} s" if timeout else "the HTTP timeout"
        raise TargetTimeout(
            f"{shown} did not {waited} within {within}; check {setting}, or raise --woc-http-timeout for a slow target"
        ) from error
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
        raise TargetDisconnected(
            f"{shown} closed the connection before its answer was complete ({_root_cause(error)}); "
            f"run again, and if it recurs check the server behind {setting}"
        ) from error
    except httpx.TransportError as error:
        raise _connection_error(shown, setting, error) from error
    except httpx.InvalidURL as error:
        raise TargetError(f"{shown} is not a valid URL; check {setting}") from error
    except httpx.HTTPError as error:
        raise TargetAnswerError(f"{shown} answered what httpx cannot read ({error}); check {setting}") from error


def _connection_error(shown: str, setting: str, error: Exception) -> TargetError:
    cause = _root_cause(error)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return TargetTLSError(
            f"the TLS certificate of {shown} is not trusted ({cause.verify_message}); {CA_BUNDLE_HINT}"
        )
    if isinstance(cause, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(cause):
        return TargetTLSError(
            f"{shown} does not speak TLS (it answers plain HTTP); use an http:// URL in {setting} "
            "or serve the endpoint over https"
        )
    if isinstance(cause, ssl.SSLError):
        return TargetTLSError(f"the TLS handshake with {shown} failed ({cause.reason}); {CA_BUNDLE_HINT}")
    if isinstance(cause, socket.gaierror):
        return TargetUnreachable(f"cannot reach {shown}: its host name does not resolve; check {setting}")
    if isinstance(cause, ConnectionRefusedError):
        return TargetUnreachable(f"cannot reach {shown}: connection refused; check that it runs and {setting}")
    return TargetUnreachable(f"cannot reach {shown}: {cause}; check {setting}")


def _root_cause(error: BaseException) -> BaseException:
    while (error.__cause__ or error.__context__) is not None:
        error = error.__cause__ or error.__context__
    return error


def json_body(response: httpx.Response) -> object:
    """The JSON body of an answer; a ``TargetAnswerError`` naming the URL when it is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise TargetAnswerError(
            f"{mask_url(str(response.request.url))} answered HTTP {response.status_code} with {kind}, not JSON; "
            "check that the URL points at the WorkOnClock endpoint"
        ) from error


@contextlib.contextmanager
def database_errors(shown: str, setting: str = "DATABASE_URL") -> Iterator[None]:
    """Map pymysql's exceptions for the database ``shown`` (a masked URL) into the typed tree."""
    try:
        yield
    except pymysql.MySQLError as error:
        raise _database_error(shown, setting, error) from error
    except TimeoutError as error:
        raise TargetTimeout(f"the database at {shown} did not answer in time; check {setting}") from error


def _database_error(shown: str, setting: str, error: pymysql.MySQLError) -> TargetError:
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    detail = str(error.args[-1]) if error.args else type(error).__name__
    if isinstance(error, pymysql.InterfaceError):  # pymysql's word for a session whose connection is gone
        return TargetDisconnected(
            f"the session with the database at {shown} is closed (its connection dropped earlier);"
            f" check that the server runs and {setting}, then run again"
        )
    if code == ACCESS_DENIED:
        return DatabaseError(f"the database at {shown} refuses the account: wrong user or password in {setting}")
    if code == DATABASE_ACCESS_DENIED:
        return DatabaseError(
            f"the database at {shown} refuses the account access to that database ({detail});"
            f" grant it rights there, or check {setting}",
            refusal=detail,
            code=code,
        )
    denied = TABLE_DENIAL.match(detail) if code == TABLE_ACCESS_DENIED else None
    if denied:
        return DatabaseError(
            f"the database at {shown} denies the account {denied['command']} on {denied['table']};"
            f" grant it {denied['command']} ON {denied['table']}, or check {setting}",
            refusal=detail,
            code=code,
        )
    if code == UNKNOWN_DATABASE:
        return DatabaseError(f"the database at {shown} does not exist on that server; check the name in {setting}")
    if "timed out" in detail:
        return TargetTimeout(
            f"the database at {shown} did not answer in time; check {setting}, or raise --woc-db-timeout"
        )
    if code in (LOST_CONNECTION, SERVER_GONE):
        return TargetDisconnected(
            f"the database at {shown} closed the connection ({detail});"
            f" check that the server runs and {setting}, then run again"
        )
    if "Name or service not known" in detail or "nodename nor servname" in detail or code == UNKNOWN_HOST:
        return TargetUnreachable(
            f"cannot reach the database at {shown}: its host name does not resolve; check {setting}"
        )
    if code == CANNOT_CONNECT:
        return TargetUnreachable(
            f"cannot reach the database at {shown}: connection refused; check that it runs and {setting}"
        )
    refusal = detail if code is not None and code < CLIENT_ERRORS else ""
    return DatabaseError(f"the database at {shown} answered an error: {detail}", refusal=refusal, code=code)
