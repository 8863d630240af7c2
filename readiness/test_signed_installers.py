"""Runbook §7 "Signed desktop installers available for target platforms", with the technical owner's attestation.

What is not verified here: a macOS code signature, its Team ID and notarization cannot be checked on
Linux (no tool reads them); the macOS test trusts the record a macOS runner wrote for the same bytes.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import installers
from woc_gate.target.signatures import read_roots

pytestmark = [pytest.mark.gate("signed-installers"), pytest.mark.readiness]


def artifacts_of(release, platform):
    found = release.of(platform)
    if not found:
        pytest.fail(f"the release manifest lists no {platform} installer", pytrace=False)
    return found


def test_every_artifact_is_the_released_one(release):
    for artifact in release.artifacts:
        installers.artifact_matches_manifest(artifact)


def test_windows_installers_carry_a_valid_authenticode_signature(release):
    for artifact in artifacts_of(release, "windows"):
        installers.authenticode_signer(artifact)


def test_windows_signatures_chain_to_the_configured_roots(release):
    roots = read_roots(release.pinned("windows_roots"))
    for artifact in artifacts_of(release, "windows"):
        installers.chain_reaches_roots(artifact, installers.authenticode_signer(artifact), roots)


def test_windows_publisher_is_the_configured_one(release):
    publisher = release.pinned("windows_publisher")
    for artifact in artifacts_of(release, "windows"):
        installers.publisher_is(artifact, installers.authenticode_signer(artifact), publisher)


def test_windows_signatures_are_timestamped_while_the_certificate_was_valid(release):
    roots = read_roots(release.pinned("windows_roots"))
    for artifact in artifacts_of(release, "windows"):
        installers.timestamped_while_valid(artifact, installers.authenticode_signer(artifact), roots)


def test_linux_signatures_verify_with_the_pinned_key(release):
    key, fingerprint = release.pinned("gpg_public_key"), release.pinned("gpg_fingerprint")
    for artifact in artifacts_of(release, "linux"):
        installers.gpg_signature_verifies(artifact, key, fingerprint)


def test_macos_runner_record_vouches_for_the_artifact(release):
    team_id = release.pinned("macos_team_id")
    for artifact in artifacts_of(release, "macos"):
        installers.macos_record_matches(artifact, team_id)
