"""The report's own words, in Dutch and English. Taxonomy items bring their own labels;
these are the rows and titles the report adds around them."""

from __future__ import annotations

from keerpunt.organisation import Locale, Text


def T(nl: str, en: str) -> Text:
    return Text(nl=nl, en=en)


LABELS: dict[str, Text] = {
    "title.campaign": T("Campagnerapport: {name}", "Campaign report: {name}"),
    "title.period": T("Rapport over {start} tot en met {end}", "Report on {start} to {end}"),
    "edition.internal": T("Interne editie", "Internal edition"),
    "edition.partner": T("Partnereditie", "Partner edition"),
    "chats.started": T("Gestarte chats", "Chats started"),
    "chats.direct": T("Direct vanuit de campagne", "Directly from the campaign"),
    "chats.organic": T("Organisch (zonder campagnelink)", "Organic (no campaign link)"),
    "content.with_message": T(
        "Chats waarin de chatter een bericht stuurde", "Chats in which the chatter wrote"
    ),
    "content.about_crime": T(
        "Chats over betrokkenheid bij criminaliteit", "Chats about involvement in crime"
    ),
    "outcome.held": T("Gesprek gevoerd", "Conversation held"),
    "outcome.no_content": T("Geen inhoud, test of misbruik", "No content, test or abuse"),
    "outcome.duplicate": T("Dubbeling, samengevoegd", "Duplicate, merged"),
    "outcome.unregistered": T("Nog niet geregistreerd", "Not registered yet"),
    "visitors.youth": T("Jongeren", "Young people"),
    "visitors.relative": T("Ouders, familie en vrienden", "Parents, family and friends"),
    "visitors.professional": T("Professionals", "Professionals"),
    "visitors.unknown": T("Onbekend", "Unknown"),
    "exploitation.with_signals": T(
        "Crimechats met een of meer signalen van criminele uitbuiting",
        "Crime chats with one or more signals of criminal exploitation",
    ),
    "accounts.created": T(
        "Chatters met een account om terug te komen", "Chatters with an account to come back"
    ),
    "handovers.total": T("Warme overdrachten", "Warm handovers"),
    "funnel.visitors": T("Bezoekers", "Visitors"),
    "funnel.conversations": T("Gesprekken", "Conversations"),
    "funnel.crime": T("Over betrokkenheid bij criminaliteit", "About involvement in crime"),
    "funnel.signals": T(
        "Met duidelijke signalen van uitbuiting", "With clear signals of exploitation"
    ),
    "channel.visits": T("Websitebezoeken", "Website visits"),
    "channel.clicks": T("Unieke klikken naar de chat", "Unique clicks to the chat"),
    "channel.chats": T("Chats direct vanuit dit kanaal", "Chats directly from this channel"),
    "channel.organic": T("Zonder campagnelink", "No campaign link"),
    "note.direct": T(
        "Direct: de chat is gestart via een trackinglink van de campagne. Organisch: alle"
        " andere chats in de periode. Die tellen mee, omdat organisch verkeer tijdens"
        " campagnes stijgt: mensen zien de advertentie en komen later via een zoekmachine.",
        "Direct: the chat was started through one of the campaign's tracking links. Organic:"
        " every other chat in the period. They are counted too, because organic traffic rises"
        " during campaigns: people see the ad and come back later through a search engine.",
    ),
    "note.duplicates": T(
        "Dubbelingen: chatters die onder een andere naam opnieuw begonnen,"
        " bijvoorbeeld na internetproblemen. Hun gesprekken zijn samengevoegd onder één"
        " chatter en tellen niet mee bij bezoekers en onderwerpen.",
        "Duplicates: chatters who started again under another name, for example"
        " after connection problems. Their chats are merged under one chatter and are left"
        " out of the visitors and topics.",
    ),
    "note.no_content": T(
        "Chats zonder inhoud, tests of misbruik tellen mee als gestarte chat, maar"
        " niet bij bezoekers en onderwerpen.",
        "Chats without content, tests or abuse count as started, but are left out of"
        " the visitors and topics.",
    ),
    "note.unregistered": T(
        "Nog niet geregistreerd: daarvan zijn alleen start, kanaal en of de chatter"
        " schreef bekend.",
        "Not registered yet: for these only the start, the channel and whether the"
        " chatter wrote are known.",
    ),
    "note.visitors": T(
        "Bezoekers en klikken zijn unieke bezoekers per dag, opgeteld over de dagen, geteld"
        " zonder cookies en zonder IP-adressen op te slaan.",
        "Visits and clicks are distinct visitors per day, added up over the days, counted"
        " without cookies and without storing any address.",
    ),
    "note.regions": T(
        "Beperkt tot chats geregistreerd in: {regions}. Bezoeken gelden voor de hele site.",
        "Limited to chats registered in: {regions}. Visits are for the whole site.",
    ),
    "note.partner": T(
        "Partnereditie: aantallen onder {k} staan als \u201c< {k}\u201d; een \u201c\u2022\u201d"
        " is verborgen omdat het anders uit andere getallen af te leiden is.",
        "Partner edition: counts below {k} are shown as \u201c< {k}\u201d; a \u201c\u2022\u201d"
        " is hidden because it could otherwise be worked out from other numbers.",
    ),
}


def label(key: str, locale: Locale, **values: object) -> str:
    text = LABELS[key](locale)
    return text.format(**values) if values else text
