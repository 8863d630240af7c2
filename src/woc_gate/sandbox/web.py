"""The web/admin stand-in (Next.js + NextAuth): server-rendered pages, a session cookie and JSON routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from woc_gate.sandbox import web_admin, web_api, web_public
from woc_gate.sandbox.auth import SESSION_COOKIE, WebSessions, check_login
from woc_gate.sandbox.context import SandboxContext
from woc_gate.sandbox.mailer import Mailer
from woc_gate.sandbox.sql import Sql
from woc_gate.sandbox.storage import open_storage
from woc_gate.sandbox.web_base import (
    EXCEPTION_HANDLERS,
    WebServices,
    checked_form,
    page,
    redirect,
    services,
    signed_in_redirect,
)

LOGIN_NOTICES = {
    "registered": "Your organization is ready. Check your email to verify your address, then sign in.",
    "joined": "Welcome aboard. Sign in with your new password.",
    "reset": "Your password was changed. Sign in with the new one.",
    "signed-out": "You are signed out.",
}


def create_web_app(ctx: SandboxContext) -> Starlette:
    """The web/admin app as an ASGI app, serving the given sandbox."""
    web = WebServices(ctx, Sql(ctx.db), open_storage(ctx), WebSessions(ctx.nextauth_secret), Mailer(ctx))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await web.mailer.close()
        web.sql.close()

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout_page, methods=["GET"]),
        Route("/logout", logout, methods=["POST"]),
        *web_admin.ROUTES,
        *web_public.ROUTES,
        *web_api.ROUTES,
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
    app.state.services = web
    return app


async def home(request: Request) -> Response:
    """GET /: straight to the admin dashboard (which asks for a login when needed)."""
    return RedirectResponse("/admin", status_code=307)


async def login_form(request: Request) -> Response:
    """GET /login: the sign-in form."""
    notice = LOGIN_NOTICES.get(request.query_params.get("notice", ""))
    return page(request, "login.html", {"title": "Sign in", "notice": notice})


async def login(request: Request) -> Response:
    """POST /login: check the password with the KDF, then a session cookie and a redirect to /admin."""
    web = services(request)
    form = await checked_form(request)
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    caller = None if web.ctx.has("login-broken") else await check_login(web.sql, email, password)
    if caller is None:
        context = {"title": "Sign in", "error": "Invalid email or password.", "email": email}
        return page(request, "login.html", context, status=401)
    return signed_in_redirect(web, caller, "/admin")


async def logout_page(request: Request) -> Response:
    """GET /logout: the page whose Sign out button ends the session."""
    return page(request, "logout.html", {"title": "Sign out"})


async def logout(request: Request) -> Response:
    """POST /logout: end the session."""
    await checked_form(request)
    response = redirect("/login?notice=signed-out")
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response
