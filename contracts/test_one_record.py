"""Runbook §6: one record, every surface: as the API lists it, reads it by id, stores it, shows it in admin.

A record's table is found by its id among the Prisma models; an uploaded screenshot is also compared with its
stored object (size and content type) and the image its admin page shows.
"""

from __future__ import annotations

import pytest

from woc_gate.checks import images, records, screenshots
from woc_gate.config import SMOKE_TENANTS

pytestmark = [pytest.mark.gate("schema-contracts"), pytest.mark.contract]
RECORDS_COMPARED = 25  # per list, the first ones it gives: each costs one read by id


@pytest.mark.parametrize("tenant", SMOKE_TENANTS)
def test_listed_records_read_the_same_by_id_and_in_the_database(
    tenant, listed_resource, record_paths, api_as, woc_db, prisma_datamodel, woc_settings, tenant_lock
):
    list_path, read_path = record_paths[listed_resource]
    envelope = records.envelope_of(woc_settings, read_path)
    with tenant_lock(tenant):  # no desktop sequence of another test stops an entry between two reads
        views = records.api_views(
            api_as(tenant, "admin"), list_path, read_path, envelope=envelope, sample=RECORDS_COMPARED
        )
        model = records.with_db_views(woc_db, prisma_datamodel, views, what=f"a record of GET {list_path}")
    records.same_on_every_surface(
        views,
        records.field_kinds(model),
        records.field_defaults(model),
        what=f"tenant {tenant}'s records of GET {list_path}",
    )


@pytest.mark.writes
def test_uploaded_screenshot_reads_the_same_on_every_surface(
    uploaded, api_as, web_as, woc_db, prisma_datamodel, screenshot_schema, woc_settings, names
):
    model = prisma_datamodel.model(names["screenshot_model"])
    views, pictures = screenshots.every_surface(
        uploaded, api_as("a", "member"), web_as("a", "admin"), woc_db, model, woc_settings
    )
    what = f"the uploaded screenshot {uploaded['id']} of tenant a"
    records.same_on_every_surface(
        {uploaded["id"]: views},
        records.field_kinds(model, screenshot_schema),
        records.field_defaults(model, screenshot_schema),
        what=what,
    )
    images.declared_types_match(pictures, what=what)
