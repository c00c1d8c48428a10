"""Words of the demo data: names by culture, notes, sentences and product vocabulary.

Names come in many scripts (accents, CJK, Greek, Arabic, a few emoji); notes mix NULL, empty
strings, long multi-line text and text that looks like Rich markup.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate


def _lines(block: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in block.strip().splitlines())


@dataclass(frozen=True)
class _Culture:
    weight: int
    countries: tuple[str, ...]
    first: tuple[tuple[str, str], ...]  # (as written, ASCII for the e-mail address)
    last: tuple[tuple[str, str], ...]
    family_first: bool  # written "family given" without a space (CJK)


def _cultures(table: str) -> tuple[_Culture, ...]:
    """One culture a line: ``weight[*] | countries | first names | last names``.

    A name is ``Written:ascii`` where the two differ; ``*`` marks family-first names.
    """

    def names(words: str) -> tuple[tuple[str, str], ...]:
        pairs = (word.partition(":") for word in words.split())
        return tuple((shown, ascii_ or shown.lower()) for shown, _, ascii_ in pairs)

    cultures = []
    for line in _lines(table):
        weight, countries, first, last = (part.strip() for part in line.split("|"))
        cultures.append(
            _Culture(
                int(weight.rstrip("*")),
                tuple(countries.split()),
                names(first),
                names(last),
                weight.endswith("*"),
            )
        )
    return tuple(cultures)


_CULTURES = _cultures("""
    30 | US GB CA AU IE NZ | Amelia Noah Olivia Liam Emma Jack Grace Ethan Harper Mason | Smith Johnson O'Brien:obrien Taylor Walker Brown Wilson Clarke Murphy
    8 | DE AT CH | Lukas Sophie Jürgen:juergen Jörg:joerg Anna Felix Lena | Müller:mueller Schröder:schroeder Weiß:weiss Fischer Becker
    8 | FR BE CA | Chloé:chloe François:francois Zoë:zoe Léa:lea Hugo Élodie:elodie | Dubois Lefèvre:lefevre Moreau Girard Rousseau
    10 | ES MX AR CO | José:jose Sofía:sofia Mateo Lucía:lucia Iñigo:inigo Ángel:angel | García:garcia Núñez:nunez Fernández:fernandez López:lopez Peña:pena
    6 | BR PT | João:joao Ana Gonçalo:goncalo Beatriz Thiago Inês:ines | Silva Conceição:conceicao Araújo:araujo Souza
    4 | SE NO DK FI | Søren:soren Björn:bjorn Åsa:asa Ingrid Magnus | Østergaard:ostergaard Johansson Lindqvist Åberg:aberg Virtanen
    4 | PL CZ | Łukasz:lukasz Małgorzata:malgorzata Wojciech Zofia Jiří:jiri | Kowalski Nowak Wójcik:wojcik Dvořák:dvorak
    5* | JP | 花子:hanako 太郎:taro 陽菜:hina 蓮:ren 結衣:yui | 佐藤:sato 鈴木:suzuki 高橋:takahashi 山田:yamada
    5* | CN TW SG | 伟:wei 娜:na 静:jing 磊:lei 秀英:xiuying 子涵:zihan | 王:wang 李:li 张:zhang 陈:chen 刘:liu
    3* | KR | 민준:minjun 서연:seoyeon 지호:jiho 하은:haeun | 김:kim 이:lee 박:park 최:choi
    3 | GR CY | Γιώργος:giorgos Ελένη:eleni Νίκος:nikos Μαρία:maria | Παπαδόπουλος:papadopoulos Οικονόμου:oikonomou
    3 | EG AE MA JO | محمد:mohamed فاطمة:fatima علي:ali ليلى:layla | حسن:hassan منصور:mansour الخطيب:alkhatib
    6 | IN | Priya Arjun Ananya Rohan Saanvi Vihaan | Sharma Patel Iyer Reddy Banerjee
    5 | NG GH KE | Olúwaseun:oluwaseun Chiamaka Emeka Ngozi Kwame Wanjiru | Okafor Adébáyọ̀:adebayo Eze Mensah Otieno
