"""Setting up real work: projects and their teams, commitments, schedules of values."""

from flask import Blueprint

bp = Blueprint("setup", __name__)
