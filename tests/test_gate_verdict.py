"""The release-gate verdict: PASS / FAIL / UNVERIFIED per item, the table, the exit status."""

import json

import pytest

pytest_plugins = ["pytester"]

PROFILE = 'environment = "staging"\n[env]\nNEXTAUTH_URL = "http://127.0.0.1:9"\n'


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", **{"woc-gate": PROFILE})
    return pytester


def statuses(pytester: pytest.Pytester) -> dict[str, str]:
    record = json.loads((pytester.path / "gate.json").read_text())
    return {item["id"]: item["status"] for item in record["items"]}


def run_gate(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-m", "gate", "--gate-report", "gate.json", *args)


def test_an_item_whose_tests_all_pass_is_pass(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
        @pytest.mark.gate("cron-secret")
        def test_two(): pass
    """)
    run_gate(project)
    assert statuses(project)["cron-secret"] == "PASS"


def test_an_item_with_a_failing_test_is_fail_and_names_it(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
        @pytest.mark.gate("cron-secret")
        def test_two(): assert False, "retention endpoint accepted no secret"
    """)
    result = run_gate(project)
    assert statuses(project)["cron-secret"] == "FAIL"
    result.stdout.re_match_lines(
        [
            r"cron-secret +FAIL +1 +1 +0  test_an_item_with_a_failing_test_is_fail_and_names_it.py::test_two: "
            r"AssertionError: retention endpoint accepted no secret",
        ]
    )


def test_an_error_in_setup_is_fail(project):
    project.makepyfile("""
        import pytest
        @pytest.fixture
        def broken(): raise RuntimeError("cannot reach the API")
        @pytest.mark.gate("cron-secret")
        def test_one(broken): pass
    """)
    run_gate(project)
    assert statuses(project)["cron-secret"] == "FAIL"


def test_an_error_in_teardown_is_fail(project):
    project.makepyfile("""
        import pytest
        @pytest.fixture
        def settings_restored():
            yield
            raise RuntimeError("could not restore settings")
        @pytest.mark.gate("schema-contracts")
        def test_one(settings_restored): pass
    """)
    run_gate(project)
    assert statuses(project)["schema-contracts"] == "FAIL"


@pytest.mark.parametrize(
    "body",
    [
        "pytest.skip('no deployment')",
        "pytest.xfail('known defect')",
    ],
)
def test_skipped_or_xfailed_is_never_pass(project, body):
    project.makepyfile(f"""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
        @pytest.mark.gate("cron-secret")
        def test_two(): {body}
    """)
    run_gate(project)
    assert statuses(project)["cron-secret"] == "UNVERIFIED"


def test_the_table_shows_why_an_item_is_unverified(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("email-provider")
        def test_sender_is_set(): pass
        @pytest.mark.gate("email-provider")
        def test_mail_is_delivered(): pytest.skip("no resend_read_key: set WOC_GATE_RESEND_READ_KEY")
    """)
    result = run_gate(project)
    result.stdout.fnmatch_lines(
        [
            "email-provider * UNVERIFIED * 1 * 0 * 1  1 of 2 tests not passed:"
            " no resend_read_key: set WOC_GATE_RESEND_READ_KEY"
            " (skipped: test_the_table_shows_why_an_item_is_unverified.py::test_mail_is_delivered)"
        ]
    )


def test_an_xpass_is_not_proof(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        @pytest.mark.xfail(strict=False)
        def test_one(): pass
    """)
    run_gate(project)
    assert statuses(project)["cron-secret"] == "UNVERIFIED"


def test_an_item_no_test_proves_is_unverified(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
    """)
    run_gate(project)
    assert statuses(project)["tenant-isolation"] == "UNVERIFIED"


def test_a_deselected_test_leaves_its_item_unverified(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_kept(): pass
        @pytest.mark.gate("cron-secret")
        def test_left_out(): pass
    """)
    run_gate(project, "-k", "kept")
    record = json.loads((project.path / "gate.json").read_text())
    cron = next(item for item in record["items"] if item["id"] == "cron-secret")
    assert cron["status"] == "UNVERIFIED"
    assert cron["reason"] == (
        "1 of 2 tests not passed (deselected: test_a_deselected_test_leaves_its_item_unverified.py::test_left_out)"
    )


def test_one_test_may_prove_several_items(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret", "env-inventory")
        def test_one(): pass
        @pytest.mark.gate("tenant-isolation")
        @pytest.mark.gate("desktop-runtime")
        def test_two(): pass
    """)
    run_gate(project)
    found = statuses(project)
    assert [found[i] for i in ("cron-secret", "env-inventory", "tenant-isolation", "desktop-runtime")] == ["PASS"] * 4


def test_gate_run_fails_when_an_item_is_unproven_although_every_test_passed(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
    """)
    result = run_gate(project)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= release gate =*",
            "item * status * passed * failed * skipped * first failure",
            "cron-secret * PASS * 1 * 0 * 0",
            "legal-privacy * UNVERIFIED * 0 * 0 * 0 * no valid attestation",
            "RELEASE GATE BLOCKED: 10 of 11 items not proven",
        ]
    )