""")  # noqa: E501
_CULTURE_LIMITS = tuple(accumulate(c.weight for c in _CULTURES))
_EMOJI = ("🦄", "🚀", "✨", "🌈", "☕", "🐙", "👩‍💻")
_MAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "inbox.example")
_SHORT_NOTES = (
    "  leading and trailing spaces  ",
    *_lines("""
    Prefers e-mail over phone.
    Asked about bulk pricing.
    Moved to a new address in spring.
    Livraison uniquement après 18 h.
    請在週末送貨。
    Gift wrap please 🎁
    Returned one item, refunded in full.
    Tab\tseparated\tnote
"""),
)
_MARKUP_NOTES = _lines("""
    [bold]VIP[/bold] customer: always ship express
    [red]Chargeback[/red] in 2023, verify payment first
    Prefers [link=https://example.com/contact]e-mail[/link] contact
    [b]Do not[/b] call before 10 am [i](time zone!)[/i]
    Escaped \\[not markup] and a lone [/] closing tag
    :warning: emoji code, [blink]blink[/blink] and [on red]  [/]
    [bold magenta]Loyal since 2019[/] :star:
""")
_SENTENCES = _lines("""
    The customer called twice about the delivery window.
    Package was left with a neighbour, who signed for it.
    Requested an invoice with the company's VAT number.
    Ünïcödé survives the round trip: naïve café, smörgåsbord, Æsir.
    Follow-up scheduled; see the ticket for the full history.
    Discount code SPRING23 applied by hand after a checkout error.
    送货地址已更新。
    Card expired; the customer updated it the same day.
    Quote: "it arrived in perfect condition" (sic).
""")
_NOTE_KINDS = ("null", "empty", "short", "long", "markup")


def _long_text(rng: random.Random) -> str:
    """Paragraphs, sometimes a list or a very long line: text that needs wrapping."""
    paragraphs = [
        " ".join(rng.choice(_SENTENCES) for _ in range(rng.randint(1, 5)))
        for _ in range(rng.randint(2, 5))
    ]
    if rng.random() < 0.4:
        paragraphs.append("\n".join(f"- {rng.choice(_SENTENCES)}" for _ in range(3)))
    if rng.random() < 0.3:
        paragraphs.append(" ".join(rng.choice(_SENTENCES) for _ in range(12)) + "   ")
    return "\n\n".join(paragraphs)


def _note(rng: random.Random, weights: tuple[int, int, int, int, int]) -> str | None:
    """NULL, ``""``, a short note, long text or text that looks like Rich markup."""
    kind = rng.choices(_NOTE_KINDS, weights)[0]
    if kind == "null":
        return None
    if kind == "empty":
        return ""
    if kind == "long":
        return _long_text(rng)
    return rng.choice(_SHORT_NOTES if kind == "short" else _MARKUP_NOTES)


# --- products ------------------------------------------------------------------------------

_CATEGORIES = {
    "KIT": ("Mug", "Teapot", "Chef's Knife", "Cutting Board", "Espresso Cup", "Salad Bowl"),
    "HOM": ("Lamp", "Cushion", "Throw Blanket", "Vase", "Candle", "Doormat"),
    "OFF": ("Notebook", "Desk Organizer", "Fountain Pen", "Monitor Stand", "Planner"),
    "OUT": ("Backpack", "Water Bottle", "Tent", "Camping Stove", "Hammock"),
    "AUD": ("Headphones", "Speaker", "Turntable", "Microphone"),
}
_ADJECTIVES = ("Ergonomic", "Rustic", "Minimalist", "Handmade", "Compact", "Deluxe", "Vintage")
_MATERIALS = ("Ceramic", "Bamboo", "Oak", "Steel", "Linen", "Wool", "Recycled", "Copper")
_SPECIAL_PRODUCTS = _lines("""
    Crème Brûlée Torch
    Käsefondue Set (6 pers.)
    Matcha 抹茶 Whisk
    Smörgåsbord Platter
    12" Vinyl Cleaning Kit
    Ultra-Long Name Deluxe Professional Stainless Steel Multi-Purpose Kitchen Utility Tool Set
""")
_COLORS = ("black", "white", "sage green", "bleu marine", "terracotta", "natural", "黒")
_TAGS = ("bestseller", "new", "eco", "gift", "sale", "limited", "handmade")
