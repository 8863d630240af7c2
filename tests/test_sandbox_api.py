"""The runtime-API stand-in over real HTTP, as both smoke tenants: login, policy, tracking, lists, screenshots."""

import io

import jwt
import pytest
from PIL import Image, ImageChops, ImageStat
from sandbox_clients import (
    TENANTS,
    account,
    checkerboard_png,
    database,
    http_client,
    running_entry,
    typed,
    upload,
)

from woc_gate.sandbox.api import envelop
from woc_gate.sandbox.passwords import hash_password
from woc_gate.sandbox.sql import new_id

EVENT_KEYS = [
    "id",
    "organizationId",
    "userId",
    "timeEntryId",
    "capturedAt",
    "objectKey",
    "previewUrl",
    "blurred",
    "width",
    "height",
]
UNAUTHORIZED = {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}


@pytest.fixture(autouse=True)
def no_tracking_left_running(clients):
    """The shared stack keeps every time entry closed between tests."""
    yield
    for client in clients.values():
        client.post("/tracking/stop")


@pytest.fixture
def anonymous(ctx):
    with http_client(ctx, ctx.api_base_url) as client:
        yield client


def test_health_is_200(anonymous):
    answer = anonymous.get("/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("tenant", ["a", "b"])
@pytest.mark.parametrize("role", ["OWNER", "ADMIN", "MEMBER"])
def test_login_answers_a_token_and_the_user(clients, ctx, tenant, role):
    user = clients[tenant, role].user
    assert (user["email"], user["role"]) == (account(tenant, role)["email"], role)
    claims = jwt.decode(clients[tenant, role].headers["Authorization"][7:], ctx.jwt_secret, algorithms=["HS256"])
    assert (claims["sub"], claims["organizationId"]) == (user["id"], user["organizationId"])


def test_login_with_a_wrong_password_is_401(anonymous):
    answer = anonymous.post("/auth/login", json={"email": account("a", "OWNER")["email"], "password": "wrong"})
    assert answer.status_code == 401
    assert answer.json() == {"statusCode": 401, "message": "Invalid credentials", "error": "Unauthorized"}


def test_login_of_a_disabled_user_is_401(anonymous, clients, ctx):
    email = f"disabled-{new_id()}@smoke-acme.test"
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(
            "INSERT INTO woc_users (id, organizationId, email, name, passwordHash, status, roleId)"
            " SELECT %s, organizationId, %s, 'Dee Disabled', %s, 'DISABLED', roleId FROM woc_users WHERE id = %s",
            (new_id(), email, hash_password("disabled-pass-1"), clients["a", "MEMBER"].user["id"]),
        )
        try:
            assert (
                anonymous.post("/auth/login", json={"email": email, "password": "disabled-pass-1"}).status_code == 401
            )
        finally:
            cursor.execute("DELETE FROM woc_users WHERE email = %s", (email,))


def test_login_without_credentials_is_400(anonymous):
    answer = anonymous.post("/auth/login", json={"email": "x@y.test"})
    assert answer.json() == {
        "statusCode": 400,
        "message": "email and password are required strings",
        "error": "Bad Request",
    }


PROTECTED = [
    ("GET", "/tracking/policy"),
    ("POST", "/tracking/start"),
    ("POST", "/tracking/stop"),
    ("POST", "/screenshots"),
    ("GET", "/screenshots"),
    ("GET", "/screenshots/any"),
    ("GET", "/screenshots/any/preview"),
    ("GET", "/users"),
    ("GET", "/users/any"),
    ("GET", "/projects"),
    ("GET", "/projects/any"),
    ("GET", "/time-entries"),
    ("GET", "/time-entries/any"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_route_but_login_and_health_needs_a_token(anonymous, method, path):
    answer = anonymous.request(method, path)
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)


def test_a_token_signed_with_another_secret_is_401(anonymous):
    forged = jwt.encode(
        {"sub": "x", "organizationId": "y", "email": "e", "role": "OWNER", "exp": 4102444800},
        "another-secret-of-at-least-32-bytes",
        algorithm="HS256",
    )
    assert anonymous.get("/users", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


@pytest.mark.parametrize("tenant", ["a", "b"])
def test_policy_is_the_tenants_settings_under_data(clients, tenant):
    answer = clients[tenant, "MEMBER"].get("/tracking/policy")
    assert (answer.status_code, list(answer.json())) == (200, ["data"])
    assert typed(answer.json()["data"]) == typed(TENANTS[tenant]["policy"])


@pytest.mark.parametrize(
    ("dotted_key", "wrapped"),
    [("data", {"data": {"x": 1}}), ("result.policy", {"result": {"policy": {"x": 1}}}), ("", {"x": 1})],
)
def test_envelopes_wrap_under_a_dotted_key(dotted_key, wrapped):
    assert envelop(dotted_key, {"x": 1}) == wrapped


@pytest.mark.parametrize("tenant", ["a", "b"])
@pytest.mark.parametrize("resource", ["users", "projects", "time-entries", "screenshots"])
def test_lists_hold_only_the_callers_tenant(clients, tenant, resource):
    client = clients[tenant, "ADMIN"]
    if resource == "screenshots":
        upload(client, running_entry(client), checkerboard_png())
    rows = client.get(f"/{resource}").json()
    assert rows, f"GET /{resource} is empty for tenant {tenant}"
    assert {row["organizationId"] for row in rows} == {client.user["organizationId"]}


def test_users_list_has_the_smoke_accounts(clients):
    emails = {user["email"] for user in clients["a", "OWNER"].get("/users").json()}
    assert {entry["email"] for entry in TENANTS["a"]["account"]} <= emails
    assert "passwordHash" not in clients["a", "OWNER"].get("/users").json()[0]


def test_projects_list_has_the_seeded_projects(clients):
    names = [project["name"] for project in clients["b", "MEMBER"].get("/projects").json()]
    assert sorted(names) == sorted(TENANTS["b"]["projects"])


@pytest.mark.parametrize("resource", ["users", "projects", "time-entries", "screenshots"])
def test_reads_by_id_work_in_the_tenant_and_are_404_across(clients, resource):
    owner_a, owner_b = clients["a", "OWNER"], clients["b", "OWNER"]
    if resource == "screenshots":
        upload(owner_a, running_entry(owner_a), checkerboard_png())
    row = owner_a.get(f"/{resource}").json()[0]
    assert owner_a.get(f"/{resource}/{row['id']}").json()["id"] == row["id"]
    answer = owner_b.get(f"/{resource}/{row['id']}")
    assert answer.status_code == 404
    assert answer.json()["error"] == "Not Found"


def test_a_patch_changes_the_tenants_own_record_and_is_404_across_without_a_change(clients):
    admin_a, admin_b = clients["a", "ADMIN"], clients["b", "ADMIN"]
    project = admin_a.get("/projects").json()[0]
    assert admin_b.patch(f"/projects/{project['id']}", json={"name": "taken"}).status_code == 404
    assert admin_a.get(f"/projects/{project['id']}").json() == project
    try:
        changed = admin_a.patch(f"/projects/{project['id']}", json={"name": "renamed", "archived": True}).json()
        assert (changed["name"], changed["archived"]) == ("renamed", True)
    finally:
        admin_a.patch(f"/projects/{project['id']}", json={"name": project["name"], "archived": project["archived"]})


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [("MEMBER", {"name": "x"}, 403), ("ADMIN", {"owner": "x"}, 400), ("ADMIN", {"archived": "yes"}, 400)],
)
def test_a_patch_is_checked_before_the_record_is_looked_for(clients, role, body, status):
    project = clients["a", "ADMIN"].get("/projects").json()[0]
    assert clients["b", role].patch(f"/projects/{project['id']}", json=body).status_code == status


def test_a_list_filter_stays_in_the_callers_tenant(clients):
    admin_a, admin_b = clients["a", "ADMIN"], clients["b", "ADMIN"]
    user_a = admin_a.get("/users").json()[0]["id"]
    assert admin_a.get("/time-entries", params={"userId": user_a}).json()
    assert admin_b.get("/time-entries", params={"userId": user_a}).json() == []
    assert admin_b.get("/users", params={"organizationId": admin_a.user["organizationId"]}).json() == (
        admin_b.get("/users").json()
    )


@pytest.mark.parametrize("tenant", ["a", "b"])
def test_start_then_stop_closes_the_entry(clients, tenant):
    client = clients[tenant, "MEMBER"]
    project = client.get("/projects").json()[0]
    started = client.post("/tracking/start", json={"projectId": project["id"]})
    assert started.status_code == 201
    entry = started.json()
    assert (entry["projectId"], entry["userId"], entry["source"], entry["endedAt"]) == (
        project["id"],
        client.user["id"],
        "DESKTOP",
        None,
    )
    stopped = client.post("/tracking/stop")
    assert (stopped.status_code, stopped.json()["id"]) == (200, entry["id"])
    assert client.get(f"/time-entries/{entry['id']}").json()["endedAt"] == stopped.json()["endedAt"]
    answer = client.post("/tracking/stop")
    assert answer.json() == {"statusCode": 404, "message": "Running time entry not found", "error": "Not Found"}


def test_start_closes_the_running_entry_first(clients):
    client = clients["b", "OWNER"]
    first = client.post("/tracking/start").json()
    second = client.post("/tracking/start").json()
    assert client.get(f"/time-entries/{first['id']}").json()["endedAt"] == second["startedAt"]
    running = [
        entry["id"]
        for entry in client.get("/time-entries").json()
        if entry["userId"] == client.user["id"] and entry["endedAt"] is None
    ]
    assert running == [second["id"]]


def test_start_on_another_tenants_project_is_404(clients):
    project = clients["b", "OWNER"].get("/projects").json()[0]
    answer = clients["a", "OWNER"].post("/tracking/start", json={"projectId": project["id"]})
    assert answer.json() == {"statusCode": 404, "message": "Project not found", "error": "Not Found"}


def test_upload_without_blur_keeps_the_image_and_describes_it(clients, ctx):
    client = clients["a", "OWNER"]
    entry_id = running_entry(client)
    data = checkerboard_png()
    answer = upload(client, entry_id, data, "2025-01-06T10:00:00+01:00")
    assert answer.status_code == 201
    event = answer.json()
    assert list(event) == EVENT_KEYS
    user = client.user
    assert event["objectKey"] == f"screenshots/{user['organizationId']}/{user['id']}/{event['id']}.png"
    assert event["previewUrl"] == f"{ctx.api_base_url}/screenshots/{event['id']}/preview"
    assert (event["capturedAt"], event["blurred"], event["width"], event["height"]) == (
        "2025-01-06T09:00:00.000Z",
        False,
        64,
        48,
    )
    assert (ctx.storage_dir / event["objectKey"]).read_bytes() == data
    assert client.get(f"/screenshots/{event['id']}").json() == event
    preview = client.get(event["previewUrl"])
    assert (preview.status_code, preview.headers["content-type"], preview.content) == (200, "image/png", data)


def test_upload_with_blur_stores_a_blurred_image(clients):
    client = clients["b", "MEMBER"]
    data = checkerboard_png()
    event = upload(client, running_entry(client), data).json()
    assert event["blurred"] is True
    stored = client.get(f"/screenshots/{event['id']}/preview").content
    assert stored != data
    assert _edge_energy(stored) < _edge_energy(data) / 4


def _edge_energy(png):
    """Mean brightness difference between neighbouring pixels: high for sharp edges, low once blurred."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return ImageStat.Stat(ImageChops.difference(image, ImageChops.offset(image, 1, 0))).mean[0]


def test_preview_is_404_for_another_tenant_and_401_anonymous(clients, anonymous):
    owner_a = clients["a", "OWNER"]
    event = upload(owner_a, running_entry(owner_a), checkerboard_png()).json()
    path = f"/screenshots/{event['id']}/preview"
    assert clients["b", "OWNER"].get(path).status_code == 404
    assert clients["b", "OWNER"].get(f"/screenshots/{event['id']}").status_code == 404
    assert anonymous.get(path).status_code == 401
    assert anonymous.get(f"/uploads/{event['objectKey']}").status_code == 404


def test_upload_to_another_users_entry_is_404(clients):
    entry_id = running_entry(clients["a", "MEMBER"])
    answer = upload(clients["a", "ADMIN"], entry_id, checkerboard_png())
    assert answer.json() == {"statusCode": 404, "message": "Time entry not found", "error": "Not Found"}


def test_upload_is_403_while_screenshots_are_disabled(clients, ctx):
    client = clients["a", "ADMIN"]
    entry_id = running_entry(client)
    with database(ctx) as db, db.cursor() as cursor:
        cursor.execute(
            "UPDATE woc_organization_settings SET screenshotsEnabled = 0 WHERE organizationId = %s",
            (client.user["organizationId"],),
        )
        try:
            answer = upload(client, entry_id, checkerboard_png())
        finally:
            cursor.execute(
                "UPDATE woc_organization_settings SET screenshotsEnabled = 1 WHERE organizationId = %s",
                (client.user["organizationId"],),
            )
    assert answer.json() == {
        "statusCode": 403,
        "message": "Screenshots are disabled for this organization",
        "error": "Forbidden",
    }


@pytest.mark.parametrize(
    ("data", "captured_at", "message"),
    [
        (b"not an image", "2025-01-06T09:00:00Z", "file must be a PNG, JPEG or WebP image"),
        (None, "yesterday", "capturedAt must be an ISO-8601 date-time, e.g. 2025-01-06T09:00:00.000Z"),
    ],
)
def test_bad_uploads_are_400(clients, data, captured_at, message):
    client = clients["b", "ADMIN"]
    answer = upload(client, running_entry(client), data or checkerboard_png(), captured_at)
    assert answer.json() == {"statusCode": 400, "message": message, "error": "Bad Request"}


def test_upload_without_a_file_is_400(clients):
    client = clients["b", "ADMIN"]
    answer = client.post(
        "/screenshots", data={"capturedAt": "2025-01-06T09:00:00Z", "timeEntryId": running_entry(client)}
    )
    assert answer.json()["message"] == "file is required (multipart/form-data field 'file')"
