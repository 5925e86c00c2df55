"""The population `bench/duplicates.py` draws from: names of five cultures (with their
frequencies and spellings), places, and households of related persons."""

# Names, streets and cities are written in Cyrillic on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

# Names -------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


# Roughly in order of frequency; a long tail of composed surnames is added below.

DA_MALE = words(
    """
Peter Jens Lars Michael Henrik Thomas Søren Jan Niels Christian Martin Anders Morten Jesper
Mads Rasmus Per Hans Jørgen Ole Kim Mikkel Frederik Kasper Jakob Mathias Emil Lucas William
Oliver Noah Victor Magnus Carl Oscar Malthe Alfred Aksel Bent Poul Erik Kristian Simon Torben
Kenneth Flemming Steen Rune Bo Tobias Claus Allan Brian Finn Palle Kaj Villads
"""
)
DA_FEMALE = words(
    """
Anne Kirsten Mette Hanne Anna Helle Susanne Lene Maria Marianne Lone Camilla Pia Louise
Charlotte Tina Gitte Inge Bente Karen Julie Sofie Emma Ida Freja Clara Laura Alma Ella Agnes
Karla Josefine Mathilde Signe Line Birgitte Jette Dorthe Rikke Maja Nanna Astrid Cecilie Malene
Trine Stine Sanne Lærke Vibeke Tove Ulla Grethe Merete Bodil
"""
)
DA_FAMILY = words(
    """
Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen
Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Knudsen
Jakobsen Jacobsen Mikkelsen Olesen Frederiksen Laursen Henriksen Lund Holm Schmidt Eriksen
Kristiansen Clausen Simonsen Svendsen Andreasen Iversen Jeppesen Mogensen Jespersen Nissen
Lauridsen Frandsen Østergaard Jepsen Kjær Carlsen Vestergaard Jessen Nørgaard Dahl
Christoffersen Skov Søndergaard Bertelsen Bruun Lassen Bach Gregersen Friis Johnsen Steffensen
Kjeldsen Bech Krogh Lauritsen Danielsen Mathiesen Andresen Brandt Winther Toft Ravn Mathiasen
Dam Holst Lind Berg Schou Overgaard Kristoffersen Schultz Klausen Karlsen Paulsen Hermansen
Thorsen Koch Thygesen Bak Kruse Bang Juhl
"""
)
DA_STEMS = words(
    """
Holm Lund Dal Skov Bak Kjær Vest Nør Øster Sønder Bjerg Birk Eng Hede Mose Sand Fjord Bøg Ege
Lyng Ager Grøn Kirke Mølle Strand Vig Rosen Lille Store Ny Gammel
"""
)
DA_ENDS = words(
    """
gaard sted strup bæk holm lund mose berg skov vig ager toft dal kær høj rup
"""
)

SV_MALE = words(
    """
Lars Mikael Anders Johan Erik Per Karl Peter Thomas Jan Daniel Fredrik Hans Andreas Stefan Mats
Magnus Mattias Jonas Bengt Niklas Oskar Marcus Björn Henrik Alexander Gustav Viktor Emil Filip
Axel Elias Hugo Liam Noah Lucas William Olle Sven Göran Ulf Åke Leif Kjell Martin Simon Robin
Sebastian Nils Gunnar Rolf
"""
)
SV_FEMALE = words(
    """
Maria Elisabeth Anna Kristina Margareta Eva Karin Birgitta Marie Ingrid Christina Linnéa Sara
Kerstin Emma Lena Ingegerd Sofia Helena Johanna Anneli Malin Ida Ulla Elin Hanna Susanne Julia
Camilla Matilda Annika Louise Linda Katarina Åsa Agneta Ebba Alice Maja Elsa Astrid Wilma Freja
Saga Ella Klara Alva Ellen Märta Gunilla
"""
)
SV_FAMILY = words(
    """
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson
Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson
Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson
Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Ali Engström Mohamed Eklund
Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson
Bergqvist Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström
Mårtensson Lundström Viklund Björklund Eliasson Pålsson Berggren Sandström Lund Nordin Ström
Åberg Hermansson Ekström Holmgren Sundberg Hedlund Dahlberg Hellström Sjögren Abrahamsson Falk
Öberg Martinsson Andreasson Blom Ek Månsson Strand Sundström Åström
"""
)
SV_STEMS = words(
    """
Berg Lind Sjö Ek Björk Ström Dahl Hag Sand Fors Nord Söder Ljung Gran Al Ås Hed Kvarn Lövs Sten
Ros Ny Häll Mal Sund Ed Bäck Vik Lilje Eng Tall
"""
)
SV_ENDS = words(
    """
ström berg gren lund qvist holm dahl mark blad man stedt sten vall ling fors
"""
)

