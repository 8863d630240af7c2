"""The reference stack holds a capped pool of database connections, however many gate runs it serves."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gate_runs import run_gate_tests
from sandbox_clients import database

from woc_gate.sandbox.sql import POOL_SIZE

pytestmark = pytest.mark.slow  # fifty gate runs against one stack

pytest_plugins = ["pytester"]

ROUNDS = 50
WARM_ROUNDS = 10  # by then each pool has opened what the load needs
AT_ONCE = 16  # twice what the tenant probes send at a time
API_READS = ("/projects", "/time-entries", "/screenshots", "/users", "/tracking/policy")
WEB_READS = ("/admin/users", "/admin/projects", "/admin/settings", "/admin")
CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "test_tracking_policy.py"
APPS = 2  # the runtime API and the web/admin app, each with its pool
READER = 1  # the session that reads the count


def connected(ctx):
    """The server's ``Threads_connected``: every open session, the reader's included."""
    connection = database(ctx)
    with connection, connection.cursor() as cursor:
        cursor.execute("SHOW STATUS LIKE 'Threads_connected'")
        return int(cursor.fetchone()[1])


def gate_round(clients, web):
    """The reads one gate run sends, ``AT_ONCE`` at a time, as every smoke account on both apps."""
    calls = [(client, path) for client in clients.values() for path in API_READS]
    calls += [(client, path) for client in web.values() for path in WEB_READS]
    with ThreadPoolExecutor(AT_ONCE) as sending:
        statuses = list(sending.map(lambda call: call[0].get(call[1]).status_code, calls))
    assert not [status for status in statuses if status >= 500]


def test_fifty_gate_runs_leave_the_connection_count_flat_and_capped(pytester, clean_stack, clients, web):
    result, _ = run_gate_tests(pytester, str(CONTRACTS), f"--woc-config={clean_stack.profile_path}")
    assert result.ret == 0
    counts = [connected(clean_stack.ctx)]
    for _ in range(ROUNDS):
        gate_round(clients, web)
        counts.append(connected(clean_stack.ctx))
    result, _ = run_gate_tests(pytester, str(CONTRACTS), f"--woc-config={clean_stack.profile_path}")
    assert result.ret == 0
    counts.append(connected(clean_stack.ctx))
    assert max(counts) <= APPS * POOL_SIZE + READER, counts
    # the pools fill as the load asks, up to their size, within the first rounds; past them the count may not grow
    assert counts[-1] <= max(counts[: WARM_ROUNDS + 1]), counts
