"""The runtime API's tenant-scoped records: users, projects and time entries, listed, read and changed by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from woc_gate.sandbox.api_base import ApiError, authenticated, found, json_body, services
from woc_gate.sandbox.auth import MANAGING_ROLES, Caller
from woc_gate.sandbox.sql import Row, jsonable

EDITING_ROLES = frozenset({"OWNER", "ADMIN", "MANAGER"})  # may change time entries of others
NAME_LENGTH = 191  # the VARCHAR(191) of the Prisma schema


@dataclass(frozen=True)
class Resource:
    """A tenant-scoped table the API lists, reads and changes by id."""

    path: str
    noun: str
    select: str
    alias: str
    order: str
    writable: dict[str, type] = field(default_factory=dict)  # the fields PATCH takes, with their JSON type
    filters: dict[str, str] = field(default_factory=dict)  # the list's query parameters (columns), with their type
    list_leak: str = ""  # the fault that drops the tenant filter from the list
    read_leak: str = ""  # the fault that drops the tenant filter from the read by id
    write_leak: str = ""  # the fault that applies a change before looking for the record in the tenant
    organization_filter_leak: str = ""  # the fault that takes the list's organization from ?organizationId=


RESOURCES = (
    Resource(
        "users",
        "User",
        "SELECT u.id, u.organizationId, u.email, u.name, u.status, r.`key` AS role, u.emailVerifiedAt,"
        " u.createdAt FROM woc_users u JOIN woc_roles r ON r.id = u.roleId",
        "u",
        "u.createdAt, u.id",
        writable={"name": str},
        filters={"status": "string"},
        organization_filter_leak="tenant-leak-org-filter",
    ),
    Resource(
        "projects",
        "Project",
        "SELECT p.id, p.organizationId, p.name, p.archived, p.createdAt FROM woc_projects p",
        "p",
        "p.createdAt, p.id",
        writable={"name": str, "archived": bool},
        filters={"archived": "boolean"},
        read_leak="tenant-leak-project-read",
        write_leak="tenant-refused-write-applied",
    ),
    Resource(
        "time-entries",
        "Time entry",
        "SELECT t.id, t.organizationId, t.userId, t.projectId, t.startedAt, t.endedAt, t.source"
        " FROM woc_time_entries t",
        "t",
        "t.startedAt DESC, t.id",
        writable={"projectId": str},
        filters={"userId": "string", "projectId": "string"},
        list_leak="tenant-leak-list",
    ),
)
TIME_ENTRIES = RESOURCES[2]
TABLES = {"users": "woc_users", "projects": "woc_projects", "time-entries": "woc_time_entries"}


def resource_routes(resource: Resource) -> list[Route]:
    """GET /{resource} (the caller's tenant only), GET and PATCH /{resource}/{id} (404 across tenants)."""

    async def list_rows(request: Request) -> JSONResponse:
        caller = authenticated(request)
        api = services(request)
        conditions, args = _filters(resource, request)
        if not api.ctx.has(resource.list_leak):
            organization = caller.organizationId
            if api.ctx.has(resource.organization_filter_leak):
                organization = request.query_params.get("organizationId") or organization
            conditions, args = [f"{resource.alias}.organizationId = %s", *conditions], [organization, *args]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await api.sql.all(f"{resource.select}{where} ORDER BY {resource.order}", *args)
        return JSONResponse([jsonable(row) for row in rows])

    async def read_row(request: Request) -> JSONResponse:
        caller = authenticated(request)
        api = services(request)
        scope = None if api.ctx.has(resource.read_leak) else caller.organizationId
        return JSONResponse(jsonable(found(await _row(resource, request, scope), resource.noun)))

    async def update_row(request: Request) -> JSONResponse:
        caller = authenticated(request)
        api = services(request)
        if resource.path != "time-entries" and caller.role not in MANAGING_ROLES:
            raise ApiError(403, f"Your role ({caller.role}) cannot change {resource.path}")
        changes = _changes(resource, await json_body(request))
        table, row_id = TABLES[resource.path], request.path_params["id"]
        assignments = ", ".join(f"`{name}` = %s" for name in changes)
        if api.ctx.has(resource.write_leak):
            await api.sql.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", *changes.values(), row_id)
        row = found(await _row(resource, request, caller.organizationId), resource.noun)
        _may_edit(caller, resource, row)
        await _check_project(request, caller, changes)
        await api.sql.execute(
            f"UPDATE {table} SET {assignments} WHERE id = %s AND organizationId = %s",
            *changes.values(),
            row_id,
            caller.organizationId,
        )
        return JSONResponse(jsonable(await _row(resource, request, caller.organizationId)))

    return [
        Route(f"/{resource.path}", list_rows, methods=["GET"]),
        Route(f"/{resource.path}/{{id}}", read_row, methods=["GET"]),
        Route(f"/{resource.path}/{{id}}", update_row, methods=["PATCH"]),
    ]


def _filters(resource: Resource, request: Request) -> tuple[list[str], list[Any]]:
    conditions, args = [], []
    for name, kind in resource.filters.items():
        value = request.query_params.get(name)
        if value is not None:
            conditions.append(f"{resource.alias}.{name} = %s")
            args.append(value in ("true", "1") if kind == "boolean" else value)
    return conditions, args


async def _row(resource: Resource, request: Request, organization_id: str | None) -> Row | None:
    query = f"{resource.select} WHERE {resource.alias}.id = %s"
    if organization_id is None:
        return await services(request).sql.one(query, request.path_params["id"])
    return await services(request).sql.one(
        f"{query} AND {resource.alias}.organizationId = %s", request.path_params["id"], organization_id
    )


def _changes(resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
    """The body's fields, checked as NestJS's ValidationPipe would (whitelist, forbid the rest, types): 400 else."""
    unknown = sorted(set(body) - set(resource.writable))
    if unknown:
        raise ApiError(400, f"property {unknown[0]} should not exist")
    if not body:
        raise ApiError(400, f"give at least one of {', '.join(resource.writable)}")
    for name, value in body.items():
        kind = resource.writable[name]
        if not isinstance(value, kind) or (kind is str and not 0 < len(value) <= NAME_LENGTH):
            raise ApiError(400, f"{name} must be a {'boolean' if kind is bool else 'non-empty string'}")
    return body


def _may_edit(caller: Caller, resource: Resource, row: Row) -> None:
    if resource.path == "time-entries" and row["userId"] != caller.userId and caller.role not in EDITING_ROLES:
        raise ApiError(403, "Members change only their own time entries")


async def _check_project(request: Request, caller: Caller, changes: dict[str, Any]) -> None:
    if "projectId" in changes:
        found(
            await services(request).sql.one(
                "SELECT id FROM woc_projects WHERE id = %s AND organizationId = %s",
                changes["projectId"],
                caller.organizationId,
            ),
            "Project",
        )