FI_MALE = words(
    """
Juha Timo Matti Kari Mikko Jari Antti Jukka Mika Markku Pekka Hannu Heikki Seppo Janne Ari Sami
Ville Petri Marko Jussi Tuomas Jani Pentti Eino Veikko Lauri Eetu Aleksi Onni Elias Leo Oliver
Väinö Niilo Joonas Olli Risto Tapio Kalle Harri Jarmo Tero Esa Ilmari Toivo Aarne Reijo
"""
)
FI_FEMALE = words(
    """
Tuula Anne Päivi Ritva Pirjo Sari Minna Marja Tiina Riitta Leena Anna Pirkko Johanna Eila
Helena Hanna Liisa Satu Elina Sanna Laura Kaisa Aino Aada Eevi Helmi Sofia Emma Venla Ella
Lilja Olivia Kerttu Aili Aune Sirkka Maarit Katja Heidi Jenni Noora Tanja Merja Outi Susanna
Hilkka Sinikka
"""
)
FI_FAMILY = words(
    """
Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen
Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen
Tuominen Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Hiltunen Miettinen
Leinonen Pelkonen Aaltonen Hirvonen Lindholm Lindqvist Andersson Kallio Räsänen Laaksonen
Manninen Väisänen Seppälä Kettunen Lindroos Koivisto Ojala Nyman Lehto Hakala Leppänen Anttila
Holmström Vainio Eskola
"""
)
FI_STEMS = words(
    """
Mäki Koski Järvi Lahti Niemi Salo Ranta Harju Kallio Vaara Kivi Mets Lehto Kangas Vuori Saari
Suo Lampi Oja Halla Paju Koivu Haapa Honka Kuusi Pelto Mänty Rauta Hiekka
"""
)
FI_ENDS = words(
    """
nen la lä mäki koski järvi lahti niemi salo aho vaara maa oja ranta
"""
)

BG_MALE = words(
    """
Георги Иван Димитър Николай Петър Христо Йордан Стефан Тодор Васил Стоян Ангел Атанас
Александър Кирил Красимир Борис Владимир Илия Пламен Мартин Даниел Калоян Валентин Любомир
Милен Емил Росен Цветан Живко Венелин Симеон Радослав Чавдар Огнян Тихомир
"""
)
BG_FEMALE = words(
    """
Мария Иванка Елена Йорданка Пенка Маргарита Виолета Радка Надежда Цветанка Славка Десислава
Гергана Петя Милена Анна Росица Теодора Габриела Виктория Никол Александра Симона Даниела
Христина Анелия Катерина Екатерина Светла Румяна Величка Божидара Зорница Калина Стефка Ралица
"""
)
BG_FAMILY = words(
    """
Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев Атанасов Петков
Ангелов Колев Йорданов Маринов Стефанов Попов Михайлов Кръстев Костов Димов Костадинов Павлов
Станчев Симеонов Цветков Младенов Янков Радев Панайотов Филипов Славов Желязков Добрев Великов
Кирилов Тончев Жеков Ганчев Събев Щерев Бъчваров
"""
)
BG_STEMS = words(
    """
Иван Петр Георги Димитр Стоян Никол Тодор Христ Ангел Васил Кол Марин Стефан Атанас Желяз Любен
Михайл Пен Радосл Цвет Йорд Благо Борис Велич Горан Дончо Енч Здрав Кън Лаз Мит Найд Огн Пър
Рус Сав Тан Узун Христоз Чакър Шишк Щер Ъгл
"""
)
BG_ENDS = words("ов ев ков чев")