def test_outside_a_gate_run_the_exit_status_is_pytests_and_only_selected_items_show_without_a_verdict(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
        @pytest.mark.gate("env-inventory")
        def test_left_out(): pass
        def test_plain(): pass
    """)
    result = project.runpytest("-k", "not left_out")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["cron-secret * PASS *", "1 of 1 items this run tested are proven (not a gate run: no release-gate verdict)"]
    )
    result.stdout.no_fnmatch_line("env-inventory*")
    result.stdout.no_fnmatch_line("tenant-isolation*")
    result.stdout.no_fnmatch_line("RELEASE GATE*")


def test_a_run_without_gate_tests_prints_no_table(project):
    project.makepyfile("def test_plain(): pass")
    result = project.runpytest()
    result.stdout.no_fnmatch_line("*release gate*")


@pytest.mark.parametrize(
    "expression, gate_run",
    [
        ("gate", True),
        ("gate and contract", True),
        ("(gate)", True),
        ("not gate", False),
        ("gate or smoke", False),
        ("contract", False),
        ("", False),
    ],
)
def test_which_mark_expressions_make_a_gate_run(expression, gate_run):
    from woc_gate.gate import is_gate_run

    assert is_gate_run(expression) is gate_run


def test_the_gate_option_forces_a_gate_run(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
    """)
    assert project.runpytest("--gate").ret == pytest.ExitCode.TESTS_FAILED


def test_collect_only_prints_no_table_and_keeps_the_exit_status(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
    """)
    result = run_gate(project, "--collect-only")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*release gate*")
    assert not (project.path / "gate.json").exists()


def test_an_unknown_gate_id_is_a_collection_error_listing_the_known_ids(project):
    project.makepyfile(
        test_typo="""
        import pytest
        @pytest.mark.gate("cron-secrets")
        def test_one(): pass
    """
    )
    result = run_gate(project)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_typo.py*",
            "test_typo.py::test_one: unknown release-gate item 'cron-secrets'; known items: migration-runbook, "
            "backup-restore, private-screenshot-storage, cron-secret, email-provider, tenant-isolation, "
            "desktop-runtime, schema-contracts, env-inventory, legal-privacy, signed-installers",
        ]
    )


def test_a_gate_mark_without_ids_is_a_collection_error(project):
    project.makepyfile(
        test_empty="""
        import pytest
        @pytest.mark.gate
        def test_one(): pass
    """
    )
    result = run_gate(project)
    result.stdout.fnmatch_lines(
        ["test_empty.py::test_one: @pytest.mark.gate needs at least one item id; known items: *"]
    )


def test_gate_ids_reach_junit_xml(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
    """)
    run_gate(project, "--junitxml", "junit.xml")
    assert '<property name="gate" value="cron-secret" />' in (project.path / "junit.xml").read_text()


@pytest.mark.slow  # the suite's one xdist run inside its own xdist run
def test_the_verdict_is_the_same_with_two_xdist_workers(project):
    project.makepyfile("""
        import pytest
        @pytest.mark.gate("cron-secret")
        def test_one(): pass
        @pytest.mark.gate("cron-secret")
        def test_two(): pass
        @pytest.mark.gate("tenant-isolation")
        def test_three(): assert False, "leak"
        @pytest.mark.gate("desktop-runtime")
        def test_kept(): pass
        @pytest.mark.gate("desktop-runtime")
        def test_dropped(): pass
    """)
    result = project.runpytest_subprocess(
        "-n",
        "2",
        "-m",
        "gate",
        "--gate-report",
        "gate.json",
        "--deselect",
        "test_the_verdict_is_the_same_with_two_xdist_workers.py::test_dropped",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    found = statuses(project)
    assert (found["cron-secret"], found["tenant-isolation"], found["desktop-runtime"]) == ("PASS", "FAIL", "UNVERIFIED")
    result.stdout.fnmatch_lines(["RELEASE GATE BLOCKED: 10 of 11 items not proven"])
    assert result.stdout.str().count("= release gate =") == 1
