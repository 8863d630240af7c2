"""The woc-gate pytest plugin: hooks only; the work is done in the modules they call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..checks import CheckFailure
from ..config import OPTIONS
from ..errors import WocGateError
from ..gate import item_ids_of, marker_problem
from .outcomes import GATE_PROPERTY, gate_ids
from .rootdir import check_space_form_paths
from .run import CONTROLLER_PID_KEY, STACK_DIR_KEY, GateRun

pytest_plugins = [
    "woc_gate.plugin.fixtures",
    "woc_gate.plugin.browser",
    "woc_gate.plugin.flows",
    "woc_gate.plugin.writes",
]

RUN_KEY = pytest.StashKey[GateRun]()
COLLECTED_KEY = "woc_gate_collected"  # what an xdist worker collected, sent back in workeroutput
MARKERS = (
    "gate(item_id, ...): the release-gate items this test proves (see woc_gate.gate.ITEMS)",
    "contract: a schema-contract test (runbook §6)",
    "smoke: a post-migration smoke flow (runbook §3)",
    "tenant: a tenant-isolation check (runbook §5)",
    "restore: part of the backup and restore drill (runbook §4, §5)",
    "migration: a Prisma migration status or lint check (runbook §3)",
    "readiness: an environment or infrastructure readiness check (runbook §2)",
    "browser: needs a real browser",
    "writes: changes data on the target, only as the smoke tenants, undone in teardown",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("woc-gate", "WorkOnClock release gate")
    group.addoption("--gate", action="store_true", help="Judge the run as a release gate even without -m gate")
    group.addoption("--gate-report", metavar="PATH", type=Path, help="Write the JSON run record to PATH")
    group.addoption("--gate-markdown", metavar="PATH", type=Path, help="Write the run record as Markdown to PATH")
    group.addoption("--woc-config", metavar="PATH", dest="woc_config", help="Target profile (default woc-gate.toml)")
    for option in OPTIONS:
        if option.flag:
            group.addoption(option.flag, dest=option.name, help=option.help, **option.option_arguments())


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    check_space_form_paths(args, early_config.invocation_params.dir)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    run = GateRun.from_config(config)
    config.stash[RUN_KEY] = run
    config.pluginmanager.register(GatePlugin(config, run), "woc_gate_run")


def woc_run(config: pytest.Config) -> GateRun:
    """The gate state of a session (for the public fixtures)."""
    return config.stash[RUN_KEY]


class GatePlugin:
    """The hooks that need the session's gate state."""

    def __init__(self, config: pytest.Config, run: GateRun) -> None:
        self.config = config
        self.run = run
        self.is_worker = hasattr(config, "workerinput")
        self.collect_only = config.getoption("collectonly")

    def pytest_unconfigure(self) -> None:
        if self.run.checkout is not None:
            self.run.checkout.stop()
        if not self.is_worker:
            self.run.stop_sandbox()

    def pytest_report_header(self) -> list[str]:
        settings = self.run.settings
        lines = [f"woc-gate: target {settings.target}, environment {settings.environment}"]
        if self.run.checkout is not None:
            lines.append(f"woc-gate: target checkout: {self.run.checkout.describe()}")
        details = settings.described() if self.config.option.verbose > 0 else settings.summarized()
        return lines + [f"woc-gate: {line}" for line in details]

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        node.workerinput[CONTROLLER_PID_KEY] = os.getpid()
        if self.run.stack is not None:
            node.workerinput[STACK_DIR_KEY] = str(self.run.stack.state_dir)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        collected = getattr(node, "workeroutput", {}).get(COLLECTED_KEY)
        self.run.follow_stack()
        if collected:
            self.run.outcomes.merge_collected(collected)

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector):
        report = yield
        if report.passed:
            problems = [
                marker_problem(item.nodeid, item.iter_markers("gate"))
                for item in report.result
                if isinstance(item, pytest.Item)
            ]
            problems = [problem for problem in problems if problem]
            if problems:
                report.outcome = "failed"
                report.longrepr = "\n".join(problems)
                report.result = []
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.run.settings.readonly and item.get_closest_marker("writes") is not None:
            pytest.skip("read-only run (--woc-readonly): this test changes data on the target")

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        ids = item_ids_of(item.iter_markers("gate"))
        item.user_properties.extend((GATE_PROPERTY, item_id) for item_id in ids)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.run.outcomes.select(item.nodeid, gate_ids(item.user_properties))
        if self.is_worker:
            self.config.workeroutput[COLLECTED_KEY] = self.run.outcomes.collected_output()

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.run.outcomes.deselect(item.nodeid, gate_ids(item.user_properties))
        if self.is_worker:
            self.config.workeroutput[COLLECTED_KEY] = self.run.outcomes.collected_output()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        report = yield
        if call.excinfo is not None and isinstance(call.excinfo.value, (WocGateError, CheckFailure)):
            # in setup, call or teardown alike: the finding itself, without the frames that found it
            report.longrepr = str(call.excinfo.value)
        redact = self.run.settings.redactor()
        if redact:
            report.longrepr = redact.scrub(report.longrepr)
            report.sections = redact.scrub(report.sections)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.outcomes.record(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker or self.collect_only:
            return
        self.run.finish()
        written = True
        try:
            self.run.write_reports(self.config.getoption("gate_report"), self.config.getoption("gate_markdown"))
        except OSError as error:
            written = False
            self.config.get_terminal_writer().line(f"woc-gate: cannot write the run record: {error}", red=True)
        unproven = self.run.gate_run and not self.run.proven
        if (unproven or not written) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.is_worker or self.collect_only or not self.run.shown_results():
            return
        terminalreporter.section("release gate")
        for line in self.run.table():
            terminalreporter.write_line(line)