UK_MALE = words(
    """
Олександр Андрій Сергій Володимир Дмитро Іван Михайло Микола Юрій Олег Віктор Василь Петро
Богдан Тарас Максим Артем Денис Євген Ігор Роман Павло Віталій Анатолій Ярослав Степан Григорій
Назар Остап Данило Матвій Олексій Кирило Тимофій Владислав Вадим
"""
)
UK_FEMALE = words(
    """
Олена Наталія Тетяна Ірина Світлана Оксана Юлія Людмила Марія Галина Ольга Анна Катерина
Валентина Ніна Лариса Вікторія Анастасія Дарина Софія Христина Єва Мар'яна Ганна Зоряна Соломія
Уляна Богдана Ярослава Надія Любов Віра Олеся Інна Алла
"""
)
UK_FAMILY = words(
    """
Мельник Шевченко Коваленко Бондаренко Бойко Ткаченко Кравченко Ковальчук Коваль Олійник Шевчук
Поліщук Бондар Ткачук Марченко Лисенко Руденко Савченко Петренко Мороз Клименко Павленко
Кравчук Кузьменко Левченко Гончаренко Харченко Пономаренко Савчук Василенко Литвиненко Карпенко
Романенко Іваненко Гриценко Захарченко Сидоренко Мазур Литвин Остапенко Яковенко Кушнір Кучер
Гнатюк Дячук Федорченко Ярошенко Щербак Білик Гуменюк Юрченко Симоненко Тимошенко Левчук
Приходько Заїка Ковальський Вишневський Яворський
"""
)
UK_STEMS = words(
    """
Коваль Шевч Бонд Ткач Кравч Марч Лис Руд Сав Петр Клим Павл Гонч Харч Гриц Сид Остап Яков Федор
Юр Сим Тимош Дяч Гнат Мих Дан Стеч Голов Вакул Зінч Оліфір Прим Гаврил Демч Жук Кир Луц Нестер
Прок Семен Трох Філ Хом Цим Чорн Шпак Юхим
"""
)
UK_ENDS = words("енко ук юк чук ак ишин ів")

# Cyrillic to Latin: the official systems (Ukrainian passports since 2010, Bulgarian since
# 2009) and an older or German-style spelling that people also bring along.
UK_LATIN = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
        words("a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch _ iu ia _"),
        strict=True,
    )
)
UK_LATIN |= {"ё": "e", "ы": "y", "э": "e", "ъ": ""}  # for Russian forms, below
UK_LATIN_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# The Russian form of a Ukrainian given name, as an older document may have it.
UK_RUSSIAN = dict(
    pair.split(":")
    for pair in words(
        """
Олександр:Александр Олексій:Алексей Микола:Николай Євген:Евгений Дмитро:Дмитрий Михайло:Михаил
Василь:Василий Петро:Пётр Юрій:Юрий Ігор:Игорь Григорій:Григорий Павло:Павел Кирило:Кирилл
Данило:Даниил Артем:Артём Андрій:Андрей Сергій:Сергей Віктор:Виктор Іван:Иван Матвій:Матвей
Тимофій:Тимофей Віталій:Виталий Анатолій:Анатолий Олена:Елена Катерина:Екатерина Тетяна:Татьяна
Світлана:Светлана Дарина:Дарья Надія:Надежда Віра:Вера Наталія:Наталья Ірина:Ирина Юлія:Юлия
Марія:Мария Софія:София Вікторія:Виктория Анастасія:Анастасия Ганна:Анна Ніна:Нина
Любов:Любовь Олеся:Алеся Христина:Кристина Уляна:Ульяна
"""
    )
)
UK_GERMAN = {
    **UK_LATIN,
    "г": "h",
    "є": "je",
    "ї": "ji",
    "й": "j",
    "ю": "ju",
    "я": "ja",
    "ж": "sh",
    "в": "w",
    "х": "ch",
    "ц": "z",
    "ч": "tsch",
    "ш": "sch",
    "щ": "schtsch",
    "и": "y",
}
BG_LATIN = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъьюя",
        words("a b v g d e zh z i y k l m n o p r s t u f h ts ch sh sht a y yu ya"),
        strict=True,
    )
)
BG_OLD = {**BG_LATIN, "й": "j", "ю": "ju", "я": "ja", "ъ": "u", "х": "kh", "ц": "c"}
NORDIC_ASCII = [
    {"ø": "o", "å": "a", "æ": "ae", "ä": "a", "ö": "o", "é": "e", "ü": "u"},
    {"ø": "oe", "å": "aa", "æ": "ae", "ä": "ae", "ö": "oe", "é": "e", "ü": "ue"},
]


