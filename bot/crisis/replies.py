"""The calm reply sent when the crisis detector fires.

The Dutch text is the key (it becomes the gettext msgid once the translators' catalogs take
over); the other five languages ship here for now. Every version says: thank you, you are not
alone, 113 (call 113 or 0800-0113, free and anonymous, or chat at 113.nl), 112 for immediate
danger, and that the coordinator will contact them soon. It never asks about methods.
"""

from __future__ import annotations

from typing import Final

CRISIS_REPLY_NL: Final = (
    "Dank je dat je dit vertelt. Je staat er niet alleen voor. "
    "Praat met 113 Zelfmoordpreventie: bel 113 of 0800-0113. Dat is gratis en anoniem. "
    "Je kunt ook chatten op 113.nl. "
    "Ben je nu in gevaar? Bel dan 112. "
    "{coordinator} neemt snel contact met je op."
)

CRISIS_REPLY_TRANSLATIONS: Final[dict[str, dict[str, str]]] = {
    CRISIS_REPLY_NL: {
        "nl": CRISIS_REPLY_NL,
        "en": (
            "Thank you for telling me. You are not alone. "
            "Talk to 113 Zelfmoordpreventie (suicide prevention): call 113 or 0800-0113. "
            "It is free and anonymous. "
            "You can also chat at 113.nl. "
            "Are you in danger right now? Then call 112. "
            "{coordinator} will contact you soon."
        ),
        "ar": (
            "شكرًا لأنك أخبرتني. أنت لست وحدك. "
            "تحدّث مع 113 للوقاية من الانتحار: اتصل بالرقم 113 أو 0800-0113. "
            "الاتصال مجاني ولا تحتاج أن تذكر اسمك. "
            "يمكنك أيضًا الدردشة على 113.nl. "
            "هل أنت في خطر الآن؟ اتصل إذن بالرقم 112. "
            "سيتواصل معك {coordinator} قريبًا."
        ),
        "tr": (
            "Bunu anlattığın için teşekkürler. Yalnız değilsin. "
            "113 Zelfmoordpreventie (intihar önleme hattı) ile konuş: 113 veya 0800-0113'ü ara. "
            "Ücretsiz ve anonimdir. "
            "113.nl adresinden yazışarak da konuşabilirsin. "
            "Şu an tehlikede misin? O zaman 112'yi ara. "
            "{coordinator} yakında seninle iletişime geçecek."
        ),
        "pl": (
            "Dziękuję, że mi o tym mówisz. Nie musisz przechodzić przez to w pojedynkę. "
            "Porozmawiaj z 113 Zelfmoordpreventie (pomoc w kryzysie samobójczym): "
            "zadzwoń pod numer 113 lub 0800-0113. "
            "To jest bezpłatne i anonimowe. "
            "Możesz też napisać na czacie na 113.nl. "
            "Jesteś teraz w niebezpieczeństwie? Zadzwoń pod 112. "
            "{coordinator} wkrótce się z Tobą skontaktuje."
        ),
        "uk": (
            "Дякую, що ти мені це розповідаєш. Ти не залишаєшся з цим сам на сам. "
            "Поговори з 113 Zelfmoordpreventie (служба запобігання самогубствам): "
            "телефонуй 113 або 0800-0113. "
            "Це безкоштовно й анонімно. "
            "Можна також написати в чат на 113.nl. "
            "Ти зараз у небезпеці? Тоді телефонуй 112. "
            "{coordinator} скоро з тобою зв'яжеться."
        ),
    }
}

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("nl", "en", "ar", "tr", "pl", "uk")


def crisis_reply(language: str | None, coordinator: str) -> str:
    """The reply in the youth's language (Dutch when unknown), with the coordinator's name."""
    texts = CRISIS_REPLY_TRANSLATIONS[CRISIS_REPLY_NL]
    template = texts.get((language or "nl").split("-")[0].lower(), CRISIS_REPLY_NL)
    # str.replace, not str.format: a name with braces must not break or inject into the text.
    return template.replace("{coordinator}", coordinator)


def crisis_reply_for_stranger(language: str | None) -> str:
    """For a chat we cannot link to a youth: nobody can be alerted, so the reply promises no
    contact; it keeps the hotlines and 112."""
    texts = CRISIS_REPLY_TRANSLATIONS[CRISIS_REPLY_NL]
    template = texts.get((language or "nl").split("-")[0].lower(), CRISIS_REPLY_NL)
    return template.replace(_contact_sentence(template), "").strip()


def _contact_sentence(template: str) -> str:
    start = template.rfind(". ", 0, template.index("{coordinator}"))
    return template[start + 1 :] if start >= 0 else template
