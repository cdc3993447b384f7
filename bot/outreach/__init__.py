"""Outreach: keeping each youth's planned contacts in the database and acting on them when due.

- `plans`: keep a youth's ScheduledContact rows in line with programme, participation, consent.
- `tick`: `Outreach(...).tick()` acts on due contacts (the service's interval job).
- `due`: the one indexed "what is due" query and the claim of a batch of youths' due contacts.
- `holds`: `human_conversation_open`, the dispatcher's hold check (an escalation a person took up).
- `reoffers`: re-offer evidence per school, as records and CSV.
- `programmes`: `change_programme` (only the future changes).
"""