def transliterate(text: str, table: dict[str, str], start: dict[str, str] | None = None) -> str:
    out = []
    at_start = True
    for char in text:
        lower = char.lower()
        if lower in table:
            latin = (start or {}).get(lower) if at_start else None
            latin = (latin or table[lower]).replace("_", "")
            out.append(latin.capitalize() if char.isupper() else latin)
            at_start = False
        else:
            out.append(char)
            at_start = not char.isalpha()
    return "".join(out)


def zipf(count: int, exponent: float, offset: float) -> list[float]:
    weights = [1.0 / (i + offset) ** exponent for i in range(count)]
    return list(itertools.accumulate(weights))


@dataclass
class Culture:
    code: str
    male: list[str]
    female: list[str]
    family: list[str]
    stems: list[str]
    ends: list[str]
    tail: float  # share of surnames composed from stems and endings (the long tail)
    # Flatter (higher) for countries whose commonest surname is rarer: about 4.5 % of Danes
    # are called Nielsen, 2.5 % of Swedes Andersson, under 1 % of Finns Korhonen.
    family_offset: float
    cyrillic: bool = False
    male_cum: list[float] = field(default_factory=list)
    female_cum: list[float] = field(default_factory=list)
    family_cum: list[float] = field(default_factory=list)

    def __post_init__(self):
        # The commonest given name is about 5 % of its sex here (2 % in real registers:
        # these lists are short, so common names meet more often than in life).
        self.male_cum = zipf(len(self.male), 0.9, 10)
        self.female_cum = zipf(len(self.female), 0.9, 10)
        self.family_cum = zipf(len(self.family), 1.0, self.family_offset)


CULTURES = {
    "da": Culture("da", DA_MALE, DA_FEMALE, DA_FAMILY, DA_STEMS, DA_ENDS, 0.35, 6),
    "sv": Culture("sv", SV_MALE, SV_FEMALE, SV_FAMILY, SV_STEMS, SV_ENDS, 0.35, 10),
    "fi": Culture("fi", FI_MALE, FI_FEMALE, FI_FAMILY, FI_STEMS, FI_ENDS, 0.45, 20),
    "bg": Culture("bg", BG_MALE, BG_FEMALE, BG_FAMILY, BG_STEMS, BG_ENDS, 0.4, 10, True),
    "uk": Culture("uk", UK_MALE, UK_FEMALE, UK_FAMILY, UK_STEMS, UK_ENDS, 0.4, 20, True),
}
# Where people live, and which naming culture they come from there.
COUNTRIES = {
    "DK": (0.35, [("da", 0.82), ("uk", 0.1), ("bg", 0.03), ("sv", 0.05)]),
    "SE": (0.3, [("sv", 0.8), ("uk", 0.1), ("fi", 0.05), ("bg", 0.05)]),
    "FI": (0.15, [("fi", 0.78), ("sv", 0.08), ("uk", 0.14)]),
    "BG": (0.2, [("bg", 0.85), ("uk", 0.15)]),
}

# Places -----------------------------------------------------------------------------------

