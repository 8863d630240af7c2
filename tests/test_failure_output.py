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
