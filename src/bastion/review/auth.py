"""People, platform tokens and console sessions.

Passwords are hashed with Argon2id (argon2-cffi). API tokens and session ids are long random strings, so a
keyed SHA-256 (HMAC with the service secret) is enough to store them: a stolen table cannot be replayed and
lookups stay one indexed equality.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bastion.core.errors import AuthError, Forbidden, InputError
from bastion.core.roles import Role
from bastion.core.timefmt import utcnow
from bastion.review.throttle import LoginThrottle
from bastion.store.tables_review import review_sessions, review_tokens, review_users


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a person (session) or a platform (token). ``platform`` is set for platform tokens."""

    name: str
    role: Role
    via: str  # "session" | "token"
    platform: str | None = None
    user_id: int | None = None
    csrf_token: str | None = None


_hasher = PasswordHasher()
TOKEN_CACHE_SECONDS = 10.0


class Auth:
    def __init__(self, engine: Engine, secret: str, session_hours: float = 8.0) -> None:
        self.engine = engine
        self._secret = secret.encode()
        self.session_ttl = timedelta(hours=session_hours)
        self._token_cache: dict[str, tuple[float, Principal]] = {}
        self.throttle = LoginThrottle()

    def device_token(self, name: str) -> str:
        """What a browser that logged in as ``name`` keeps: proof it is known-good for that account."""
        return self._digest("known-device:" + name)

    def _digest(self, value: str) -> str:
        """HMAC-SHA256 in one C call (``hmac.new`` builds two hash objects: a tenth of an event's cost)."""
        return hmac.digest(self._secret, value.encode(), "sha256").hex()

    # people
    def add_user(self, name: str, role: Role | str, password: str) -> int:
        role = Role(role)
        if role == Role.PLATFORM:
            raise InputError("platforms get API tokens, not logins", field="role")
        if len(password) < 12:
            raise InputError("password must be at least 12 characters", field="password")
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    insert(review_users).values(
                        name=name, role=str(role), password_hash=_hasher.hash(password), created_at=utcnow()
                    )
                )
        except IntegrityError as exc:
            raise InputError(f"user {name!r} already exists", field="name") from exc
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def check_password(self, name: str, password: str) -> Principal:
        with self.engine.connect() as conn:
            row = conn.execute(select(review_users).where(review_users.c.name == name)).first()
        if row is None or not row.active:
            _hasher.hash(password)  # same cost as a real check: no user-enumeration by timing
            raise AuthError("wrong name or password")
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError) as exc:
            raise AuthError("wrong name or password") from exc
        return Principal(row.name, Role(row.role), "session", user_id=row.user_id)

    # sessions
    def open_session(self, user: Principal) -> tuple[str, str]:
        """Returns (session id for the cookie, CSRF token for forms); only the session id's hash is stored."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                insert(review_sessions).values(
                    session_hash=self._digest(sid),
                    user_id=user.user_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self.session_ttl,
                )
            )
        return sid, csrf

    def session(self, sid: str) -> Principal:
        query = (
            select(review_users, review_sessions.c.csrf_token, review_sessions.c.expires_at)
            .join(review_users, review_users.c.user_id == review_sessions.c.user_id)
            .where(review_sessions.c.session_hash == self._digest(sid))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.expires_at < utcnow() or not row.active:
            raise AuthError("session expired or unknown; log in again")
        return Principal(row.name, Role(row.role), "session", user_id=row.user_id, csrf_token=row.csrf_token)

    def close_session(self, sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(review_sessions).where(review_sessions.c.session_hash == self._digest(sid)))

    # tokens
    def create_token(self, label: str, role: Role | str = Role.PLATFORM) -> str:
        token = "bst_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(review_tokens).values(
                    label=label, role=str(Role(role)), token_hash=self._digest(token), created_at=utcnow()
                )
            )
        return token

    def token(self, token: str) -> Principal:
        """Verified tokens are remembered for ``TOKEN_CACHE_SECONDS`` so intake does not pay a read per
        request; a revocation therefore takes effect within that time (and at once in this process)."""
        digest = self._digest(token)
        hit = self._token_cache.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        principal = self._token_from_db(token)
        self._token_cache[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, principal)
        return principal

    def _token_from_db(self, token: str) -> Principal:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(review_tokens).where(review_tokens.c.token_hash == self._digest(token))
            ).first()
        if row is None or row.revoked_at is not None:
            raise AuthError("unknown or revoked API token")
        role = Role(row.role)
        return Principal(row.label, role, "token", platform=row.label if role == Role.PLATFORM else None)

    def revoke_tokens(self, label: str) -> int:
        self._token_cache.clear()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(review_tokens)
                .where(review_tokens.c.label == label, review_tokens.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return int(result.rowcount)


def check_role(principal: Principal, allowed: tuple[Role, ...]) -> None:
    if principal.role not in allowed:
        raise Forbidden(f"role {principal.role} may not do this (needs {', '.join(map(str, allowed))})")