STREETS = {
    "DK": """Vestergade|Østergade|Nørregade|Søndergade|Bredgade|Kirkevej|Skolevej|Møllevej|
Stationsvej|Parkvej|Engvej|Bøgevej|Egevej|Birkevej|Åvej|Fredensgade|Smedegade|Torvegade|
Gl. Landevej|Strandvejen|Holstebrovej|Silkeborgvej|Ringkøbingvej|Viborgvej|Dalgasgade""",
    "SE": """Storgatan|Drottninggatan|Kungsgatan|Vasagatan|Skolgatan|Järnvägsgatan|Kyrkogatan|
Nygatan|Trädgårdsgatan|Parkvägen|Björkvägen|Ekvägen|Industrigatan|Ågatan|Hamngatan|
Repslagaregatan|Linnégatan|Fabriksgatan|Tanneforsgatan|Gamla Tanneforsvägen""",
    "FI": """Mannerheimintie|Hämeentie|Aleksanterinkatu|Kauppakatu|Koulukatu|Puistokatu|
Rantatie|Kirkkokatu|Asematie|Myllytie|Koivutie|Mäntytie|Runebergintie|Tehtaankatu|
Sibeliuksenkatu|Isokatu|Satamakatu|Linnankatu""",
    "BG": """ул. Шипка|ул. Раковски|бул. Витоша|ул. Граф Игнатиев|бул. България|ул. Оборище|
ул. Цар Симеон|ул. Алабин|бул. Христо Ботев|ул. Васил Левски|ул. Гурко|ул. Иван Вазов|
ул. Патриарх Евтимий|бул. Сливница|ул. Княз Борис I|ул. Македония""",
}
CITIES = {
    "DK": [
        ("Herning", "7400"),
        ("Aarhus C", "8000"),
        ("Odense C", "5000"),
        ("Ikast", "7430"),
        ("Holstebro", "7500"),
        ("Silkeborg", "8600"),
        ("København N", "2200"),
        ("Viborg", "8800"),
    ],
    "SE": [
        ("Linköping", "582 22"),
        ("Mjölby", "595 30"),
        ("Norrköping", "602 24"),
        ("Stockholm", "118 20"),
        ("Göteborg", "413 01"),
        ("Motala", "591 30"),
    ],
    "FI": [
        ("Helsingfors", "00100"),
        ("Esbo", "02100"),
        ("Vanda", "01300"),
        ("Åbo", "20100"),
        ("Tampere", "33100"),
    ],
    "BG": [
        ("София", "1000"),
        ("Пловдив", "4000"),
        ("Варна", "9000"),
        ("Бургас", "8000"),
        ("Русе", "7000"),
        ("Стара Загора", "6000"),
    ],
}
CITY_CUM = {
    c: list(itertools.accumulate(4 / (i + 1) for i in range(len(v)))) for c, v in CITIES.items()
}
# A town has hundreds of streets: the well-known ones above, and many composed like them,
# so that unrelated households rarely share an address (as in life, blocks of flats aside).
STREET_LIST = {c: [x.strip() for x in v.split("|")] for c, v in STREETS.items()}
STREET_LIST["DK"] += [
    stem + end for stem in DA_STEMS for end in ("vej", "gade", "allé", "stræde", "vænget")
]
STREET_LIST["SE"] += [
    stem + end for stem in SV_STEMS for end in ("gatan", "vägen", "stigen", "gränd", "backen")
]
STREET_LIST["FI"] += [stem + end for stem in FI_STEMS for end in ("tie", "katu", "kuja", "polku")]
STREET_LIST["BG"] += [
    f"ул. {given} {family}" for given in BG_MALE[:20] for family in BG_FAMILY[:12]
]
PHONE_CODES = {"DK": "45", "SE": "46", "FI": "358", "BG": "359", "UA": "380"}
DOMAINS = words(
    "gmail.com hotmail.com outlook.com yahoo.com live.dk mail.dk telia.com icloud.com abv.bg ukr.net suomi24.fi jubii.dk"
)
KEYBOARDS = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхї", "фівапролджє", "ячсмитьбю"]
NEIGHBOURS = {
    ch: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    for row in KEYBOARDS
    for i, ch in enumerate(row)
}


# Persons ---------------------------------------------------------------------------------


@dataclass
class Person:
    key: int
    household: int
    culture: str
    given: str  # in the culture's script
    family: str
    script: str  # "native" (Cyrillic for bg/uk), "latin"
    female: bool
    born: date | None
    year_only: bool
    phone_nsn: str
    phone_country: str
    email: str
    street: str
    house: str
    postcode: str
    city: str
    country: str
    national_id: str


