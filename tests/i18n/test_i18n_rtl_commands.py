"""Right-to-left texts keep bot commands whole, so Telegram still links them."""

from bot.i18n import FSI, PDI, bidi_safe


def test_a_command_in_arabic_is_isolated_whole():
    text = bidi_safe("هل تريد أن تشارك مرة أخرى؟ اكتب إذن /start.", "ar")
    assert f"{FSI}/start{PDI}" in text
    assert "/" + FSI not in text
