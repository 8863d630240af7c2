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
GITHUB_SPLIT = EXAMPLES / "github-actions-sharded.yml"
GITLAB = EXAMPLES / "gitlab-ci.yml"
UPLOADED = {"gate-report.json", "gate-report.md", "gate-report.html", "gate-junit.xml"}
# keeps the run cheap: one gate test, no workers
ONE_TEST = "-p no:xdist -k test_cron_secret_is_set_and_strong"
TWO_TESTS = (
    "-p no:xdist -k 'test_cron_secret_is_set_and_strong or test_provider_key_and_sender_are_set'"  # a shard each
)
CI_EXPRESSION = re.compile(r"\$\{\{|\$CI_|\$GITLAB_")  # a value only the CI system fills in
INSTALL = re.compile(r'python -m venv "([^"]+)"')
INSTALL_LINE = re.compile(r'python -m venv|/(pip|playwright)" install')


def github_job(example: Path = GITHUB, job: str = "release-gate") -> dict:
    return yaml.safe_load(example.read_text())["jobs"][job]


def gitlab_job() -> dict:
    return yaml.safe_load(GITLAB.read_text())["release-gate"]


def github_plan(example: Path = GITHUB, job: str = "release-gate") -> tuple[dict, list[str], list[str]]:
    """The job's env, its ``run:`` steps in order, and the files it uploads."""
    job = github_job(example, job)
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
    for env in (github_job()["env"], github_job(GITHUB_SPLIT, "release-gate-shard")["env"]):
        assert {name: env.get(name) for name in secrets} == {name: f"${{{{ secrets.{name} }}}}" for name in secrets}
    for example in (GITHUB, GITHUB_SPLIT, GITLAB):
        documented = {line.split()[1] for line in example.read_text().splitlines() if re.match(r"#   [A-Z]", line)}
        assert set(secrets) <= documented, example.name


def test_no_github_step_puts_an_expression_into_its_script():  # injection: values reach scripts as variables
    for example in (GITHUB, GITHUB_SPLIT):
        for job in yaml.safe_load(example.read_text())["jobs"].values():
            assert not [step["run"] for step in job["steps"] if "${{" in step.get("run", "")], example.name


def ci_environ(env: dict, clean_stack, tmp_path: Path, *, github: bool, tests: str = ONE_TEST) -> dict[str, str]:
    """What a job's scripts see: the job's own variables, its secrets from the CI store, a runner of this test's own."""
    stack_env = environment_of(tomllib.loads(clean_stack.profile_path.read_text()))
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith(("WOC_GATE_", "PYTEST_"))},
        **{name: str(value) for name, value in env.items() if not CI_EXPRESSION.search(str(value))},
        **{name: stack_env.get(name, "") for name in secret_variables()},  # the CI store: unset ones are empty
        "WOC_GATE_CACHE_DIR": os.environ["WOC_GATE_CACHE_DIR"],
        "PYTHONPATH": str(ROOT / "src"),
        "PYTEST_ADDOPTS": tests,
        "RUNNER_TEMP": str(tmp_path),  # where the runner or the job keeps the venv: here, this test's folder
        "GATE_VENV": str(tmp_path / "woc-gate"),
        "GITHUB_ACTIONS": "true" if github else "",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md") if github else "",
        "WOC_GATE_CONFIG": str(clean_stack.profile_path),  # stands for the profile committed beside the job
        "GATE_WHEEL": "",
    }


def run_scripts(scripts: list[str], workspace: Path, environ: dict[str, str]) -> tuple[list[int], list[str]]:
    """Run a job's scripts one after the other in its workspace, as its runner does: their statuses and outputs."""
    workspace.mkdir(parents=True, exist_ok=True)
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
    return statuses, outputs


def release_gate_cases(junit: Path) -> list[ET.Element]:
    return [case for case in ET.parse(junit).getroot().iter("testcase") if case.get("classname") == "release-gate"]


