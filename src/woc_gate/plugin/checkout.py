"""The scratch database of a ``--woc-target=checkout`` session, built from the checkout on first need.

Each process of the run (each xdist worker) starts its own copy of the cached template when its first
test asks for the database (``woc_db``), runs the checkout's seed there when it can, and stops it when
the session ends. A migration or a seed that fails is remembered: every test that needs the database,
or the seeded rows, fails with the same one line.
"""

from __future__ import annotations

from ..config import Settings
from ..errors import WocGateError
from ..sources.seed import SeedCommand, seed_command
from ..target.writes import BLOCKER

NO_SEED = "the checkout declares no seed (prisma.seed in the package.json beside its Prisma schema)"


class CheckoutTarget:
    """The checkout a session checks without a deployment: its seed, and its scratch database once started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.seed_command: SeedCommand | None = seed_command(settings.checkout_part("prisma_schema"), settings.repo)
        self._database = None
        self._url: str | None = None
        self._failure: WocGateError | None = None
        self._seed_failure: WocGateError | None = None

    @property
    def seed_skip_reason(self) -> str | None:
        """Why the seed cannot run here (the one line that says how to get the seed contracts), or None."""
        if self.seed_command is None:
            return NO_SEED
        return None if self.seed_command.installed else self.seed_command.how_to_install

    def describe(self) -> str:
        """The report header's line on this target."""
        line = f"a throwaway database from the migrations of {self.settings.repo}"
        reason = self.seed_skip_reason
        return line + (f"; its seed does not run: {reason}" if reason else f"; seeded by `{self.seed_command.command}`")

    def database_url(self) -> str:
        """The scratch database's URL, started (and seeded) now unless this process did already."""
        if self._failure is not None:
            raise self._failure
        if self._url is None:
            try:
                self._url = self._start()
            except WocGateError as error:
                self._failure = error
                raise
        return self._url

    def require_seed(self) -> str | None:
        """None when the seed wrote its rows; else why the seed contracts skip. A seed that failed raises."""
        self.database_url()
        if self._seed_failure is not None:
            raise self._seed_failure
        return self.seed_skip_reason

    def stop(self) -> None:
        """Stop the scratch server, if this process started one."""
        if self._database is not None:
            self._database.stop()

    def _start(self) -> str:
        from ..sources.prisma import load_datamodel
        from ..target.checkout_db import CheckoutDatabase

        datamodel = load_datamodel(self.settings.checkout_part("prisma_schema"))
        self._database = CheckoutDatabase(
            self.settings.migrations_dir, datamodel, self.settings.names["organization_model"]
        )
        with BLOCKER.building_scratch():
            url = self._database.start()
            if self.seed_skip_reason is None:
                try:
                    self._database.seed(self.seed_command)
                except WocGateError as error:
                    self._seed_failure = error
        return url
