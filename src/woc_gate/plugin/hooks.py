"""The woc-gate pytest plugin: hooks only; the work is done in the modules they call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..checks import CheckFailure
from ..config import OPTIONS
from ..errors import WocGateError
from ..gate import ItemResult, item_ids_of, marker_problem
from ..history import DEFAULT_FOLDER
from ..target.breaker import SURFACES
from . import ci
from .outcomes import GATE_PROPERTY, gate_ids
from .rootdir import check_space_form_paths
from .run import CONTROLLER_PID_KEY, STACK_DIR_KEY, GateRun, no_record_note, ran_to_the_end

pytest_plugins = [
    "woc_gate.plugin.fixtures",
    "woc_gate.plugin.private",  # before the browser plugin (registered at configure), which imports it
    "woc_gate.plugin.flows",
    "woc_gate.plugin.writes",
    "woc_gate.plugin.progress",
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
    group.addoption("--gate-html", metavar="PATH", type=Path, help="Write the run's HTML dashboard to PATH")
    group.addoption(
        "--gate-history",
        metavar="DIR",
        type=Path,
        default=DEFAULT_FOLDER,
        help=f"Keep each complete gate run's record in DIR as <run id>.json (default {DEFAULT_FOLDER})",
    )
    group.addoption(
        "--gate-shard",
        metavar="K/N",
        help="Run the K-th of N shards of the selected tests (a CI job each); merge their records with report --merge",
    )
    group.addoption(
        "--gate-shard-durations",
        metavar="RECORD",
        type=Path,
        help="Balance the shards by the test durations of this run record (give every shard the same one)",
    )
    group.addoption(
        "--gate-shard-run",
        metavar="ID",
        help="The CI run the shard belongs to (default GITHUB_RUN_ID or CI_PIPELINE_ID)",
    )
    group.addoption("--woc-config", metavar="PATH", dest="woc_config", help="Target profile (default woc-gate.toml)")
    for option in OPTIONS:
        if option.flag:
            group.addoption(option.flag, dest=option.name, help=option.help, **option.option_arguments())


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    check_space_form_paths(args, early_config.invocation_params.dir)


BROWSER_PLUGIN = "woc_gate.plugin.browser"


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    # The browser plugin overrides pytest-playwright's fixtures, so it must register after pytest-playwright: of two
    # plugins the later one's fixture wins, and entry points load in the order the distributions happen to be
    # listed. By now every entry point has loaded.
    config.pluginmanager.import_plugin(BROWSER_PLUGIN)
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

    def pytest_sessionstart(self) -> None:
        SURFACES.clear()  # an in-process run after another starts with no origin known to be silent

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
        elsewhere = self.run.take_shard(items)
        if elsewhere:
            self.config.hook.pytest_deselected(items=elsewhere)
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
        reports = (self.config.getoption("gate_report"), self.config.getoption("gate_markdown"))
        if not ran_to_the_end(session.exitstatus):
            if any(reports):
                self.config.get_terminal_writer().line(no_record_note(session.exitstatus, reports))
            return
        self.run.finish()
        written = True
        try:
            self.run.write_reports(*reports)
            self._keep_run(session.exitstatus)
        except OSError as error:
            written = False
            self.config.get_terminal_writer().line(f"woc-gate: cannot write the run record: {error}", red=True)
        self.show_to_ci()
        unproven = self.run.gate_run and not self.run.proven
        if (unproven or not written) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _keep_run(self, exitstatus: int) -> None:
        """A complete gate run goes into the history; the dashboard is written when asked for."""
        history = self.config.getoption("gate_history")
        complete = exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        if complete and self.run.gate_run and not self.run.is_part:  # a shard's record is a part of a run
            self.run.keep_in_history(history)
        html = self.config.getoption("gate_html")
        if html:
            self.run.write_dashboard(html, history, Path.cwd())  # artifacts are written relative to it

    def ci_results(self) -> list[ItemResult]:
        """The items CI is shown (JUnit cases, job summary, annotations); none by a shard: the merge shows its part."""
        return [] if self.run.is_part else self.run.shown_results()

    def show_to_ci(self) -> None:
        """The item cases in ``--junitxml`` and the table in GitHub's job summary (sessionfinish's part)."""
        shown = self.ci_results()
        if not shown:
            return
        ci.add_junit_cases(self.config, shown, self.run.redact)
        try:
            ci.append_step_summary(self.run.record(), self.run.redact)
        except OSError as error:
            self.config.get_terminal_writer().line(f"woc-gate: cannot append to the job summary: {error}", red=True)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        lines = [] if self.is_worker or self.collect_only else self.run.table()
        if lines:
            terminalreporter.section("release gate")
            for line in lines:
                terminalreporter.write_line(line)
            for line in ci.annotations(self.ci_results()):
                terminalreporter.write_line(self.run.redact(line))
