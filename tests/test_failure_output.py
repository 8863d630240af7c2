"""A failing check shows its finding, not the frames of the code that found it."""

pytest_plugins = ["pytester"]


def test_a_check_failure_prints_title_expected_and_received_only(pytester):
    pytester.makefile(".toml", **{"woc-gate": '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile("""
        import pytest
        from woc_gate.checks import CheckFailure

        def settings_row_exists(tenant):
            raise CheckFailure(f"organization {tenant} has no settings row", "1 row", "0 rows")

        @pytest.mark.gate("backup-restore")
        def test_every_active_org_has_a_settings_row():
            settings_row_exists("smoke-acme")
    """)
    result = pytester.runpytest("--gate-report", "gate.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_every_active_org_has_a_settings_row _*",
            "organization smoke-acme has no settings row",
            "",
            "Expected: 1 row",
            "Received: 0 rows",
            "*= release gate =*",
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*raise CheckFailure*")
    result.stdout.fnmatch_lines(["backup-restore *FAIL*organization smoke-acme has no settings row"])


def test_an_openapi_finding_prints_only_the_differing_properties(pytester):
    pytester.makefile(".toml", **{"woc-gate": '[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'})
    pytester.makepyfile("""
        import pytest
        from woc_gate.checks import openapi

        SHARED = {"type": "object", "required": ["blur"], "properties": {
            "blur": {"type": "boolean"}, **{f"f{n}": {"type": "integer"} for n in range(40)}}}

        @pytest.mark.gate("schema-contracts")
        def test_documented_policy_response_matches_shared_tracking_policy():
            documented = {**SHARED, "properties": {**SHARED["properties"], "blur": {"type": "string"}}}
            openapi.documented_as_shared(documented, SHARED, what="GET /tracking/policy", type_name="TrackingPolicy")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_documented_policy_response_matches_shared_tracking_policy _*",
            "the OpenAPI document describes GET /tracking/policy differently from the shared TrackingPolicy: "
            "blur documented as {'type': 'string'}, shared as {'type': 'boolean'}",
            "",
            'Expected: {"blur": {"type": "boolean"}}',
            'Received: {"blur": {"type": "string"}}',
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*woc_gate/checks*")
