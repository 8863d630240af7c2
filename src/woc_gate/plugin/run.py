"""One pytest session's gate state: settings, the reference stack it may start, the outcomes, the verdict.

The settings are complete when the session is configured. With ``--woc-target=sandbox`` they include
what the stack's planned state dir alone decides (see ``lazy_stack``); the stack starts when the first
selected test needs a target (the ``woc_settings`` fixture calls ``GateRun.ensure_sandbox``), once for
all xdist workers, and its ``profile.toml`` then adds what depends on its ports and secrets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .. import attestations as attestation_file
from .. import config as settings_module
from ..attestations import Attestation
from ..config import Settings
from ..dashboard import write_dashboard
from ..errors import NoTarget, WocGateError
from ..gate import (
    DESELECTED,
    OTHER_SHARD,
    PASSED,
    ItemResult,
    Status,
    TestResult,
    is_gate_run,
    judge_all,
    selects_only,
)
from ..history import keep, load, new_run_id
from ..report import build_record, load_record, render_table, shown_items, write_record
from ..shards import Shard, assign, ci_run, durations_of
from .outcomes import Outcomes, gate_ids

if TYPE_CHECKING:
    from .checkout import CheckoutTarget
    from .lazy_stack import LazyStack

COMPLETE = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)  # a session that ran its selected tests
STOPPED = {
    pytest.ExitCode.INTERRUPTED: "interrupted",
    pytest.ExitCode.INTERNAL_ERROR: "internal error",
    pytest.ExitCode.USAGE_ERROR: "usage error",
    pytest.ExitCode.NO_TESTS_COLLECTED: "no tests collected",
}
CONTROLLER_PID_KEY = "woc_gate_controller_pid"  # workerinput: the stack a worker starts lives as long as this
STACK_DIR_KEY = "woc_gate_stack_dir"  # workerinput: the state dir the controller planned for the stack


@dataclass
class GateRun:
    """Everything the plugin keeps for one session."""

    settings: Settings
    gate_run: bool
    attestations: list[Attestation]
    outcomes: Outcomes
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    results: list[ItemResult] | None = None
    options: dict = field(default_factory=dict)
    rootdir: Path = Path()
    stack: LazyStack | None = None  # with --woc-target=sandbox
    sandbox_profile: Path | None = None  # the stack's profile, once its settings are loaded
    finished: dt.datetime | None = None  # set when the run is judged, so every file of the run says the same
    run_id: str = field(init=False)
    checkout: CheckoutTarget | None = None  # with --woc-target=checkout
    shard: Shard | None = None  # with --gate-shard K/N
    shard_durations: dict[str, float] = field(default_factory=dict)  # what the split weighs each test by
    part_results: list[ItemResult] | None = None  # the items as if the other shards' tests passed: this shard's part

    def __post_init__(self) -> None:
        self.run_id = new_run_id(self.started)

    def redact(self, text: str) -> str:
        """Text with every secret of the current settings masked (the stack's, once it runs)."""
        return self.settings.redactor()(text)

    def ensure_sandbox(self) -> None:
        """Start the reference stack on first need (once for all xdist workers) and take its settings."""
        if self.stack is not None and self.sandbox_profile is None:
            self.use_sandbox_profile(self.stack.ensure_started())

    def follow_stack(self) -> None:
        """Take the settings of the stack a worker started, for the run record."""
        if self.stack is not None and self.sandbox_profile is None and self.stack.profile.is_file():
            self.use_sandbox_profile(self.stack.profile)

    def use_sandbox_profile(self, profile: Path) -> None:
        """Reload the settings with the running stack's profile."""
        self.sandbox_profile = profile
        self.settings = _reload(self.options, self.rootdir, profile)

    @classmethod
    def from_config(cls, config: pytest.Config) -> GateRun:
        """Build the run from options, environment and profile; plan the reference stack when asked."""
        try:
            return cls._from_config(config)
        except WocGateError as error:
            raise pytest.UsageError(f"woc-gate: {error}") from None

    @classmethod
    def _from_config(cls, config: pytest.Config) -> GateRun:
        for flag in ("gate_report", "gate_markdown", "gate_html"):
            _check_output_path(config.getoption(flag), "--" + flag.replace("_", "-"))
        _check_history_folder(config.getoption("gate_history"))
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
        owner_pid = getattr(config, "workerinput", {}).get(CONTROLLER_PID_KEY, os.getpid())
        stack = _plan_stack(config, settings, owner_pid) if settings.target == "sandbox" else None
        if stack is not None:
            settings = _reload(options, config.rootpath, stack.static_profile())
        collect_only = not _runs_tests(config)
        markexpr = config.getoption("markexpr") or ""
        gate_run = is_gate_run(markexpr, config.getoption("gate"))
        kind = "gate" if gate_run else "smoke" if selects_only(markexpr, "smoke") else None
        if kind and not collect_only and settings.target == "configured" and not settings.has_target:
            raise NoTarget(
                f"no target configured for the {kind} run: set NEXTAUTH_URL, API_BASE_URL and "
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
        run = cls(settings, gate_run, attestations, Outcomes(), options=options, rootdir=config.rootpath, stack=stack)
        run.checkout = _plan_checkout(settings) if settings.target == "checkout" else None
        run.outcomes = Outcomes(run.redact)
        run.shard, run.shard_durations = _plan_shard(config)
        return run

    @property
    def is_part(self) -> bool:
        """True for one shard of a run split in several: its record is a part, the merged record the run's."""
        return self.shard is not None and self.shard.split

    def take_shard(self, items: list[pytest.Item]) -> list[pytest.Item]:
        """Keep in ``items`` the tests of this run's shard; the others, noted as another shard's (none unsplit)."""
        if not self.is_part:
            return []
        owner = assign((item.nodeid for item in items), self.shard.count, self.shard_durations)
        others = [item for item in items if owner[item.nodeid] != self.shard.index]
        for item in others:
            shard = f"{owner[item.nodeid]}/{self.shard.count}"
            self.outcomes.leave_to_shard(item.nodeid, gate_ids(item.user_properties), shard)
        items[:] = [item for item in items if owner[item.nodeid] == self.shard.index]
        return others

    def finish(self) -> list[ItemResult]:
        """Judge every item from what the outcomes saw (and, for a shard, its part of each)."""
        self.finished = dt.datetime.now(dt.UTC)
        tests = _judged_tests(self.outcomes.results(), self.gate_run)
        self.results = self._judge(tests)
        self.part_results = self._judge([_passed_if_elsewhere(test) for test in tests])
        return self.results

    def _judge(self, tests: list[TestResult]) -> list[ItemResult]:
        attested = attestation_file.attested_items(self.attestations)
        return judge_all(tests, attested, attestation_file.refusals(self.attestations))

    @property
    def proven(self) -> bool:
        """True when every item is PASS; for one shard of a split run, when every item would be, were the other
        shards' tests to pass: a shard proves its part (its exit status), the merged record the gate."""
        return bool(self.part_results) and all(result.status is Status.PASS for result in self.part_results)

    def record(self, *, backup: dict | None = None) -> dict:
        """The JSON run record."""
        return build_record(
            self.results or [],
            settings=self.settings,
            attestations=self.attestations,
            started=self.started,
            finished=self.finished or dt.datetime.now(dt.UTC),
            gate_run=self.gate_run,
            writes=list(self.outcomes.writes),
            backup=backup or self.outcomes.backup,
            run_id=self.run_id,
            shard=self.shard.entry() if self.shard else None,
        )

    def write_reports(self, json_path: Path | None, markdown_path: Path | None) -> None:
        """Write the run record files asked for on the command line."""
        if json_path or markdown_path:
            write_record(self.record(), json_path, markdown_path, self.settings.redactor())

    def shown_results(self) -> list[ItemResult]:
        """The items the table shows (``report.shown_items`` of the record): all in a gate run, else those a test of
        this run ran; outside a gate run only the selected tests are judged, so those are the items with a test."""
        results = self.results or []
        return results if self.gate_run else [result for result in results if result.tests]

    def keep_in_history(self, folder: Path) -> Path:
        """Keep this run's record in the history folder under its run id; the file."""
        return keep(self.record(), folder, self.settings.redactor())

    def write_dashboard(self, path: Path, history_folder: Path, artifacts_base: Path) -> None:
        """Write the HTML dashboard of this run, with the earlier runs of its environment in the history folder."""
        record, history = self.record(), load(history_folder)
        write_dashboard(path, record, history, self.settings.redactor(), artifacts_base=artifacts_base)

    def table(self) -> list[str]:
        """The release-gate table lines for the terminal; none before ``finish``, nor outside the gate for no item."""
        record = self.record() if self.results is not None else None
        return render_table(record) if record and shown_items(record) else []

    def stop_sandbox(self) -> None:
        """Stop the reference stack of this run, if one started (the controller's task)."""
        if self.stack is not None:
            self.stack.stop()


def ran_to_the_end(exitstatus: int) -> bool:
    """True for a session that collected and ran its tests: not one stopped by a usage or collection error,
    an interrupt, an internal error, or with no test to run. Only such a run writes a record."""
    return exitstatus in COMPLETE


def no_record_note(exitstatus: int, reports: tuple[Path | None, ...]) -> str:
    """The line saying that a run which did not complete left the run record files as they were."""
    stopped = STOPPED.get(exitstatus, f"exit status {exitstatus}")
    kept = " and ".join(str(path) for path in reports if path)
    return f"woc-gate: the run did not complete ({stopped}): no run record written, {kept} left as it was"


def _passed_if_elsewhere(test: TestResult) -> TestResult:
    return dataclasses.replace(test, outcome=PASSED) if test.outcome == OTHER_SHARD else test


def _judged_tests(tests: list[TestResult], gate_run: bool) -> list[TestResult]:
    """A gate run judges every gate test; any other run only those it selected (a deselected one touches nothing)."""
    return tests if gate_run else [test for test in tests if test.outcome != DESELECTED]


def _plan_shard(config: pytest.Config) -> tuple[Shard | None, dict[str, float]]:
    """The shard this run is (``--gate-shard``), and the durations its split weighs the tests by."""
    text, durations = config.getoption("gate_shard"), config.getoption("gate_shard_durations")
    if text is None:
        if durations is not None or config.getoption("gate_shard_run") is not None:
            raise WocGateError("--gate-shard-durations and --gate-shard-run shape a split run: add --gate-shard K/N")
        return None, {}
    shard = Shard.parse(text, config.getoption("gate_shard_run") or ci_run(os.environ))
    if durations is None:
        return shard, {}
    try:
        return shard, durations_of(load_record(durations))
    except WocGateError as error:
        raise WocGateError(f"--gate-shard-durations: {error}") from None


def _check_output_path(path: Path | None, flag: str) -> None:
    if path is not None and not path.parent.resolve().is_dir():
        raise WocGateError(f"{flag} {path}: directory {path.parent} does not exist; create it or pick another path")


def _check_history_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise WocGateError(f"--gate-history {folder} is a file, not a folder; pass the folder that keeps the runs")


def _reload(options: dict, rootdir: Path, sandbox_profile: Path | dict | None) -> Settings:
    if sandbox_profile is not None:
        # the stack works on its own copy of the tree (tree faults edit it); its profile names the copy
        options = {**options, "repo": None}
    return settings_module.load(options=options, environ=os.environ, rootdir=rootdir, sandbox_profile=sandbox_profile)


def _runs_tests(config: pytest.Config) -> bool:
    """False for --collect-only, --help, --version, --markers, --fixtures: nothing to start or judge."""
    listing = ("collectonly", "help", "version", "markers", "showfixtures", "show_fixtures_per_test")
    return not any(getattr(config.option, name, False) for name in listing)


def _plan_checkout(settings: Settings) -> CheckoutTarget:
    """The checkout whose own migrations and seed build this run's database (started on first need)."""
    from .checkout import CheckoutTarget

    if settings.repo is None:
        raise WocGateError("--woc-target=checkout needs the checkout: pass --woc-repo PATH (or WOC_GATE_REPO)")
    return CheckoutTarget(settings)


def _plan_stack(config: pytest.Config, settings: Settings, owner_pid: int) -> LazyStack:
    """The stack this run may start: the state dir the controller planned, the tree and faults it starts with."""
    from ..sandbox import require_extra

    require_extra()  # before the fault catalogue, which imports the stack's own dependencies
    from ..sandbox.faults import check_fault_names
    from ..sandbox.layout import planned_state_dir
    from .lazy_stack import LazyStack

    check_fault_names(settings.faults)
    planned = getattr(config, "workerinput", {}).get(STACK_DIR_KEY)
    state_dir = Path(planned) if planned else planned_state_dir()
    return LazyStack(state_dir, owner_pid, settings.repo, settings.faults)
