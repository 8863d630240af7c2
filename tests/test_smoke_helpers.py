"""The browser launch options, the route inventory, the image measure and the desktop sequence the smoke and tenant
checks rely on."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image, ImageFilter

from woc_gate.browser import DEBIAN_CHROMIUM, browser_executable, launch_args
from woc_gate.checks.desktop import run_desktop_sequence
from woc_gate.checks.images import capture, edge_energy
from woc_gate.config import DEFAULT_ROUTES, Settings
from woc_gate.errors import ConfigError, TargetDisconnected
from woc_gate.sandbox.tls import make_tls_files
from woc_gate.target.clients import ApiSession
from woc_gate.target.routes import Route, inventory, statuses


def executable(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_the_variable_beats_the_profile_which_beats_playwrights_own(tmp_path):
    from_env, from_profile, own = (executable(tmp_path, name) for name in ("env", "profile", "own"))
    settings = Settings(browser={"executable": str(from_profile)})
    assert browser_executable(settings, str(own), {"WOC_GATE_BROWSER": str(from_env)}) == from_env
    assert browser_executable(settings, str(own), {}) == from_profile
    assert browser_executable(Settings(), str(own), {}) == own


@pytest.mark.skipif(not os.access(DEBIAN_CHROMIUM, os.X_OK), reason="Debian's chromium is not installed")
def test_without_playwrights_own_browser_debians_chromium_is_used(tmp_path):
    assert browser_executable(Settings(), str(tmp_path / "absent"), {}) == DEBIAN_CHROMIUM


def test_a_configured_browser_that_is_not_executable_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        browser_executable(Settings(), None, {"WOC_GATE_BROWSER": str(tmp_path / "nope")})
    assert str(error.value) == f"the browser {tmp_path / 'nope'} (WOC_GATE_BROWSER) is not an executable file"


def test_launch_args_keep_chromium_quiet_and_its_files_in_the_given_folder(tmp_path):
    options = launch_args(Path("/bin/chromium"), tmp_path, as_root=True)
    assert options["executable_path"] == "/bin/chromium"
    assert options["args"] == [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-sandbox",
    ]
    assert options["env"]["XDG_CONFIG_HOME"] == str(tmp_path / "config")
    assert options["env"]["XDG_CACHE_HOME"] == str(tmp_path / "cache")
    assert "--no-sandbox" not in launch_args(Path("/bin/chromium"), tmp_path, as_root=False)["args"]


def test_the_default_inventory_covers_every_resource_with_id_routes():
    routes = inventory(Settings())
    assert {route.resource for route in routes} == set(DEFAULT_ROUTES) - {"refused", "refused_anonymous"}
    assert Route("projects", "api", "GET", "/projects/{id}") in routes
    assert statuses(Settings(), "refused") == {401, 403, 404, 405}


def test_a_malformed_route_entry_names_itself():
    with pytest.raises(ConfigError) as error:
        inventory(Settings(routes={"projects": ["api FETCH /projects"]}))
    assert str(error.value) == (
        "[routes] projects: 'api FETCH /projects' is not \"surface METHOD /path\" "
        "(surface api or web, METHOD one of GET, POST, PUT, PATCH, DELETE)"
    )


def test_a_route_escapes_a_malformed_id_and_finds_its_ids_in_a_page():
    route = Route("adhoc", "web", "POST", "/admin/adhoc/{id}/approve")
    assert route.url("../x y") == "/admin/adhoc/..%2Fx%20y/approve"
    page = '<form action="/admin/adhoc/cabc123def/approve"></form><a href="/admin/adhoc/cabc123def/reject">'
    assert route.id_pattern().findall(page) == ["cabc123def"]


def test_edge_energy_tells_a_blurred_image_from_the_sharp_one():
    sharp = capture("image/png")
    blurred = io.BytesIO()
    Image.open(io.BytesIO(sharp)).filter(ImageFilter.GaussianBlur(12)).save(blurred, format="PNG")
    assert edge_energy(blurred.getvalue()) < 0.1 * edge_energy(sharp)
    assert capture("image/png") != sharp  # unique per upload


def test_the_desktop_sequence_stops_tracking_and_notes_its_entry_when_the_upload_fails():
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if request.url.path == "/screenshots":
            raise httpx.ReadError("connection dropped", request=request)
        if request.url.path == "/tracking/policy":
            return httpx.Response(200, json={"data": {"screenshotsEnabled": True}})
        return httpx.Response(201, json={"id": "entry-1"})

    client = httpx.Client(base_url="http://target.test", transport=httpx.MockTransport(answer))
    noted = []
    with pytest.raises(TargetDisconnected):
        run_desktop_sequence(ApiSession(client, {}, Settings()), lambda kind, ident: noted.append((kind, ident)))
    assert sent == ["GET /tracking/policy", "POST /tracking/start", "POST /screenshots", "POST /tracking/stop"]
    assert noted == [("time entry", "entry-1")]


def test_chromium_is_told_to_accept_the_key_of_a_trusted_certificate_as_openssl_hashes_it(tmp_path):
    certificate = make_tls_files(tmp_path).certificate  # the server's, then its CA's
    key = subprocess.run(
        ["openssl", "x509", "-in", str(certificate), "-pubkey", "-noout"], capture_output=True, check=True
    ).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=key, capture_output=True, check=True)
    expected = base64.b64encode(hashlib.sha256(der.stdout).digest()).decode()
    leaf = x509.load_pem_x509_certificate(certificate.read_bytes()).public_bytes(Encoding.DER)
    args = launch_args(Path("/bin/chromium"), tmp_path, trusted=(leaf,))["args"]
    assert args[-1] == f"--ignore-certificate-errors-spki-list={expected}"
