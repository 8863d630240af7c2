"""One pytest session's gate state: settings, the reference stack it started, the outcomes, the verdict.

With ``--woc-target=sandbox`` the reference stack starts when the first selected test needs a target
(the ``woc_settings`` fixture calls ``GateRun.ensure_sandbox``), once for all xdist workers: the first
worker starts it under a lock in the folder the workers share, the others read where it runs, and
the controller stops it at the end. A run that selects no such test starts nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .. import attestations as attestation_file
from .. import config as settings_module
from ..attestations import Attestation
from ..config import Settings
from ..errors import SandboxError, WocGateError
from ..gate import ItemResult, Status, is_gate_run, judge_all
from ..report import build_record, render_table, write_record
from .outcomes import Outcomes

if TYPE_CHECKING:
    from ..sandbox.stack import Sandbox

CONTROLLER_PID_KEY = "woc_gate_controller_pid"  # workerinput: the stack a worker starts lives as long as this
SANDBOX_STATE_KEY = "woc_gate_sandbox_state"  # workeroutput: the state dir of the stack a worker started
SHARED_SANDBOX_FILE = "woc-gate-sandbox.json"  # in the basetemp folder xdist workers share
SANDBOX_LOCK_TIMEOUT = 300  # seconds: a cold start on a loaded machine, with room to spare


@dataclass
class GateRun:
    """Everything the plugin keeps for one session."""

    settings: Settings
    gate_run: bool
    attestations: list[Attestation]
    outcomes: Outcomes
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    sandbox: Sandbox | None = None
    results: list[ItemResult] | None = None
    options: dict = field(default_factory=dict)
    rootdir: Path = Path()
    owner_pid: int = field(default_factory=os.getpid)
    worker_stacks: list[Path] = field(default_factory=list)  # stacks workers started, stopped by the controller
    sandbox_profile: Path | None = None

    def redact(self, text: str) -> str:
        """Text with every secret of the current settings masked (the stack's, once it runs)."""
        return self.settings.redactor()(text)

    def ensure_sandbox(self, config: pytest.Config, shared_dir: Path) -> None:
        """Start the reference stack on first need: here, or once for all xdist workers (``shared_dir``)."""
        if self.sandbox_profile is not None or self.settings.target != "sandbox":
            return
        if not _is_worker(config):
            self.sandbox = _start_sandbox(self.settings, self.owner_pid)
            self.use_sandbox_profile(self.sandbox.profile_path)
            return
        import filelock

        with filelock.FileLock(shared_dir / (SHARED_SANDBOX_FILE + ".lock"), timeout=SANDBOX_LOCK_TIMEOUT):
            shared = shared_dir / SHARED_SANDBOX_FILE
            if shared.is_file():
                state_dir = Path(json.loads(shared.read_text())["state_dir"])
                if not (state_dir / "profile.toml").is_file():
                    raise SandboxError("the reference stack another worker started did not come up; see its error")
            else:
                started = _start_sandbox(self.settings, config.workerinput[CONTROLLER_PID_KEY])
                state_dir = started.state_dir
                shared.write_text(json.dumps({"state_dir": str(state_dir)}))
                config.workeroutput[SANDBOX_STATE_KEY] = str(state_dir)
        self.use_sandbox_profile(state_dir / "profile.toml")

    def use_sandbox_profile(self, profile: Path) -> None:
        """Reload the settings with the running stack's profile."""
        self.sandbox_profile = profile
        self.settings = _reload(self.options, self.rootdir, profile)

    def adopt_worker_stack(self, state_dir: Path) -> None:
        """Take over a stack a worker started: its settings for the record, and stopping it at the end."""
        self.worker_stacks.append(state_dir)
        self.use_sandbox_profile(state_dir / "profile.toml")

    @classmethod
    def from_config(cls, config: pytest.Config) -> GateRun:
        """Build the run from options, environment and profile; start a reference stack when asked."""
        try:
            return cls._from_config(config)
        except WocGateError as error:
            raise pytest.UsageError(f"woc-gate: {error}") from None

    @classmethod
    def _from_config(cls, config: pytest.Config) -> GateRun:
        for flag in ("gate_report", "gate_markdown"):
            _check_output_path(config.getoption(flag), "--" + flag.replace("_", "-"))
        options = {option.name: config.getoption(option.name) for option in settings_module.OPTIONS if option.flag}
        options["config"] = config.getoption("woc_config")
        settings = _reload(options, config.rootpath, None)
        if settings.faults and settings.target != "sandbox":
            raise WocGateError(
                "--woc-fault applies to the reference stack only; add --woc-target=sandbox or drop the faults"
            )
        if settings.repo is not None and not settings.repo.is_dir():
            raise WocGateError(
                f"the WorkOnClock checkout {settings.repo} ({settings.sources['repo']}) does not exist;"
                " pass --woc-repo with the root of a WorkOnClock checkout"
            )
        if settings.ca_bundle is not None and not settings.ca_bundle.is_file():
            raise WocGateError(
                f"the CA bundle {settings.ca_bundle} ({settings.sources['ca_bundle']}) does not exist;"
                " pass --woc-ca-bundle with a PEM file of the CA certificates that sign the target's"
            )
        if settings.target == "sandbox":
            from ..sandbox import require_extra

            require_extra()  # before the fault catalogue, which imports the stack's own dependencies
            from ..sandbox.faults import check_fault_names

            check_fault_names(settings.faults)
        collect_only = not _runs_tests(config)
        gate_run = is_gate_run(config.getoption("markexpr") or "", config.getoption("gate"))
        if gate_run and not collect_only and settings.target == "configured" and not settings.has_target:
            raise WocGateError(
                "no target configured for the gate run: set NEXTAUTH_URL, API_BASE_URL and "
                "DATABASE_URL (or write woc-gate.toml, or pass --woc-config PATH), "
                "or use --woc-target=sandbox for the reference stack"
            )
        attestations = []
        if settings.attestations:
            attestations = attestation_file.load(
                settings.attestations,
                today=dt.date.today(),
                max_age_days=settings.attestation_max_age_days,
            )
        run = cls(settings, gate_run, attestations, Outcomes(), options=options, rootdir=config.rootpath)
        run.owner_pid = getattr(config, "workerinput", {}).get(CONTROLLER_PID_KEY, os.getpid())
        run.outcomes = Outcomes(run.redact)
        return run

    def finish(self) -> list[ItemResult]:
        """Judge every item from what the outcomes saw."""
        self.results = judge_all(
            self.outcomes.results(),
            attestation_file.attested_items(self.attestations),
            attestation_file.refusals(self.attestations),
        )
        return self.results

    @property
    def proven(self) -> bool:
        """True when every item is PASS."""
        return bool(self.results) and all(result.status is Status.PASS for result in self.results)

    def shown_results(self) -> list[ItemResult]:
        """The items the table shows: all in a gate run, else only those some test touched."""
        if self.gate_run:
            return list(self.results or [])
        return [result for result in self.results or [] if result.tests]

    def record(self, *, backup: dict | None = None) -> dict:
        """The JSON run record."""
        return build_record(
            self.results or [],
            settings=self.settings,
            attestations=self.attestations,
            started=self.started,
            finished=dt.datetime.now(dt.UTC),
            gate_run=self.gate_run,
            writes=list(self.outcomes.writes),
            backup=backup or self.outcomes.backup,
        )

    def write_reports(self, json_path: Path | None, markdown_path: Path | None) -> None:
        """Write the run record files asked for on the command line."""
        if json_path or markdown_path:
            write_record(self.record(), json_path, markdown_path, self.settings.redactor())

    def table(self) -> list[str]:
        """The release-gate table lines for the terminal."""
        record = self.record()
        shown = {result.item.id for result in self.shown_results()}
        record["items"] = [item for item in record["items"] if item["id"] in shown]
        return render_table(record)

    def stop_sandbox(self) -> None:
        """Stop the reference stack this session started, if any."""
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        if self.worker_stacks:
            from ..sandbox import stack

            for state_dir in self.worker_stacks:
                stack.stop(state_dir)
            self.worker_stacks = []


def _check_output_path(path: Path | None, flag: str) -> None:
    if path is not None and not path.parent.resolve().is_dir():
        raise WocGateError(f"{flag} {path}: directory {path.parent} does not exist; create it or pick another path")


def _reload(options: dict, rootdir: Path, sandbox_profile: Path | None) -> Settings:
    if sandbox_profile is not None:
        # the stack works on its own copy of the tree (tree faults edit it); its profile names the copy
        options = {**options, "repo": None}
    return settings_module.load(options=options, environ=os.environ, rootdir=rootdir, sandbox_profile=sandbox_profile)


def _runs_tests(config: pytest.Config) -> bool:
    """False for --collect-only, --help, --version, --markers, --fixtures: nothing to start or judge."""
    listing = ("collectonly", "help", "version", "markers", "showfixtures", "show_fixtures_per_test")
    return not any(getattr(config.option, name, False) for name in listing)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _start_sandbox(settings: Settings, owner_pid: int):
    from ..sandbox import stack  # the stack's own dependencies load only when one is wanted

    return stack.start(faults=settings.faults, repo=settings.repo, tls=True, s3=True, owner_pid=owner_pid)