def assert_no_secret_in(shown: str, clean_stack) -> None:
    __tracebackhide__ = True
    stack_env = environment_of(tomllib.loads(clean_stack.profile_path.read_text()))
    for name in secret_variables():
        value = stack_env.get(name)
        assert not value or value not in shown, name


@pytest.mark.slow  # a whole gate run each
@pytest.mark.parametrize("plan", [github_plan, gitlab_plan], ids=["github", "gitlab"])
def test_the_examples_steps_run_the_gate_and_publish_its_verdict(plan, clean_stack, tmp_path):
    env, scripts, uploaded = plan()
    workspace, summary = tmp_path / "workspace", tmp_path / "summary.md"
    statuses, outputs = run_scripts(
        scripts, workspace, ci_environ(env, clean_stack, tmp_path, github=plan is github_plan)
    )
    assert statuses == ([0, 1] if plan is github_plan else [1, 0]), outputs  # BLOCKED fails the job
    record = json.loads((workspace / "gate-report.json").read_text())
    assert record["verdict"] == "RELEASE GATE BLOCKED: 11 of 11 items not proven"  # one test proves no item
    cases = release_gate_cases(workspace / "gate-junit.xml")
    assert len(cases) == 11 and all(case.find("failure") is not None for case in cases)
    assert set(uploaded) == UPLOADED
    assert {path.name for path in workspace.iterdir()} >= UPLOADED
    published = summary.read_text() if plan is github_plan else outputs[-1]
    assert "| cron-secret | UNVERIFIED | 1 | 0 |" in published
    if plan is github_plan:
        assert "::error title=release gate%3A legal-privacy UNVERIFIED::no valid attestation" in outputs[-1]
    assert_no_secret_in(
        "\n".join([*outputs, *(path.read_text() for path in workspace.iterdir() if path.is_file())]), clean_stack
    )


@pytest.mark.slow  # two gate runs and a merge
def test_the_split_examples_shards_and_merge_publish_the_verdict_of_one_run(clean_stack, tmp_path):
    env, shard_scripts, uploaded = github_plan(GITHUB_SPLIT, "release-gate-shard")
    merge_env, merge_scripts, _ = github_plan(GITHUB_SPLIT, "release-gate")
    assert set(uploaded) == UPLOADED
    shown = []
    for index in (1, 2):  # each shard on a runner of its own, its record uploaded and then downloaded
        runner = tmp_path / f"runner-{index}"
        environ = {**ci_environ(env, clean_stack, runner, github=True, tests=TWO_TESTS), "GATE_SHARD": f"{index}/2"}
        statuses, outputs = run_scripts(shard_scripts, runner / "workspace", environ)
        assert statuses == [0, 1], outputs  # its part is not proven: most items have no test in either shard
        assert release_gate_cases(runner / "workspace" / "gate-junit.xml") == []  # the verdict is the merge's
        assert not (runner / "summary.md").exists()
        downloaded = tmp_path / "merge" / "workspace" / "shards" / f"release-gate-shard-{index}"
        downloaded.mkdir(parents=True)
        (downloaded / "gate-report.json").write_text((runner / "workspace" / "gate-report.json").read_text())
        shown += outputs
    merger = tmp_path / "merge"
    statuses, outputs = run_scripts(
        merge_scripts, merger / "workspace", ci_environ(merge_env, clean_stack, merger, github=True)
    )
    assert statuses == [0, 1], outputs  # BLOCKED fails the job, as the run that is not split
    record = json.loads((merger / "workspace" / "gate-report.json").read_text())
    assert record["verdict"] == "RELEASE GATE BLOCKED: 11 of 11 items not proven"
    published = (merger / "summary.md").read_text()
    assert (
        "| cron-secret | UNVERIFIED | 1 | 0 |" in published and "| email-provider | UNVERIFIED | 1 | 0 |" in published
    )
    assert "::error title=release gate%3A legal-privacy UNVERIFIED::no valid attestation" in outputs[-1]
    assert_no_secret_in("\n".join([*shown, *outputs, published]), clean_stack)
