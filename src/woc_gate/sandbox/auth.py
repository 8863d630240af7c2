"""Who is calling: password logins, the API's bearer tokens, the web session cookie and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import jwt
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from woc_gate.sandbox.passwords import verify_password
from woc_gate.sandbox.sql import Row, Sql

TOKEN_LIFETIME = timedelta(hours=12)
SESSION_LIFETIME = timedelta(hours=8)
VERIFICATION_LIFETIME = timedelta(days=2)
SESSION_COOKIE = "next-auth.session-token"
CSRF_COOKIE = "next-auth.csrf-token"
CSRF_FIELD = "csrfToken"
MANAGING_ROLES = frozenset({"OWNER", "ADMIN"})


@dataclass(frozen=True)
class Caller:
    """A signed-in user: who, in which organization, with which role key."""

    userId: str
    organizationId: str
    email: str
    role: str

    @property
    def manages(self) -> bool:
        """True for owners and admins, who may change settings and invite."""
        return self.role in MANAGING_ROLES


async def check_login(sql: Sql, email: str, password: str) -> Caller | None:
    """The caller these credentials belong to, or None (unknown, wrong password, disabled user or org)."""
    row = await sql.one(
        "SELECT u.id, u.organizationId, u.email, u.passwordHash, r.`key` AS role"
        " FROM woc_users u JOIN woc_roles r ON r.id = u.roleId"
        " JOIN woc_organizations o ON o.id = u.organizationId"
        " WHERE u.email = %s AND u.status = 'ACTIVE' AND o.status = 'ACTIVE'",
        email,
    )
    if row is None or not await run_in_threadpool(verify_password, password, row["passwordHash"]):
        return None
    return caller_from_row(row)


def caller_from_row(row: Row) -> Caller:
    """A caller from a user row joined with its role key."""
    return Caller(row["id"], row["organizationId"], row["email"], row["role"])


def issue_token(secret: str, caller: Caller) -> str:
    """An HS256 bearer token for the runtime API."""
    now = datetime.now(UTC)
    claims = {
        "sub": caller.userId,
        "organizationId": caller.organizationId,
        "email": caller.email,
        "role": caller.role,
        "iat": now,
        "exp": now + TOKEN_LIFETIME,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(authorization: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credential.strip() or None


def read_token(secret: str, authorization: str | None) -> Caller | None:
    """The caller of a valid bearer token, or None."""
    token = bearer(authorization)
    if token is None:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
        return Caller(claims["sub"], claims["organizationId"], claims["email"], claims["role"])
    except (jwt.InvalidTokenError, KeyError):
        return None


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison that never accepts an empty expected secret."""
    return bool(expected) and hmac.compare_digest((given or "").encode(), expected.encode())


class WebSessions:
    """The web app's signed session cookie and its double-submit CSRF cookie."""

    def __init__(self, secret: str) -> None:
        self._sessions = URLSafeTimedSerializer(secret, salt="woc-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="woc-csrf")
        self._verifications = URLSafeTimedSerializer(secret, salt="woc-verify-email")

    def session_value(self, caller: Caller) -> str:
        """The signed cookie value for a signed-in caller."""
        return self._sessions.dumps(asdict(caller))

    def read_session(self, value: str | None) -> Caller | None:
        """The caller of a valid, unexpired session cookie, or None."""
        if not value:
            return None
        try:
            return Caller(**self._sessions.loads(value, max_age=SESSION_LIFETIME.total_seconds()))
        except (BadSignature, TypeError):
            return None

    def verification_token(self, user_id: str) -> str:
        """A signed email-verification token for a user."""
        return self._verifications.dumps(user_id)

    def verified_user(self, token: str) -> str | None:
        """The user id of a valid, unexpired email-verification token, or None."""
        try:
            return self._verifications.loads(token, max_age=VERIFICATION_LIFETIME.total_seconds())
        except BadSignature:
            return None

    def new_csrf(self) -> tuple[str, str]:
        """A fresh CSRF token and the signed cookie value that vouches for it."""
        token = secrets.token_urlsafe(24)
        return token, self._csrf.dumps(token)

    def csrf_token(self, cookie: str | None) -> str | None:
        """The token a CSRF cookie vouches for, or None when the cookie is missing or forged."""
        if not cookie:
            return None
        try:
            return self._csrf.loads(cookie)
        except BadSignature:
            return None

    def csrf_valid(self, cookie: str | None, submitted: str | None) -> bool:
        """True when the submitted form token matches the one in the signed cookie."""
        token = self.csrf_token(cookie)
        return token is not None and secret_matches(submitted, token)


def new_link_token() -> tuple[str, str]:
    """A fresh one-time link token and the SHA-256 hex digest stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a link token (invites, password resets)."""
    return hashlib.sha256(token.encode()).hexdigest()
