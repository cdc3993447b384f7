from datetime import date

from bot.scheduling import add_months, birthday, days_until_birthday, months_since_leaving


def test_month_arithmetic_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)
    assert add_months(date(2026, 8, 31), 12) == date(2027, 8, 31)


def test_months_since_leaving_counts_whole_months():
    leaving = date(2026, 7, 10)
    assert months_since_leaving(leaving, date(2026, 7, 10)) == 0
    assert months_since_leaving(leaving, date(2026, 10, 9)) == 2
    assert months_since_leaving(leaving, date(2026, 10, 10)) == 3
    assert months_since_leaving(leaving, date(2027, 7, 9)) == 11
    assert months_since_leaving(leaving, date(2027, 7, 10)) == 12
    assert months_since_leaving(leaving, date(2026, 7, 9)) == -1


def test_months_since_leaving_agrees_with_clamped_contact_dates():
    leaving = date(2026, 8, 31)
    # "maand 6" falls on 28 February 2027: on that day six months have passed.
    assert months_since_leaving(leaving, date(2027, 2, 27)) == 5
    assert months_since_leaving(leaving, date(2027, 2, 28)) == 6
    for months in range(25):
        assert months_since_leaving(leaving, add_months(leaving, months)) == months


def test_days_until_birthday():
    born = date(2005, 9, 14)
    assert days_until_birthday(born, on=date(2026, 9, 4)) == 10
    assert days_until_birthday(born, on=date(2026, 9, 14)) == 0
    assert days_until_birthday(born, on=date(2026, 9, 20)) == -6
    assert days_until_birthday(born, 18, on=date(2023, 9, 13)) == 1


def test_leap_day_birthdays_turn_on_the_first_of_march_in_common_years():
    born = date(2004, 2, 29)
    assert birthday(born, 21) == date(2025, 3, 1)
    assert birthday(born, 24) == date(2028, 2, 29)
    assert days_until_birthday(born, on=date(2025, 2, 28)) == 1
    assert days_until_birthday(born, on=date(2025, 3, 1)) == 0
