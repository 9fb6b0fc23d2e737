"""Where a schedule of values lives: a commitment's page, or the head contract's schedule of values page.

The SOV views (blueprints/setup/sov.py) are registered once for each home; the SOV partials build every
address through the home the view hands them (`sov_url`, `sov_page_url`), so one set of views and
templates serves both.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from domain.models import Commitment


@dataclass(frozen=True)
class SovHome:
    prefix: str  # the URL of the SOV routes
    endpoint: str  # their endpoints are "<endpoint>_<name>": sov_line_add, head_contract_sov_line_add
    page_endpoint: str  # the page that shows the SOV
    by_commitment_id: bool  # the URL names the commitment (a project has one head contract: its URL does not)

    def ids(self, commitment: Commitment) -> dict[str, int]:
        ids = {"project_id": commitment.project_id}
        if self.by_commitment_id:
            ids["commitment_id"] = commitment.id
        return ids

    def url(self, commitment: Commitment, name: str, **values: object) -> str:
        return url_for(f"setup.{self.endpoint}_{name}", **self.ids(commitment), **values)

    def page_url(self, commitment: Commitment, anchor: str | None = "sov") -> str:
        return url_for(self.page_endpoint, **self.ids(commitment), _anchor=anchor)

    def urls(self, commitment: Commitment) -> dict:
        """What the SOV templates build their addresses with."""
        return {"sov_url": lambda name, **values: self.url(commitment, name, **values),
                "sov_page_url": lambda anchor="sov": self.page_url(commitment, anchor)}


COMMITMENT = SovHome("/projects/<int:project_id>/commitments/<int:commitment_id>/sov", "sov", "setup.commitment",
                     by_commitment_id=True)
HEAD_CONTRACT = SovHome("/projects/<int:project_id>/head-contract/sov", "head_contract_sov",
                        "setup.head_contract_sov", by_commitment_id=False)


def home_of(commitment: Commitment) -> SovHome:
    return HEAD_CONTRACT if commitment.is_head_contract else COMMITMENT
