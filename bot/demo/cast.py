"""The invented people of the demo region. Every name and date here is made up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REGION = "Demo-regio Midden-Brabant"
SCHOOL_CODE = "DEMO-PRO"
SCHOOL_NAME = "Praktijkschool De Brug"
SCHOOL_CONTACT = "meneer De Vries"

COORDINATOR_EMAIL = "anouk@demo.inbeeld.nl"
COORDINATOR_NAME = "Anouk"
COORDINATOR_TELEGRAM_ID = 9001
ADMIN_EMAIL = "beheer@demo.inbeeld.nl"
ADMIN_NAME = "Beheerder"
DEMO_PASSWORD = "demo-wachtwoord-2026"  # noqa: S105 - printed on purpose: it is the demo


@dataclass(frozen=True)
class DemoYouth:
    telegram_id: int
    student_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    leaving_date: date
    language: str
    profile: str = "arbeid"


YOUTHS = (
    DemoYouth(7001, "D001", "Sem", "Bakker", date(2008, 3, 14), date(2026, 7, 3), "nl"),
    DemoYouth(7002, "D002", "Fatima", "El Amrani", date(2008, 9, 2), date(2026, 7, 3), "ar"),
    DemoYouth(7003, "D003", "Emre", "Yilmaz", date(2005, 12, 30), date(2025, 12, 19), "tr"),
    DemoYouth(7004, "D004", "Kasia", "Nowak", date(2008, 6, 21), date(2026, 7, 3), "pl"),
    DemoYouth(7005, "D005", "Olena", "Kovalenko", date(2007, 11, 5), date(2026, 7, 3), "uk"),
    DemoYouth(7006, "D006", "Jayden", "Smith", date(2008, 1, 19), date(2026, 7, 3), "en"),
    DemoYouth(
        7007, "D007", "Lars", "de Wit", date(2007, 4, 8), date(2026, 7, 3), "nl", "dagbesteding"
    ),
)
