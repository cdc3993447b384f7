"""What the bot says outside the flows: command replies and friendly refusals (Dutch source).

Plain language (B1 or simpler); checked by the plain-language test and translated through the
catalogs like every other youth-facing text.
"""

from bot.i18n import Y_

NOT_LINKED = Y_(
    "Hoi! Ik ken je nog niet. Heb je een uitnodiging van school? "
    "Scan dan de code op je kaart. Of tik op de link die je kreeg."
)
TOKEN_UNKNOWN = Y_("Deze link werkt niet. Vraag je school om een nieuwe uitnodiging.")
TOKEN_EXPIRED = Y_("Deze uitnodiging is verlopen. Vraag je school om een nieuwe.")
TOKEN_USED = Y_(
    "Deze uitnodiging is al gebruikt. Was jij dat niet? Vraag je school dan om een nieuwe."
)
ALREADY_LINKED = Y_(
    "Je bent al aangemeld, {first_name}. Je hoeft niets te doen. Een vraag? Typ dan /help."
)
WELCOME_BACK = Y_("Welkom terug, {first_name}!")
REPRESENTATIVE_NEEDED = Y_(
    "Dank je! Eerst moet ook je ouder, verzorger of mentor ja zeggen. "
    "De school regelt dat met jullie. Daarna krijg je de vragen."
)
STOPPED = Y_(
    "Oké, {first_name}. We sturen je geen vragen meer. Wil je toch weer meedoen? Typ dan /start."
)
HELP = Y_(
    "{coordinator} is je begeleider. Stuur hier een bericht, dan leest {coordinator} het. "
    "Wil je iemand spreken? Typ dan: ik wil praten. "
    "Wat we van je bewaren, zie je met /mijngegevens. Stoppen? Typ /stop."
)
HELP_NOT_LINKED = Y_(
    "Dit is de chat van In Beeld. Je school helpt je ook na school. "
    "Heb je een uitnodiging? Tik dan op de link of scan de code."
)
RECEIVED_FOR_COORDINATOR = Y_("Dank je voor je bericht. Ik stuur het door naar {coordinator}.")
ONLY_TEXT = Y_("Dank je! Ik kan alleen tekst lezen. Wil je iets vragen? Typ het dan.")
COORDINATOR_LINKED = Y_("Gelukt. Je krijgt hier voortaan de meldingen van In Beeld.")
LANGUAGE_SET = Y_("Oké! Ik schrijf je vanaf nu in het Nederlands.")
LANGUAGE_QUESTION = Y_("In welke taal wil je mijn berichten lezen?")

MY_DATA = Y_(
    "Dit bewaren we van je: je naam, je geboortedatum, je school en je antwoorden. "
    "{coordinator} leest je antwoorden. De school ziet alleen of je meedoet. "
    "Wil je alles zien? Of wil je dat we alles wissen?"
)
MY_DATA_SEND = Y_("Stuur mij alles")
MY_DATA_ERASE = Y_("Wis mijn gegevens")
MY_DATA_EXPORT_CAPTION = Y_("Hier zijn al je gegevens.")
ERASURE_REQUESTED = Y_(
    "We hebben je vraag doorgegeven. {coordinator} neemt contact met je op. "
    "Daarna wissen we je gegevens."
)

ON_REQUEST_WELCOME = Y_(
    "Hoi {first_name}! Dit is de chat van {school}. "
    "Heb je hulp nodig bij werk, school of iets anders? Stuur hier een bericht. "
    "Dan leest {coordinator} het."
)
UNKNOWN_COMMAND = Y_("Dat ken ik niet. Typ /help om te zien wat kan.")
OLD_BUTTON = Y_("Deze knop werkt niet meer. Typ /help als je iets wilt vragen.")

MENU_HELP = Y_("Wie helpt mij?")
MENU_MY_DATA = Y_("Wat weten jullie van mij?")
MENU_LANGUAGE = Y_("Kies je taal")
MENU_STOP = Y_("Stoppen met de vragen")
