"""The bad inputs of issue 17 about taxes that tests/web/test_sales_taxes.py leaves out: more shapes of a bad
rate, name or count of taxes on the project's taxes page, and of a GST/HST number on a vendor (new and edited)
and on the own company. Each gets its message next to the field, keeps what was typed on the form, and writes
nothing (no tax, no company change, no audit event)."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest

from domain.models import AuditEvent, Company, ProjectTax, db
from tests import factories
from tests.helpers import count
from tests.web.test_sales_taxes import SETTINGS, _vendor_form, assert_message_next_to, stored, taxes_url

D = Decimal
ONE_TAX = [(1, "HST", D("13.000"))]
RATE_PROBLEM = "Enter a rate from 0 to 30%, with at most three decimals, like 9.975."
SHAPE_PROBLEM = "Enter the GST/HST number as 9 digits, RT and 4 digits, like 123456789RT0001."


def _rows(*rows: tuple[str, str]) -> dict[str, str]:
    return {key: value for n, (name, rate) in enumerate(rows, start=1)
            for key, value in ((f"name_{n}", name), (f"rate_{n}", rate))}


@pytest.mark.parametrize(("data", "field", "message"), [
    (_rows(("HST", "30.001")), "rate_1", RATE_PROBLEM),  # just over 30%
    (_rows(("HST", "-0.5")), "rate_1", RATE_PROBLEM),
    (_rows(("HST", "-13%")), "rate_1", RATE_PROBLEM),
    (_rows(("HST", "1e1")), "rate_1", RATE_PROBLEM),  # Decimal would read 10
    (_rows(("HST", "13,5")), "rate_1", RATE_PROBLEM),
    (_rows(("HST", "9.9751")), "rate_1", RATE_PROBLEM),  # four decimals
    (_rows(("HST", "NaN")), "rate_1", RATE_PROBLEM),
    (_rows(("HST", "")), "rate_1", RATE_PROBLEM),  # a name without a rate
    (_rows(("GST", "5"), ("PST", "300")), "rate_2", RATE_PROBLEM),  # the second row's own field
    (_rows(("H" * 41, "13")), "name_1", "Name the tax in at most 40 characters."),
    (_rows(("GST", "5"), ("QST", "9.975"), (" Gst ", "5")), "name_3", "Another tax is already called Gst"),
    # five taxes, the fifth where no row is shown: refused, not dropped
    ({**_rows(("A", "1"), ("B", "1"), ("C", "1"), ("D", "1")), "name_9": "E", "rate_9": "1"}, "taxes",
     "A project has at most 4 taxes."),
    # five again, two of them also wrong: the count is the message
    (_rows(("A", "-1"), ("A", "1"), ("C", "1"), ("D", "1"), ("E", "1")), "taxes", "A project has at most 4 taxes."),
])
def test_a_bad_tax_gets_its_message_keeps_what_was_typed_and_writes_nothing(admin_client, world, data, field,
                                                                              message):
    world.project.taxes.append(ProjectTax(position=1, name="HST", rate=D("13")))
    db.session.commit()
    events = count(AuditEvent)
    response = admin_client.post(taxes_url(world), data=data)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert_message_next_to(html, field, message)
    if field.startswith(("name_", "rate_")):  # the row as typed is still on the form
        n = field.split("_")[1]
        assert f'value="{data[f"rate_{n}"]}"' in html or not data[f"rate_{n}"]
        assert 'aria-invalid="true"' in html or "is-invalid" in html
    assert stored(world) == ONE_TAX
    assert count(AuditEvent) == events


def test_the_htmx_post_of_a_bad_tax_answers_422_with_the_message(admin_client, world):
    response = admin_client.post(taxes_url(world), data=_rows(("HST", "31")), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert_message_next_to(unescape(response.get_data(as_text=True)), "rate_1", RATE_PROBLEM)
    assert stored(world) == []


BAD_NUMBERS = ["123456789", "123456789RT", "123456789RC0001", "12345678RT0001", "1234567890RT0001",
               "123456789RT00012", "ABCDEFGHIRT0001", "123456789RT000A", "123456789 RT 0001 0", "١٢٣٤٥٦٧٨٩RT0001"]


@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_a_vendor_number_of_the_wrong_shape_is_refused_new_or_edited(admin_client, world, typed):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    vendor.tax_number = "123456789RT0001"
    db.session.commit()
    companies, events = count(Company), count(AuditEvent)
    new = admin_client.post("/directory/vendors/new", data={"name": "Nord Électrique", "trade": "Electrical",
                                                            "tax_number": typed})
    edited = admin_client.post(f"/directory/vendors/{vendor.id}",
                               data=_vendor_form(vendor, tax_number=typed, trade="Masonry"))
    for response, kept in ((new, 'value="Nord Électrique"'), (edited, 'value="Masonry"')):
        assert response.status_code == 422
        html = unescape(response.get_data(as_text=True))
        assert_message_next_to(html, "tax_number", SHAPE_PROBLEM)
        assert kept in html  # the rest of what was typed stays
    assert (count(Company), count(AuditEvent)) == (companies, events)
    vendor = db.session.get(Company, vendor.id)
    assert (vendor.tax_number, vendor.trade) == ("123456789RT0001", "Concrete")


@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_the_company_number_of_the_wrong_shape_is_refused(admin_client, world, typed):
    world.company.tax_number = "111222333RT0001"
    db.session.commit()
    events = count(AuditEvent)
    response = admin_client.post("/settings/company",
                                 data={**SETTINGS, "name": "Harbor and Pine Ltd.", "tax_number": typed})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert_message_next_to(html, "tax_number", SHAPE_PROBLEM)
    assert 'value="Harbor and Pine Ltd."' in html
    assert count(AuditEvent) == events
    company = db.session.get(Company, world.company.id)
    assert (company.name, company.tax_number) == ("Harbor & Pine Builders", "111222333RT0001")
