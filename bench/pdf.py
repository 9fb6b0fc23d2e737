"""How long the pay application PDF of a 300-line claim and its package with 20 attachments of 1 MB take.

Builds a fresh SQLite database in a temporary directory: an own company, a project, an Open period,
a vendor and a commitment whose Approved SOV has 300 lines, a claim with work on every line, and
20 attachments of about 1 MB each (10 PDFs, 5 JPEG and 5 PNG photos of noise, which does not
compress). Then times, through the same functions the download routes call:

* the PDF: `pay_application.render_pdf(pay_application.from_claim(claim))` (goal: at most 1 s);
* the package: `claim_package.build(claim, ...)` (goal: at most 3 s).

    .venv/bin/python bench/pdf.py [--runs 5]

Prints the median and the best wall-clock time and the median CPU time of the process (on a
machine shared with other work the CPU time says more). Exits 1 when a median misses its goal.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app is not an installed package

from PIL import Image  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from app import create_app  # noqa: E402
from domain import attachments, claim_package, pay_application  # noqa: E402
from domain.models import (  # noqa: E402
    BillingPeriod,
    Claim,
    ClaimLine,
    ClaimStatus,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Project,
    SovLine,
    SovStatus,
    User,
    db,
)

GOALS = {"PDF, 300 lines": 1.0, "package, 20 attachments of 1 MB": 3.0}


def noise_image(side: int, kind: str) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, kind, quality=95)
    return out.getvalue()


def noise_pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 760, "Delivery ticket with a scanned page")
    canvas.drawImage(ImageReader(io.BytesIO(noise_image(600, "PNG"))), 72, 200, 450, 450)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def build_claim(folder: str) -> Claim:
    own = Company(name="Harbor & Pine Builders", is_own=True, address="500 SW Harbor Way")
    vendor = Company(name="Łódź Glazing Sp. z o.o.", address="ul. Piotrkowska 1, Łódź")
    admin = User(company=own, email="admin@bench.example", name="Avery Admin", is_company_admin=True)
    project = Project(number="P-1001", name="Riverside Medical Office Building")
    start = date.today().replace(day=1)
    period = BillingPeriod(project=project, number=1, start_date=start, end_date=start + timedelta(days=29),
                           due_date=start + timedelta(days=24))
    commitment = Commitment(project=project, kind=CommitmentKind.SUBCONTRACT, number="SC-001", title="Curtain wall",
                            vendor=vendor, status=CommitmentStatus.APPROVED, sov_status=SovStatus.APPROVED,
                            retention_pct=Decimal("10"))
    for n in range(1, 301):
        commitment.sov_lines.append(SovLine(position=n, cost_code=f"08 {n:03d} 00",
                                            description=f"Unitised curtain wall panels, level {n}",
                                            original_value=Decimal("25000.00") + n))
    db.session.add_all([own, vendor, admin, project, period, commitment])
    db.session.flush()
    claim = Claim(commitment=commitment, billing_period=period, number=1, created_by=admin, status=ClaimStatus.DRAFT)
    for line in commitment.sov_lines:
        claim.lines.append(ClaimLine(sov_line=line, work_completed_this_period=Decimal("1234.56"),
                                     materials_presently_stored=Decimal("100.00")))
    db.session.add(claim)
    db.session.commit()
    files = [(f"ticket-{n}.pdf", noise_pdf()) for n in range(10)]
    files += [(f"photo-{n}.jpg", noise_image(1000, "JPEG")) for n in range(5)]
    files += [(f"photo-{n}.png", noise_image(600, "PNG")) for n in range(5)]
    for name, data in files:
        attachments.store(claim, name, io.BytesIO(data), admin, folder)
    sizes = [a.size_bytes for a in claim.attachments]
    print(f"{len(sizes)} attachments, {min(sizes) / 1e6:.2f} to {max(sizes) / 1e6:.2f} MB, "
          f"{sum(sizes) / 1e6:.1f} MB in all")
    return claim


def timed(runs: int, work) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    work()  # warm: fonts registered, modules imported
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pb-bench-pdf-") as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                          "UPLOAD_FOLDER": f"{tmp}/uploads"})
        with app.app_context():
            db.create_all()
            claim = build_claim(app.config["UPLOAD_FOLDER"])
            results = {
                "PDF, 300 lines": timed(args.runs, lambda: pay_application.render_pdf(
                    pay_application.from_claim(claim))),
                "package, 20 attachments of 1 MB": timed(args.runs, lambda: claim_package.build(
                    claim, app.config["UPLOAD_FOLDER"])),
            }
            pdf = claim_package.build(claim, app.config["UPLOAD_FOLDER"])
            print(f"package: {len(pdf) / 1e6:.1f} MB")
            db.session.remove()
    failed = False
    print("| what | goal | median wall | best wall | median CPU |\n|---|---|---|---|---|")
    for what, (median, best, cpu) in results.items():
        goal = GOALS[what]
        failed |= median > goal
        print(f"| {what} | ≤ {goal:.0f} s | {median:.2f} s | {best:.2f} s | {cpu:.2f} s |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
