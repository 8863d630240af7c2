"""Keep pytest's rootdir on the suite when a woc-gate path option is given in its space form.

pytest picks the rootdir before it loads plugins, so in ``--woc-config /srv/staging.toml`` it does not
yet know ``--woc-config`` and takes ``/srv/staging.toml`` for a test path: the rootdir moves to ``/srv``
and the suite's ``pytest.ini`` is silently ignored. Once woc-gate's options are known (in
``pytest_load_initial_conftests``), the setup is worked out again without those values.
"""

from __future__ import annotations

import pytest
from _pytest.config.findpaths import determine_setup  # the same rule pytest used, with the right arguments

PATH_OPTIONS = ("--woc-config", "--woc-repo", "--woc-ca-bundle", "--attestations", "--gate-report", "--gate-markdown")


def keep_suite_rootdir(config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Redo pytest's rootdir and ini choice when a path option's value was taken for a test path."""
    if not any(option in args for option in PATH_OPTIONS):
        return
    known = parser.parse_known_args(args)
    early = config.known_args_namespace
    rootpath, inipath, inicfg, ignored = determine_setup(
        inifile=early.inifilename,
        override_ini=early.override_ini,
        args=known.file_or_dir,
        rootdir_cmd_arg=early.rootdir or None,
        invocation_dir=config.invocation_params.dir,
    )
    if (rootpath, inipath) == (config.rootpath, config.inipath):
        return
    wrong_confcutdir = str(config.inipath.parent if config.inipath else config.rootpath)
    config._rootpath, config._inipath, config._inicfg, config._ignored_config_files = (
        rootpath,
        inipath,
        inicfg,
        ignored,
    )
    config._inicache.clear()
    if early.confcutdir == wrong_confcutdir:
        early.confcutdir = str(inipath.parent if inipath else rootpath)
    addopts = list(config.getini("addopts"))  # the suite's addopts, which pytest read from the wrong place
    config.pluginmanager.consider_preparse(addopts, exclude_only=True)
    args[:0] = addopts
