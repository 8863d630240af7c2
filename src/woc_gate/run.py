"""One pytest session's gate state: settings, the reference stack it started, the outcomes, the verdict."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from . import attestations as attestation_file
from . import config as settings_module
from .attestations import Attestation
from .config import Settings
from .errors import WocGateError
from .gate import ItemResult, Status, is_gate_run, judge_all
from .outcomes import Outcomes
from .report import build_record, render_table, write_record

if TYPE_CHECKING:
    from .sandbox.stack import Sandbox

SANDBOX_PROFILE_KEY = "woc_gate_sandbox_profile"  # how xdist workers learn of the controller's stack


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
        options |= {"config": config.getoption("woc_config"), "faults": config.getoption("woc_faults")}
        settings = _load(config, options, _worker_sandbox_profile(config))
        if settings.faults and settings.target != "sandbox":
            raise WocGateError(
                "--woc-fault applies to the reference stack only; add --woc-target=sandbox or drop the faults"
            )
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
        sandbox = None  # started last: every usage error above comes before anything runs
        if settings.target == "sandbox" and not collect_only and not _is_worker(config):
            sandbox = _start_sandbox(settings)
            settings = _load(config, options, sandbox.profile_path)
        return cls(settings, gate_run, attestations, Outcomes(settings.redactor()), sandbox=sandbox)

    def finish(self) -> list[ItemResult]:
        """Judge every item from what the outcomes saw."""
        self.results = judge_all(self.outcomes.results(), attestation_file.attested_items(self.attestations))
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


def _check_output_path(path: Path | None, flag: str) -> None:
    if path is not None and not path.parent.resolve().is_dir():
        raise WocGateError(f"{flag} {path}: directory {path.parent} does not exist; create it or pick another path")


def _load(config: pytest.Config, options: dict, sandbox_profile: Path | None) -> Settings:
    if sandbox_profile is not None:
        # the stack works on its own copy of the tree (tree faults edit it); its profile names the copy
        options = {**options, "repo": None}
    return settings_module.load(
        options=options, environ=os.environ, rootdir=config.rootpath, sandbox_profile=sandbox_profile
    )


def _runs_tests(config: pytest.Config) -> bool:
    """False for --collect-only, --help, --version, --markers, --fixtures: nothing to start or judge."""
    listing = ("collectonly", "help", "version", "markers", "showfixtures", "show_fixtures_per_test")
    return not any(getattr(config.option, name, False) for name in listing)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _worker_sandbox_profile(config: pytest.Config) -> Path | None:
    profile = getattr(config, "workerinput", {}).get(SANDBOX_PROFILE_KEY)
    return Path(profile) if profile else None


def _start_sandbox(settings: Settings):
    from .sandbox import stack  # the stack's own dependencies load only when one is wanted

    return stack.start(faults=settings.faults, repo=settings.repo, owner_pid=os.getpid())