def pick(rng: random.Random, items, cum) -> str:
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def place(rng: random.Random, country: str) -> tuple[str, str]:
    """A town and one of its ten postcode areas (a town has several)."""
    city, postcode = pick(rng, CITIES[country], CITY_CUM[country])
    area = rng.randrange(10)
    if country in ("DK", "BG"):
        return city, str(int(postcode) + 10 * area)
    return city, f"{postcode[:-2]}{area}{postcode[-1]}"  # "582 22" -> "582 52"


def surname(rng: random.Random, culture: Culture) -> str:
    if rng.random() < culture.tail:
        stem = rng.choice(culture.stems)
        end = rng.choice(culture.ends)
        if not culture.cyrillic:
            end = end if stem[-1] != end[0] else end[1:]
            return stem + end
        return stem + end
    return pick(rng, culture.family, culture.family_cum)


def feminine(culture: Culture, family: str) -> str:
    if culture.code == "bg" and family.endswith(("ов", "ев")):
        return family + "а"
    if culture.code == "uk":
        if family.endswith("ський"):
            return family[:-5] + "ська"
        if family.endswith(("ов", "ів")):
            return family
    return family


def given_name(rng: random.Random, culture: Culture, female: bool) -> str:
    if female:
        name = pick(rng, culture.female, culture.female_cum)
    else:
        name = pick(rng, culture.male, culture.male_cum)
    if culture.code in ("da", "sv") and rng.random() < 0.12:
        # double given names: "Anne Marie", "Karl Johan"
        second = pick(
            rng,
            culture.female if female else culture.male,
            culture.female_cum if female else culture.male_cum,
        )
        if second != name:
            name = f"{name} {second}"
    return name


def mobile(rng: random.Random, country: str) -> str:
    if country == "DK":
        return rng.choice("2345678") + f"{rng.randrange(10**7):07}"
    if country == "SE":
        return "7" + rng.choice("02369") + f"{rng.randrange(10**7):07}"
    if country == "FI":
        return rng.choice(["40", "44", "45", "50"]) + f"{rng.randrange(10**7):07}"
    if country == "BG":
        return rng.choice(["87", "88", "89"]) + f"{rng.randrange(10**7):07}"
    return (
        rng.choice(["50", "63", "66", "67", "68", "73", "93", "97"]) + f"{rng.randrange(10**7):07}"
    )


def national_id(rng: random.Random, country: str, born: date, female: bool) -> str:
    serial = rng.randrange(1000)
    parity = (serial * 10 + rng.randrange(5) * 2 + (0 if female else 1)) % 10000
    if country == "DK":
        return f"{born:%d%m%y}-{parity:04}"
    if country == "SE":
        return f"{born:%Y%m%d}-{parity:04}"
    if country == "FI":
        sign = "-" if born.year < 2000 else "A"
        check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[(int(f"{born:%d%m%y}") * 1000 + serial) % 31]
        return f"{born:%d%m%y}{sign}{serial:03}{check}"
    if country == "BG":
        month = born.month + (40 if born.year >= 2000 else 0)
        return f"{born.year % 100:02}{month:02}{born.day:02}{parity:04}"
    # Ukraine: days since 31 Dec 1899, then five digits
    return f"{(born - date(1899, 12, 31)).days:05}{rng.randrange(10**5):05}"


def random_date(rng: random.Random, first_year: int, last_year: int) -> date:
    start = date(first_year, 1, 1).toordinal()
    end = date(last_year, 12, 31).toordinal()
    return date.fromordinal(rng.randint(start, end))


def ascii_email_part(text: str) -> str:
    from anyascii import anyascii

    return "".join(c for c in anyascii(text).lower() if c.isalnum())


