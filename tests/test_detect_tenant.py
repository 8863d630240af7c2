"""The tenant checks of issue 14: each class's fault caught by ``-m tenant`` alone, in any order; and their parts.

Each fault runs the tenant tests it must fail against a stack it is switched on, and they fail, naming it. The
five together run the whole tenant folder (``-m tenant``) once more, in reversed order, on a stack no other run
has touched (a cache the owner warmed in an earlier run would hide an order dependence): exactly the union of
their tests fails, so no fault fails a tenant test it should not. The probes' parts are tested without a stack,
on answers made up for them.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from gate_runs import failing, fault_matrix, in_reversed_order, items_by_id, ran_first, run_gate_tests, selecting

from woc_gate.checks import CheckFailure
from woc_gate.checks import tenant as isolation
from woc_gate.checks import tenant_records as records
from woc_gate.checks import tenant_requests as requests
from woc_gate.checks import tenant_tokens as tokens
from woc_gate.target import flows
from woc_gate.target.routes import Route

pytest_plugins = ["pytester"]

TENANT = Path(__file__).resolve().parents[1] / "tenant"
ITEM = "tenant-isolation"
CROSS, PARAMETERS = (
    "test_cross_tenant_attempts_are_refused_and_change_nothing",
    "test_other_tenants_ids_in_query_parameters",
)
HEADERS = "test_pages_show_only_the_callers_tenant_whatever_headers_and_cookies_name"
FORMS = "test_forms_naming_the_other_tenant_change_only_the_callers_own"
LINKS = "test_one_tenants_links_redeemed_by_the_other_move_no_account"
DRAWN_IDS = "test_drawn_foreign_missing_and_malformed_ids_are_refused"  # drawn ids may land on the leaking route
FAULTS = {  # fault: the tests it fails, lines of their failures, the tests that may fail too (what the run met)
    "tenant-leak-org-filter": (
        [f"{PARAMETERS}_show_nothing_of_it[users]"],
        ["api GET /users as tenant a admin with ?organizationId="],
        set(),
    ),
    "tenant-refused-write-applied": (
        [f"{CROSS}[projects-chromium]"],
        ["read through api GET /projects/{id}: archived false before, true after"],
        set(),
    ),
    "tenant-org-from-request": (
        [f"{HEADERS}[users]", f"{HEADERS}[projects]", f"{HEADERS}[settings]", f"{FORMS}[settings]"],
        [
            "web GET /admin/users as tenant a admin with header X-Organization-Id: ",
            "tenant b's settings read through api GET /tracking/policy: allowManualTime false before, true after",
        ],
        {f"{HEADERS}[invites]", f"{HEADERS}[adhoc_requests]"},  # once a marker is planted, these pages show it
    ),
    "tenant-invite-joins-session-org": (
        [f"{LINKS}[invite]"],
        ["tenant a's invite link redeemed by tenant b changed the smoke tenants' accounts"],
        set(),
    ),
    "tenant-leak-preview-cache": (
        [f"{CROSS}[screenshots-chromium]"],
        ["api GET /screenshots/{id}/preview as tenant a admin on tenant b's screenshots"],
        {DRAWN_IDS},
    ),
}


def run_tenant_set(pytester: pytest.Pytester, sandbox, *args: str) -> tuple[pytest.RunResult, dict]:
    """``pytest tenant -m tenant`` against a stack, in a subprocess as an operator runs it; the result and the item."""
    result, record = run_gate_tests(
        pytester,
        str(TENANT),
        "-m",
        "tenant",
        f"--woc-config={sandbox.profile_path}",
        "-p",
        "no:randomly",
        *args,
        in_subprocess=True,  # the tenant set drives a browser
    )
    return result, items_by_id(record)[ITEM]


@fault_matrix
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_tenant_fault_fails_the_tenant_item_naming_what_broke(pytester, faulty_stack, fault):
    expected, messages, _ = FAULTS[fault]
    result, item = run_tenant_set(pytester, faulty_stack([fault]), *selecting(expected))
    assert item["status"] == "FAIL"
    assert sorted(failing(item)) == sorted(expected), result.stdout.str()
    for message in messages:  # the record keeps a failure's title; the run prints its findings
        assert message in result.stdout.str()


@fault_matrix
def test_the_tenant_faults_together_fail_each_ones_tests_in_reversed_order(pytester, dev_stack_factory):
    sandbox = dev_stack_factory(faults=sorted(FAULTS))  # a stack no other run uses: no cache warmed before this run
    result, item = run_tenant_set(pytester, sandbox, *in_reversed_order(pytester))
    assert ran_first(result) == f"test_tokens.py::{LINKS}[email-verification]"
    union = {test for tests, _, _ in FAULTS.values() for test in tests}
    also = {test for _, _, tests in FAULTS.values() for test in tests}
    assert union <= set(failing(item)) <= union | also, result.stdout.str()


# The parts, on made-up answers

PROJECTS = Route("projects", "api", "GET", "/projects/{id}")
PROJECT_LIST = Route("projects", "api", "GET", "/projects")


def party(handler, organization="org-a") -> isolation.Party:
    client = httpx.Client(base_url="http://target.test", transport=httpx.MockTransport(handler))
    return isolation.Party("a", "admin", organization, {"api": client, "web": client})


def owner() -> isolation.Owner:
    found = isolation.Owner("b", "org-b0000001", {"projects": ["prj-b000001", "prj-b000002"]}, slug="smoke-b")
    found.records["projects"] = {"prj-b000001": {"id": "prj-b000001", "name": "Data Platform", "archived": False}}
    for ident in found.ids["projects"]:
        found.plant(ident, "projects id")
    found.plant("smoke-b", "organization slug")
    return found


def failure_text(findings, probes, what, refused=(404,)) -> str:
    with pytest.raises(CheckFailure) as failure:
        isolation.attempts_refused(findings, probes, what, refused)
    return str(failure.value)


def test_a_server_error_met_by_a_probe_is_reported_as_a_server_error_not_as_reaching_the_other_tenant():
    attacker = party(lambda request: httpx.Response(500, text="Internal Server Error"))
    finding = isolation.probe_finding(isolation.Probe(attacker, PROJECTS, owner(), "prj-b000001", frozenset({404})))
    assert finding == isolation.Finding(
        isolation.SERVER_ERROR,
        "api GET /projects/{id} as tenant a admin on tenant b's projects prj-b000001: HTTP 500 (a server error)",
    )
    assert failure_text([finding], 12, "cross-tenant requests on projects").splitlines()[:3] == [
        "1 of 12 cross-tenant requests on projects met a server error",
        "",
        "Expected: HTTP 404 on another tenant's records, none of its data in any answer, no server error",
    ]


def test_leaks_and_server_errors_are_counted_apart():
    leak = isolation.Finding(isolation.LEAK, "api GET /projects as tenant a admin: leaked tenant b's projects id x")
    error = isolation.Finding(isolation.SERVER_ERROR, "api GET /projects/{id}: HTTP 502 (a server error)")
    assert failure_text([leak, error], 30, "requests").splitlines()[0] == (
        "1 of 30 requests reached the other tenant; 1 met a server error"
    )


def test_a_server_error_that_shows_the_other_tenants_data_is_a_leak():
    attacker = party(lambda request: httpx.Response(500, text="cannot render project prj-b000002 of smoke-b"))
    finding = isolation.probe_finding(isolation.Probe(attacker, PROJECTS, owner(), "prj-b000001", frozenset({404})))
    assert finding.kind == isolation.LEAK
    assert finding.line.endswith(
        "HTTP 500; leaked tenant b's projects id prj-b000002, tenant b's organization slug smoke-b"
    )


def test_a_named_tenant_echoed_or_already_shown_without_it_is_not_reported():
    echo = party(lambda request: httpx.Response(200, text=f"<p>No project matches {request.url.params['org']}</p>"))
    assert isolation.probe_finding(isolation.Probe(echo, PROJECT_LIST, owner(), params=(("org", "smoke-b"),))) is None
    leaky = party(lambda request: httpx.Response(200, json=[{"id": "prj-b000001", "organizationId": "org-b0000001"}]))
    shown = isolation.leaks(isolation.Probe(leaky, PROJECT_LIST, owner()).send(), leaky, owner())
    assert shown == ["items of organization org-b0000001", "tenant b's projects id prj-b000001"]
    probe = isolation.Probe(leaky, PROJECT_LIST, owner(), params=(("org", "x"),), baseline=frozenset(shown))
    assert isolation.probe_finding(probe) is None


def test_a_name_one_tenant_alone_holds_is_found_whole_in_a_page():
    page = party(lambda request: httpx.Response(200, text="<td>Data Platform</td>"))
    found = owner()
    found.texts["Data Platform"] = "tenant b's projects name"
    assert isolation.probe_finding(isolation.Probe(page, PROJECT_LIST, found)) == isolation.Finding(
        isolation.LEAK, "api GET /projects as tenant a admin: leaked tenant b's projects name 'Data Platform'"
    )
    found.keep_apart(isolation.Owner("a", texts={"Data Platform": "tenant a's projects name"}))
    assert isolation.probe_finding(isolation.Probe(page, PROJECT_LIST, found)) is None


UPDATE = Route("projects", "api", "PATCH", "/projects/{id}")
RECORD = {
    "id": "prj-b000001",
    "organizationId": "org-b0000001",
    "name": "Data Platform",
    "archived": False,
    "status": "ACTIVE",
    "createdAt": "2025-01-06T09:00:00.000Z",
    "userId": "usr-1",
    "contact": "lead@b.test",
}


def test_without_a_document_a_change_is_made_of_the_records_own_fields():
    found = owner()
    found.ids["users"] = ["usr-1", "usr-2"]
    assert records.change_payload(UPDATE, RECORD, found, None) == {
        "name": "Data Platform (woc-gate)",
        "archived": True,
        "userId": "usr-2",
    }


def test_a_documented_body_decides_the_fields_and_their_bounds():
    body = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 20},
            "archived": {"$ref": "#/components/schemas/Flag"},
            "status": {"type": "string", "enum": ["ACTIVE", "ARCHIVED"]},
            "budget": {"type": "integer", "minimum": 0, "maximum": 10},
        },
    }
    operation = {"requestBody": {"content": {"application/json": {"schema": body}}}}
    document = {
        "paths": {"/projects/{projectId}": {"patch": operation}},
        "components": {"schemas": {"Flag": {"type": "boolean"}}},
    }
    assert records.change_payload(UPDATE, {**RECORD, "budget": 10}, owner(), document) == {
        "name": "Data Plat (woc-gate)",
        "archived": True,
        "budget": 9,
    }


def test_parameters_come_from_the_inventory_the_document_the_product_and_the_records():
    route = Route("time_entries", "api", "GET", "/time-entries", ("teamId",))
    found = owner()
    found.records["time_entries"] = {"e1": {"id": "e1", "userId": "usr-9", "approverId": "usr-8"}}
    listing = {
        "parameters": [
            {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
            {"name": "billable", "in": "query", "schema": {"type": "boolean"}},
        ]
    }
    document = {"paths": {"/time-entries": {"get": listing}}}
    names = requests.parameter_names(route, found, document)
    assert names[:2] == ["teamId", "from"] and "billable" not in names
    assert {"organizationId", "org", "slug", "userId", "filter[organizationId]", "approverId"} <= set(names)
    assert requests.tenant_values("organizationId", route, found) == ["org-b0000001"]
    assert requests.tenant_values("org", route, found) == ["org-b0000001", "smoke-b"]
    assert requests.tenant_values("X-Org-Slug", route, found) == ["smoke-b"]
    assert requests.tenant_values("approverId", route, found) == ["usr-8"]
    assert requests.tenant_values("filter[projectId]", route, found) == ["prj-b000001", "prj-b000002"]


def test_the_inventory_names_a_routes_query_parameters_after_its_path():
    from woc_gate.config import Settings
    from woc_gate.target.routes import inventory

    [route] = inventory(Settings(routes={"time_entries": ["api GET /time-entries?userId&projectId"]}))
    assert (route.path, route.params) == ("/time-entries", ("userId", "projectId"))


def test_a_link_is_redeemed_through_the_form_that_asks_for_a_password():
    sent = []

    def product(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(
                200,
                text='<form method="post" action="/logout"><input type="hidden" name="csrf" value="c1"></form>'
                '<form method="post" action="/invite/accept"><input type="hidden" name="csrf" value="c1">'
                '<input type="hidden" name="token" value="t0k"><input id="name" name="name">'
                '<input name="password" type="password"><input type="checkbox" name="news" value="y"></form>',
            )
        sent.append((request.url.path, dict(httpx.QueryParams(request.content.decode()))))
        return httpx.Response(303, headers={"location": "/login"})

    client = httpx.Client(base_url="http://web.test", transport=httpx.MockTransport(product))
    assert flows.redeem(client, "http://web.test/invite/accept?token=t0k", "s3cret-pass", "woc-gate x") == 303
    assert sent == [("/invite/accept", {"csrf": "c1", "token": "t0k", "name": "woc-gate x", "password": "s3cret-pass"})]


def test_a_refused_write_that_changed_what_it_carried_is_named_and_put_back_and_activity_is_no_change():
    written = []
    owner_party = party(lambda request: written.append(request.content) or httpx.Response(200, json={}))
    probe = isolation.Probe(
        owner_party, UPDATE, owner(), "prj-b000001", frozenset({404}), body=(("name", "X (woc-gate)"),)
    )
    before = {(PROJECTS, "prj-b000001"): (200, {"name": "X", "seenAt": "2025-01-06T09:00:00.000Z"})}
    moved_on = {(PROJECTS, "prj-b000001"): (200, {"name": "X", "seenAt": "2025-01-06T09:05:00.000Z"})}
    assert records.changed_records(before, moved_on, [probe], "b") == []
    applied = {(PROJECTS, "prj-b000001"): (200, {"name": "X (woc-gate)", "seenAt": "2025-01-06T09:00:00.000Z"})}
    assert records.changed_records(before, applied, [probe], "b") == [
        'tenant b\'s projects prj-b000001 read through api GET /projects/{id}: name "X" before, "X (woc-gate)" after'
    ]
    gone = {(PROJECTS, "prj-b000001"): (404, None), (PROJECT_LIST, "prj-b000001"): (200, False)}
    listed = {**before, (PROJECT_LIST, "prj-b000001"): (200, True)}
    assert [line.rsplit(": ", 1)[1] for line in records.changed_records(listed, gone, [probe], "b")] == [
        "HTTP 200 before, 404 after",
        "listed before, not after",
    ]
    records.put_back([probe, probe], before, applied, owner_party)
    assert written == [b'{"name":"X"}']


def test_a_link_that_moved_an_account_or_added_a_user_is_named_and_activity_is_not():
    link = tokens.SentLink("http://web.test/invite/accept?token=t", "new@x.test", "pw", joins="a")
    member = {"email": "m@b.test", "organizationId": "org-b", "lastLoginAt": "2025-01-06T09:00:00.000Z"}
    listed = {"b": {"m@b.test": tokens.account_view(member)}, "a": {}}
    later = {**member, "lastLoginAt": "2025-01-06T10:00:00.000Z"}
    joined = {"b": {"m@b.test": tokens.account_view(later)}, "a": {"new@x.test": {}}}
    expected = {("b", "member"): ("org-b", "MEMBER")}
    tokens.no_account_moved(listed, joined, expected, expected, link, "the invite")
    moved = {"b": {}, "a": {"new@x.test": {}, "m@b.test": tokens.account_view(member)}}
    with pytest.raises(CheckFailure) as failure:
        tokens.no_account_moved(listed, moved, {("b", "member"): ("org-a", "MEMBER")}, expected, link, "the invite")
    assert str(failure.value).splitlines()[0] == "the invite changed the smoke tenants' accounts"
    assert str(failure.value).splitlines()[4:] == [
        "  the member of tenant b signs in to organization org-a as MEMBER (before: organization org-b as MEMBER)",
        "  tenant b's users: m@b.test gone",
        "  tenant a's users: m@b.test added",
    ]


def test_a_link_whose_redemption_met_a_server_error_says_so():
    tokens.redeemed_without_server_error({"anonymously": 400, "signed in": 303}, "the invite")
    with pytest.raises(CheckFailure) as failure:
        tokens.redeemed_without_server_error({"anonymously": 502}, "the invite")
    assert str(failure.value).splitlines()[0::3] == [
        "the invite met a server error",
        "Received: redeemed anonymously: HTTP 502",
    ]


def test_the_harvest_keeps_names_of_two_words_or_more_as_canaries():
    projects = [
        {"id": "prj-a000001", "organizationId": "org-a", "name": "Data Platform", "status": "ACTIVE"},
        {"id": "prj-a000002", "organizationId": "org-a", "name": "General", "createdAt": "2025-01-06T09:00:00.000Z"},
        {"id": "prj-z000001", "organizationId": "org-z", "name": "Not Mine"},
    ]
    admin = party(lambda request: httpx.Response(200, json=projects))
    found = isolation.harvest([PROJECT_LIST], admin, "", "smoke-a")
    assert found.ids == {"projects": ["prj-a000001", "prj-a000002"]}
    assert found.texts == {"Data Platform": "tenant a's projects name"}
    assert set(found.canaries) == {"org-a", "smoke-a", "prj-a000001", "prj-a000002"}
