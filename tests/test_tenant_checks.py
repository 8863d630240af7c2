"""The tenant-isolation checks on their own: the ids they draw are fixed per account, so a second run repeats them."""

import httpx

from woc_gate.checks.tenant import Owner, Party, probe_malformed_and_foreign_ids
from woc_gate.target.routes import Route

ROUTES = [Route("projects", "api", "GET", "/projects/{id}"), Route("users", "api", "GET", "/users/{id}")]
OWNER = Owner("b", "org-b", {"projects": ["cproj0000000001", "cproj0000000002"], "users": ["cuser0000000001"]})
REFUSED = frozenset({403, 404})


def drawn_paths(role: str) -> list[str]:
    """The paths the drawn-ids probe sends as tenant a's ``role`` to a target that refuses everything."""
    sent = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.raw_path.decode())
        return httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(refuse), base_url="http://target.test")
    party = Party("a", role, "org-a", {"api": client})
    findings, probes = probe_malformed_and_foreign_ids(ROUTES, party, OWNER, ["cproj00000000zz"], REFUSED, 20)
    assert (findings, probes) == ([], len(sent))
    return sorted(sent)


def test_a_second_run_draws_the_same_ids():
    assert drawn_paths("admin") == drawn_paths("admin")


def test_each_account_draws_other_ids():
    assert drawn_paths("admin") != drawn_paths("member")
