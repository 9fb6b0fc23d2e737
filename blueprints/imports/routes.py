"""Import commitments with their schedules of values from a spreadsheet."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/projects/<int:project_id>/import")
