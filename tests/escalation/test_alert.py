"""Coordinator alert content: what is needed to act, nothing more."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

from bot.escalation import ack_deadline, build_alert, open_escalation
from bot.signals import AnswerSet, SignalContext, evaluate, load_rules

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECRET_TEXT = "ik wil niet meer leven, mijn adres is Dorpsstraat 1"


def test_alert_has_reasons_with_dates_and_last_answers_but_no_free_text() -> None:
    current = AnswerSet.from_values(
        "c2", {"mood": 1, "activity": "niks", "free_text": SECRET_TEXT}, NOW
    )
    previous = AnswerSet.from_values("c1", {"mood": 4}, NOW - timedelta(days=14))
    hits = evaluate(load_rules(), current, previous, [], SignalContext(date(2006, 1, 1)), NOW)
    esc = open_escalation("e1", "y1", hits[0].severity, [h.idempotence_key for h in hits], NOW)
    alert = build_alert("Fatima  El Amrani", "Pro College Noord", esc, hits, current)

    assert alert.first_name == "Fatima"
    assert alert.school == "Pro College Noord"
    assert {r.rule_id for r in alert.reasons} == {
        "geen_werk_of_school",
        "stemming_laag",
        "crisistaal",
    }
    assert all(r.since == NOW for r in alert.reasons)
    mood = next(r for r in alert.reasons if r.rule_id == "stemming_laag")
    assert mood.details == ("mood=1", "previous mood=4")
    assert [(a.key, a.value) for a in alert.last_answers] == [("activity", "niks"), ("mood", "1")]
    assert alert.acknowledge_before == ack_deadline(esc)
    flat = repr(asdict(alert))
    assert "Dorpsstraat" not in flat
    assert "niet meer leven" not in flat
    assert "El Amrani" not in flat


def test_alert_without_answers() -> None:
    esc = open_escalation("e2", "y1", "attention", ["uit_beeld:event:x"], NOW)
    alert = build_alert("Sem", "VSO De Brug", esc, [], None)
    assert alert.last_answers == () and alert.reasons == ()
