"""The reference stack at volume: objects as files of their own, the bucket filled, figures, a full file system."""

import contextlib
import io
import subprocess

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from woc_gate import config
from woc_gate.backup.drill import run_drill
from woc_gate.backup.take import take_backup
from woc_gate.sandbox import cli, images, stack
from woc_gate.sandbox.objects import ObjectWriter
from woc_gate.sandbox.s3 import REGION, S3Account
from woc_gate.sandbox.template import TEMPLATES_DIR
from woc_gate.sources.nodetools import CACHE_DIR_ENV, default_cache_dir
from woc_gate.target.storage import folder_keys

LINK_LIMIT = 65_000  # ext4's hard links per file: the old seed linked every placeholder object to one file
SMALL_FS_INODES = 320  # a template's datadir takes about 240: the seed's objects run out of the rest


def test_placeholder_objects_are_files_of_their_own_with_the_picture_asked_for(tmp_path):
    pictures = images.placeholder_pngs()
    with ObjectWriter(tmp_path / "storage") as objects:
        for number in range(100):
            objects.write_placeholder(f"screenshots/org/user{number % 3}/shot{number}.png", number % len(pictures))
    files = {key: tmp_path / "storage" / key for key in folder_keys(tmp_path / "storage")}
    assert len(files) == objects.count == 100
    assert objects.size == sum(len(pictures[number % len(pictures)]) for number in range(100))
    for key, path in files.items():
        number = int(key.rsplit("shot", 1)[1].removesuffix(".png"))
        assert (path.read_bytes(), path.stat().st_nlink) == (pictures[number % len(pictures)], 1), key
    assert len(set(pictures)) == len(pictures) == images.PLACEHOLDER_VARIANTS


def test_an_object_the_helper_cannot_write_comes_back_as_its_error_naming_the_file(tmp_path):
    (tmp_path / "storage" / "screenshots").mkdir(parents=True)
    (tmp_path / "storage" / "screenshots" / "org").write_text("a file where a folder should be")
    with pytest.raises(NotADirectoryError) as failed, ObjectWriter(tmp_path / "storage") as objects:
        objects.write_placeholder("screenshots/org/user/shot.png", 0)
    assert failed.value.filename == str(tmp_path / "storage" / "screenshots" / "org" / "user")


@pytest.mark.slow
def test_an_s3_stack_holds_every_seeded_object_in_its_bucket_and_refuses_strangers(dev_stack_factory, db_rows):
    sandbox = dev_stack_factory(tls=True, s3=True)  # the readiness tests' stack
    ctx = sandbox.ctx
    account = S3Account(ctx.s3_endpoint, ctx.s3_bucket, ctx.s3_access_key_id, ctx.s3_secret_access_key)
    pages = account.client().get_paginator("list_objects_v2").paginate(Bucket=account.bucket)
    in_bucket = {item["Key"] for page in pages for item in page.get("Contents", [])}
    keys = {key for (key,) in db_rows(sandbox, "SELECT objectKey FROM woc_screenshots")}
    assert in_bucket == keys == folder_keys(ctx.storage_dir)
    figures = sandbox.figures
    assert (figures.objects, figures.storage) == (len(keys), f"the bucket {account.bucket}")
    stranger = boto3.client(
        "s3", endpoint_url=ctx.s3_endpoint, region_name=REGION, config=Config(signature_version=UNSIGNED)
    )
    with pytest.raises(ClientError):
        stranger.get_object(Bucket=account.bucket, Key=sorted(keys)[0])


def test_a_start_at_volume_draws_one_bar_per_unit_it_counts_in():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    with cli._Bars(terminal) as bars:
        bars.show(stack.Step(1, 2, stack.SEED_UNIT, "generating rows and objects"))
        bars.show(stack.Step(2, 2, stack.SEED_UNIT, "copying the objects"))
        bars.show(stack.Step(500, 1000, stack.BUCKET_UNIT, "filling the bucket"))
        bars.show(stack.Step(1000, 1000, stack.BUCKET_UNIT, "filling the bucket"))
    seeded, filled, rest = terminal.getvalue().split("\n")
    assert "] 2/2 scale organizations seeded" in seeded and seeded.rstrip().endswith("copying the objects")
    assert "[##############################] 1,000/1,000 objects put in the bucket" in filled and rest == ""


@contextlib.contextmanager
def tmpfs(mount, options):
    """A tmpfs mounted at ``mount`` for the block (mounting needs root: the test is skipped without)."""
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


@pytest.fixture
def small_file_system(tmp_path):
    """A file system of few inodes, standing in for a full disk (room for the build's redo log)."""
    with tmpfs(tmp_path / "small", f"size=640m,nr_inodes={SMALL_FS_INODES}") as mount:
        yield mount


@pytest.mark.slow
def test_a_file_system_out_of_inodes_while_seeding_is_one_line_and_leaves_nothing(
    tmp_path, monkeypatch, capsys, small_file_system
):
    cache = tmp_path / "cache"  # the user's, but for the stack templates: built on the small file system
    cache.mkdir()
    for kept in default_cache_dir().iterdir():
        if kept.name != TEMPLATES_DIR:
            (cache / kept.name).symlink_to(kept)
    (cache / TEMPLATES_DIR).symlink_to(small_file_system)
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache))
    state = tmp_path / "state"
    assert cli.main(["up", "--state", str(state)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("woc-gate sandbox: seeding the reference stack: writing ") and err.count("\n") == 1
    assert "/storage/screenshots/c" in err
    assert (
        f": the file system at {small_file_system} has no inodes left ({SMALL_FS_INODES:,} files at most);"
        " make room there (or make it writable), or keep the template cache ($WOC_GATE_CACHE_DIR) and the"
        " state dir (--state) on another file system\n"
    ) in err
    assert sorted(path.name for path in state.iterdir()) == ["daemon.log", "error"]
    assert [path.suffix for path in small_file_system.iterdir()] == [".lock"]  # the half-built template is gone
    assert stack.status(state) is None


def test_a_state_dir_on_a_read_only_file_system_is_one_line(tmp_path, capsys):
    with tmpfs(tmp_path / "readonly", "ro,size=1m") as mount:
        assert cli.main(["up", "--state", str(mount / "state")]) == 1
    assert capsys.readouterr() == (
        "",
        f"woc-gate sandbox: writing {mount}/state: the file system at {mount} is read-only; make room there (or make"
        " it writable), or keep the template cache ($WOC_GATE_CACHE_DIR) and the state dir (--state) on another"
        " file system\n",
    )


@pytest.mark.slow
def test_a_seed_past_one_files_link_limit_restores_with_every_object_key_checked(dev_stack_factory, tmp_path):
    sandbox = dev_stack_factory(scale=640)  # 104 screenshots a scale organization: 66,740 in all
    settings = config.load(options={"config": str(sandbox.profile_path)}, environ={}, rootdir=tmp_path)
    manifest = take_backup(settings, tmp_path / "workonclock.sql")
    screenshots = manifest["row_counts"]["woc_screenshots"]
    assert screenshots == sandbox.figures.objects > LINK_LIMIT
    assert len(folder_keys(sandbox.ctx.storage_dir)) == screenshots
    result = run_drill(settings, tmp_path / "workonclock.sql")
    assert result.passed, result.lines()
    assert (result.checks["object_keys"], result.orphan_objects) == ("passed", [])
