"""The CI examples (examples/ci/): every secret setting handed over under its variable, and their steps, run as
scripts against a reference stack, publishing what they say they publish."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from woc_gate.config import environment_of
from woc_gate.config.settings import secret_variables

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "ci"
GITHUB = EXAMPLES / "github-actions.yml"
GITLAB = EXAMPLES / "gitlab-ci.yml"
UPLOADED = {"gate-report.json", "gate-report.md", "gate-report.html", "gate-junit.xml"}
# keeps the run cheap: one gate test, no workers
ONE_TEST = "-p no:xdist -k test_cron_secret_is_set_and_strong"
CI_EXPRESSION = re.compile(r"\$\{\{|\$CI_|\$GITLAB_")  # a value only the CI system fills in
INSTALL = re.compile(r'python -m venv "([^"]+)"')
INSTALL_LINE = re.compile(r'python -m venv|/(pip|playwright)" install')


def github_job() -> dict:
    return yaml.safe_load(GITHUB.read_text())["jobs"]["release-gate"]


def gitlab_job() -> dict:
    return yaml.safe_load(GITLAB.read_text())["release-gate"]


def github_plan() -> tuple[dict, list[str], list[str]]:
    """The job's env, its ``run:`` steps in order, and the files it uploads."""
    job = github_job()
    (upload,) = [step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact")]
    return job["env"], [step["run"] for step in job["steps"] if "run" in step], upload["with"]["path"].split()


def gitlab_plan() -> tuple[dict, list[str], list[str]]:
    """The job's variables, its shells (before_script with script, then after_script), and its artifacts."""
    job = gitlab_job()
    main = "\n".join([*job["before_script"], *job["script"]])
    return job["variables"], [main, "\n".join(job["after_script"])], job["artifacts"]["paths"]


def with_the_checkouts_install(script: str) -> str:
    """The script with the wheel's install replaced by this checkout's: its environment where the venv would be."""
    venv = INSTALL.search(script)
    if venv is None:
        return script
    kept = [line for line in script.splitlines() if not INSTALL_LINE.search(line)]
    return "\n".join([f'ln -s {sys.prefix} "{venv.group(1)}"', *kept])


def test_each_example_hands_over_every_secret_setting_under_its_variable():
    secrets = secret_variables()
    assert {"DATABASE_URL", "NEXTAUTH_SECRET", "WOC_GATE_SMOKE_B_MEMBER_PASSWORD"} <= set(secrets)
    env = github_job()["env"]
    assert {name: env.get(name) for name in secrets} == {name: f"${{{{ secrets.{name} }}}}" for name in secrets}
    for example in (GITHUB, GITLAB):
        documented = {line.split()[1] for line in example.read_text().splitlines() if re.match(r"#   [A-Z]", line)}
        assert set(secrets) <= documented, example.name


def test_no_github_step_puts_an_expression_into_its_script():  # injection: values reach scripts as variables
    _, github, _ = github_plan()
    assert not [script for script in github if "${{" in script]


@pytest.mark.slow  # a whole gate run each
@pytest.mark.parametrize("plan", [github_plan, gitlab_plan], ids=["github", "gitlab"])
def test_the_examples_steps_run_the_gate_and_publish_its_verdict(plan, clean_stack, tmp_path):
    env, scripts, uploaded = plan()
    workspace, summary = tmp_path / "workspace", tmp_path / "summary.md"
    workspace.mkdir()
    stack_env = environment_of(tomllib.loads(clean_stack.profile_path.read_text()))
    environ = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("WOC_GATE_", "PYTEST_"))},
        **{name: str(value) for name, value in env.items() if not CI_EXPRESSION.search(str(value))},
        **{name: stack_env.get(name, "") for name in secret_variables()},  # the CI store: unset ones are empty
        "WOC_GATE_CACHE_DIR": os.environ["WOC_GATE_CACHE_DIR"],
        "PYTHONPATH": str(ROOT / "src"),
        "PYTEST_ADDOPTS": ONE_TEST,
        "RUNNER_TEMP": str(tmp_path),  # where the runner or the job keeps the venv: here, this test's folder
        "GATE_VENV": str(tmp_path / "woc-gate"),
        "GITHUB_ACTIONS": "true" if plan is github_plan else "",
        "GITHUB_STEP_SUMMARY": str(summary) if plan is github_plan else "",
        "WOC_GATE_CONFIG": str(clean_stack.profile_path),  # stands for the profile committed beside the job
        "GATE_WHEEL": "",
    }
    outputs, statuses = [], []
    for script in scripts:
        done = subprocess.run(
            ["bash", "-e", "-c", with_the_checkouts_install(script)],
            cwd=workspace,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outputs.append(done.stdout + done.stderr)
        statuses.append(done.returncode)
    assert statuses == ([0, 1] if plan is github_plan else [1, 0]), outputs  # BLOCKED fails the job
    record = json.loads((workspace / "gate-report.json").read_text())
    assert record["verdict"] == "RELEASE GATE BLOCKED: 11 of 11 items not proven"  # one test proves no item
    junit = ET.parse(workspace / "gate-junit.xml").getroot()
    cases = [case for case in junit.iter("testcase") if case.get("classname") == "release-gate"]
    assert len(cases) == 11 and all(case.find("failure") is not None for case in cases)
    assert set(uploaded) == UPLOADED
    assert {path.name for path in workspace.iterdir()} >= UPLOADED
    published = summary.read_text() if plan is github_plan else outputs[-1]
    assert "| cron-secret | UNVERIFIED | 1 | 0 |" in published
    if plan is github_plan:
        assert "::error title=release gate%3A legal-privacy UNVERIFIED::no valid attestation" in outputs[-1]
    shown = "\n".join([*outputs, *(path.read_text() for path in workspace.iterdir() if path.is_file())])
    for name in secret_variables():
        value = stack_env.get(name)
        assert not value or value not in shown, name
