"""Company settings and the directory: vendor companies and the people of every company."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__)
