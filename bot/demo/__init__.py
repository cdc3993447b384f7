"""`inbeeld demo`: the whole product offline, with the Bot API emulator in-process and pages
where a person plays a youth (the phone page) and sees what the coordinator's Telegram got."""