def make_household(
    rng: random.Random, household: int, start_key: int, emails: set[str]
) -> list[Person]:
    country = pick_country(rng)
    culture_code = pick_weighted(rng, COUNTRIES[country][1])
    culture = CULTURES[culture_code]
    refugee = culture_code == "uk" and country != "UA"
    script = (
        "native" if culture.cyrillic and rng.random() < (0.65 if not refugee else 0.35) else "latin"
    )
    city, postcode = place(rng, country)
    street = rng.choice(STREET_LIST[country])
    house = str(rng.randint(1, 180)) + (rng.choice("ABCD") if rng.random() < 0.1 else "")
    home_phone_country = "UA" if refugee and rng.random() < 0.6 else country
    size = pick_weighted(rng, [(1, 0.38), (2, 0.25), (3, 0.15), (4, 0.13), (5, 0.06), (6, 0.03)])
    family = surname(rng, culture)
    members: list[Person] = []
    adults = 1 if size == 1 or rng.random() < 0.3 else 2
    first_adult_born = random_date(rng, 1940, 2004)
    shared_phone = mobile(rng, home_phone_country)
    shared_email = ""
    nid_rate = {"DK": 0.5, "SE": 0.4, "FI": 0.3, "BG": 0.45}[country] * (0.3 if refugee else 1)
    for index in range(size):
        is_adult = index < adults
        if is_adult and index == 1:
            female = not members[0].female if rng.random() < 0.95 else members[0].female
        else:
            female = rng.random() < 0.5
        if is_adult:
            born = (
                first_adult_born
                if index == 0
                else first_adult_born + timedelta(days=rng.randint(-3000, 3000))
            )
        else:
            earliest = max(first_adult_born.year + 18, 1958)
            born = random_date(rng, min(earliest, 2023), min(earliest + 25, 2024))
        born = min(born, date(2024, 12, 31))
        taken = {m.given.split()[0] for m in members}
        name = given_name(rng, culture, female)
        while name.split()[0] in taken:  # parents do not give two children one name
            name = given_name(rng, culture, female)
        member_family = family
        if is_adult and index == 1 and rng.random() < 0.3:
            member_family = surname(rng, culture)  # kept her or his own name
        if female:
            member_family = feminine(culture, member_family)
        parent = members[0].given if members else ""
        if (
            not is_adult
            and female == members[0].female
            and rng.random() < 0.01
            and all(m.given.split()[0] != parent.split()[0] for m in members[1:])
        ):
            name = parent  # named after the parent: "Jens Jensen" junior
        if not is_adult and index >= adults + 1 and rng.random() < 0.04:
            born = members[-1].born  # twins
        age = 2024 - born.year
        phone = ""
        if age >= 12 and rng.random() < 0.9:
            phone = shared_phone if (index == 0 or rng.random() < 0.45) else mobile(rng, country)
        elif rng.random() < 0.3:
            phone = shared_phone  # a child reached on the parent's phone
        email = ""
        if age >= 16 and rng.random() < 0.65:
            local = ascii_email_part(name.split()[0]) + "." + ascii_email_part(member_family)
            if rng.random() < 0.5:
                local += str(rng.randint(1, 99))
            email = f"{local}@{rng.choice(DOMAINS)}"
            while email in emails:  # an address belongs to one person (or one family)
                email = f"{local}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}"
            emails.add(email)
            if index == 0:
                shared_email = email
        elif shared_email and rng.random() < 0.3:
            email = shared_email  # the family's one address
        members.append(
            Person(
                key=start_key + index,
                household=household,
                culture=culture_code,
                female=female,
                given=name,
                family=member_family,
                script=script,
                born=born,
                year_only=refugee and rng.random() < 0.15,
                phone_nsn=phone,
                phone_country=home_phone_country if phone == shared_phone else country,
                email=email,
                street=street,
                house=house,
                postcode=postcode,
                city=city,
                country=country,
                national_id=national_id(rng, country, born, female)
                if rng.random() < nid_rate
                else "",
            )
        )
    # Not everything is known about everyone.
    for person in members:
        if rng.random() < 0.08:
            person.born = None
        if rng.random() < 0.15:
            person.street = person.house = ""
            if rng.random() < 0.5:
                person.postcode = person.city = ""
    return members


_COUNTRY_ITEMS = [(c, w) for c, (w, _cultures) in COUNTRIES.items()]


def pick_country(rng: random.Random) -> str:
    return pick_weighted(rng, _COUNTRY_ITEMS)


def pick_weighted(rng: random.Random, items):
    x = rng.random() * sum(w for _, w in items)
    for value, weight in items:
        x -= weight
        if x < 0:
            return value
    return items[-1][0]
