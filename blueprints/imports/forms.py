from flask_wtf.file import FileField, FileRequired

from blueprints.forms import AppForm
from blueprints.forms import lazy_gettext as _l

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(AppForm):
    # The file's kind is decided by its content (domain/spreadsheet.py), not by its name or `accept`.
    file = FileField(_l("Spreadsheet (.csv or .xlsx)"),
                     validators=[FileRequired(_l("Choose a CSV or Excel (.xlsx) file to upload."))],
                     render_kw={"accept": ACCEPT})
