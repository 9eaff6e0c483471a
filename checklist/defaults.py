"""The checklist of the protocol's appendix c ("Checklist privacy"), as seeded in version 1.

The data migration ``0002_default_template`` reads this list once. Do not edit it to change the
checklist: the foundation makes a new version in the application, and past rounds keep theirs.
``key`` is the stable name evidence providers use (see docs/checklist.md).
"""

from django.utils.translation import gettext_noop

# The texts are marked for the catalogue (gettext_noop keeps them as they are): the checklist
# shows a stored statement in English when it is still the seeded Dutch text
# (ChecklistItem.display_text); a statement the foundation rewrote shows as written.
PUPIL_ADMINISTRATION = gettext_noop("Leerlingenadministratie")
LEARNING_MATERIAL = gettext_noop("Leermateriaal")
PICTURES = gettext_noop("Beeldmateriaal")
SOCIAL_MEDIA = gettext_noop("Sociale media")
TRANSFER = gettext_noop("Overstap naar andere school")
SECURITY = gettext_noop("Gegevensbeveiliging")
FG = gettext_noop("Functionaris gegevensbescherming")

DEFAULT_ITEMS: list[dict] = [
    # (key, section, text, paragraphs)
    *[
        {"key": key, "section": section, "text": text, "paragraphs": paragraphs}
        for key, section, text, paragraphs in [
            (
                "ouders-weten-wat",
                PUPIL_ADMINISTRATION,
                gettext_noop("Ouders weten wat bijgehouden wordt en waarom."),
                "3",
            ),
            (
                "ouders-weten-cijfers",
                PUPIL_ADMINISTRATION,
                gettext_noop("Ouders weten waartoe het geven van cijfers dient."),
                "3",
            ),
            (
                "doelbinding",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Alle gegevens worden alleen gebruikt voor het doel waarvoor ze zijn verzameld."
                ),
                "3",
            ),
            (
                "dataminimalisatie",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Er worden niet meer gegevens verzameld dan nodig is om onderwijs te kunnen geven."
                ),
                "3.4",
            ),
            (
                "inzage-correctie",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Het is ouders bekend dat ze inzage hebben in de geregistreerde gegevens en dat ze "
                    "correctie kunnen verlangen."
                ),
                "3.5",
            ),
            (
                "bewaartermijn-administratie",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Vijf jaar na uitschrijving van de leerling worden de gegevens van de leerling "
                    "verwijderd."
                ),
                "10.3",
            ),
            (
                "bewaartermijn-dossier",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Twee jaar nadat de leerling van school is, wordt het leerlingdossier verwijderd; "
                    "voor overstap naar SBO geldt een bewaartermijn van 3 jaar."
                ),
                "10.3",
            ),
            (
                "vertrek-niet-actief",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Vertrekkende leerkrachten worden direct in de leerlingenadministratie op "
                    "'niet actief' gezet."
                ),
                "12",
            ),
            (
                "vertrek-logins-gestopt",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Wanneer een leerkracht vertrekt, wordt de mogelijkheid om in te loggen in het "
                    "schoolnetwerk en diverse schoolgerelateerde websites stopgezet (Inspectie, "
                    "Mijn Vensters, schoolwebsite, ...)."
                ),
                "12",
            ),
            (
                "vertrek-office365",
                PUPIL_ADMINISTRATION,
                gettext_noop(
                    "Het Office365-account van vertrekkende leerkrachten wordt ontoegankelijk gemaakt."
                ),
                "12",
            ),
            (
                "verwerkersovereenkomsten",
                LEARNING_MATERIAL,
                gettext_noop(
                    "Er is een verwerkersovereenkomst voor alle software waarbij leerlinggegevens "
                    "worden uitgewisseld, ondertekend door het bevoegd gezag (CvB)."
                ),
                "4",
            ),
            (
                "toestemming-beeldmateriaal",
                PICTURES,
                gettext_noop(
                    "Bij de aanmelding wordt ouders toestemming gevraagd voor elk gebruik van "
                    "beeldmateriaal van hun kind. Kinderen waarvoor geen toestemming is, worden niet "
                    "op de website, schoolkrant o.i.d. geplaatst. Jaarlijks worden ouders eraan "
                    "herinnerd dat die toestemming ingetrokken kan worden."
                ),
                "7",
            ),
            (
                "sociale-media-leeftijd",
                SOCIAL_MEDIA,
                gettext_noop(
                    "Leerlingen maken in schoolverband geen gebruik van sociale media zolang dat qua "
                    "leeftijd niet is toegestaan."
                ),
                "8",
            ),
            (
                "sociale-media-protocol",
                SOCIAL_MEDIA,
                gettext_noop(
                    "Zowel leerlingen als leerkrachten houden zich volledig aan het protocol Sociale "
                    "Media."
                ),
                "sociale-media",
            ),
            (
                "overstap-inzage",
                TRANSFER,
                gettext_noop(
                    "Ouders kunnen kennis nemen van de registraties van hun kind en kunnen correctie "
                    "verlangen van de gegevens, en van wat doorgegeven wordt aan de vervolgschool."
                ),
                "9",
            ),
            (
                "wachtwoorden-complex",
                SECURITY,
                gettext_noop(
                    "We gebruiken voldoende complexe wachtwoorden waar het om beveiliging van "
                    "leerlinggegevens gaat."
                ),
                "10",
            ),
            (
                "geen-wachtwoordbriefjes",
                SECURITY,
                gettext_noop(
                    "Er hangen of liggen geen briefjes met gebruikersnamen of wachtwoorden op een "
                    "zichtbare plaats, en opgeslagen wachtwoorden bevinden zich altijd achter een "
                    "beveiligde inlog op de pc."
                ),
                "11.2",
            ),
            (
                "afmelden-vergrendelen",
                SECURITY,
                gettext_noop(
                    "Bij het verlaten van de werkplek meldt men zich steeds af of wordt op zijn minst "
                    "de computer vergrendeld. Wanneer men in de klas wordt opgevolgd door een collega, "
                    "meldt men zich af."
                ),
                "10",
            ),
            (
                "documentenhierarchie",
                SECURITY,
                gettext_noop(
                    "Documentenhiërarchie: directie/locatieleider – IB-er – leerkracht – leerlingen. "
                    "Men ziet de eigen documenten en die van wie in het rijtje na hem komt, niet die "
                    "naar links."
                ),
                "10.2",
            ),
            (
                "niets-voor-het-grijpen",
                SECURITY,
                gettext_noop(
                    "Er ligt geen privacygevoelig materiaal 'voor het grijpen': cijferlijsten enz."
                ),
                "11.2",
            ),
            (
                "eigen-inlog",
                SECURITY,
                gettext_noop(
                    "We werken nooit onder andermans inlog en we laten nooit anderen onder onze eigen "
                    "inlog werken."
                ),
                "11.2",
            ),
            (
                "schoolmail-mobiel",
                SECURITY,
                gettext_noop(
                    "Wie schoolmail leest op mobiel, tablet of thuis-pc, beveiligt die op zijn minst "
                    "met een pincode, tekenpatroon of wachtwoord."
                ),
                "11.2",
            ),
            (
                "niet-op-de-pc",
                SECURITY,
                gettext_noop(
                    "We slaan geen privacygevoelige gegevens op de pc op, alleen op de server of in "
                    "SharePoint."
                ),
                "11.3",
            ),
            (
                "oude-apparatuur",
                SECURITY,
                gettext_noop(
                    "Thuis bestanden van school bekijken en bewerken gebeurt veilig. Oude apparatuur "
                    "wordt voor de afvoer leeg gemaakt met een speciaal programma of de harde schijf "
                    "wordt mechanisch vernietigd."
                ),
                "11.3, 11.4",
            ),
            (
                "kinderen-schoolpc",
                SECURITY,
                gettext_noop(
                    "We laten onze kinderen niet op de school-pc spelen onder onze eigen inlog (of die "
                    "van de groep)."
                ),
                "13",
            ),
            (
                "fg-aangemeld",
                FG,
                gettext_noop(
                    "De school heeft een functionaris gegevensbescherming (FG), met duidelijk "
                    "omschreven taken en aangemeld bij de Autoriteit Persoonsgegevens."
                ),
                "14",
            ),
            (
                "datalek-fg",
                FG,
                gettext_noop(
                    "Als een datalek voorkomt, melden we dat bij de FG. Samen oordelen we of het lek "
                    "gemeld moet worden bij de Autoriteit Persoonsgegevens en de betrokkene(n)."
                ),
                "13.3",
            ),
        ]
    ]
]
