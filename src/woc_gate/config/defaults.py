"""The defaults of the profile's tables: they describe the reference WorkOnClock; a profile overrides them."""

from __future__ import annotations

from typing import Any

DEFAULT_ENDPOINTS = {
    "api_login": "/auth/login",
    "api_health": "/health",
    "policy": "/tracking/policy",
    "tracking_start": "/tracking/start",
    "tracking_stop": "/tracking/stop",
    "screenshots": "/screenshots",
    "screenshot": "/screenshots/{id}",
    "screenshot_preview": "/screenshots/{id}/preview",
    "users": "/users",
    "user": "/users/{id}",
    "projects": "/projects",
    "project": "/projects/{id}",
    "time_entries": "/time-entries",
    "time_entry": "/time-entries/{id}",
    "web_login": "/login",
    "web_health": "/api/health",
    "web_settings": "/api/settings",
    "cron_retention": "/api/cron/screenshot-retention",
    "admin": "/admin",
    "admin_users": "/admin/users",
    "admin_user": "/admin/users/{id}",
    "admin_projects": "/admin/projects",
    "admin_settings": "/admin/settings",
    "admin_screenshot": "/admin/screenshots/{id}",
    "admin_adhoc": "/admin/adhoc",
    "admin_invites": "/admin/invites",
    "register": "/register",
    "forgot_password": "/forgot-password",
    "contact": "/contact",
    "adhoc_requests": "/adhoc-requests",
    "admin_adhoc_decision": "/admin/adhoc/{id}/{decision}",
}
DEFAULT_ENVELOPES = {"policy": "data", "screenshot": "", "list": "", "web_settings": "", "time_entry": ""}
DEFAULT_UI = {
    "email": "Email",
    "password": "Password",
    "sign_in": "Sign in",
    "save": "Save",
    "dashboard": "Dashboard",  # page headings (level 1) the smoke flows look for
    "users": "Users",
    "projects": "Projects",
    "settings": "Tracking policy",
    "screenshot": "Screenshot",
    "settings_field": "Idle timeout minutes",  # the number field the settings smoke changes and puts back
    "invite": "Send invite",  # the invite form's button (the tenant checks plant a marker through it)
}
DEFAULT_BROWSER = {"executable": ""}  # empty: Playwright's own Chromium when installed, else Debian's
DEFAULT_ROUTES: dict[str, Any] = {  # the tenant-isolation route inventory: "surface METHOD path" per resource
    "users": [
        "api GET /users",
        "api GET /users/{id}",
        "api PATCH /users/{id}",
        "api DELETE /users/{id}",
        "web GET /admin/users",
        "web GET /admin/users/{id}",
    ],
    "projects": [
        "api GET /projects",
        "api GET /projects/{id}",
        "api PATCH /projects/{id}",
        "api DELETE /projects/{id}",
        "web GET /admin/projects",
    ],
    "time_entries": [
        "api GET /time-entries",
        "api GET /time-entries/{id}",
        "api PATCH /time-entries/{id}",
        "api DELETE /time-entries/{id}",
    ],
    "screenshots": [
        "api GET /screenshots",
        "api GET /screenshots/{id}",
        "api GET /screenshots/{id}/preview",
        "api DELETE /screenshots/{id}",
        "web GET /admin/screenshots/{id}",
        "web GET /admin/screenshots/{id}/image",
    ],
    "settings": ["api GET /tracking/policy", "web GET /api/settings", "web GET /admin/settings", "web GET /admin"],
    "adhoc_requests": [
        "web GET /admin/adhoc",
        "web POST /admin/adhoc/{id}/approve",
        "web POST /admin/adhoc/{id}/reject",
    ],
    "invites": ["web GET /admin/invites"],
    "refused": [401, 403, 404, 405],  # what a cross-tenant attempt may answer
    "refused_anonymous": [401, 403, 404, 405, 302, 303, 307],  # redirects only to the login page
}
DEFAULT_LAYOUT = {  # where things are in a WorkOnClock checkout
    "shared": "packages/shared",
    "prisma_schema": "apps/web/prisma/schema.prisma",
    "migrations": "apps/web/prisma/migrations",
    "api_src": "apps/api/src",
    "runtime_sql": "apps/api/src/**/*.ts",  # comma-separated globs of the runtime API's SQL sources
}
DEFAULT_NAMES = {  # the names the contracts look up in the shared package and the Prisma schema
    "policy_type": "TrackingPolicy",
    "screenshot_type": "ScreenshotEvent",
    "role_key_type": "RoleKey",
    "permissions": "PERMISSIONS",
    "role_defaults": "ROLE_DEFAULT_PERMISSIONS",
    "role_enum": "RoleKey",
    "settings_model": "OrganizationSettings",
    "organization_model": "Organization",
    "role_model": "Role",
    "permission_model": "Permission",
    "role_permission_model": "RolePermission",
    "screenshot_model": "Screenshot",
    "sql_methods": "query,execute",  # the runtime API's methods that take a SQL statement first
}
