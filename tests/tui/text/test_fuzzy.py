"""Fuzzy ranking of typed names: exact, then prefix, word start, substring, letters in order."""

from __future__ import annotations

from tui.text.fuzzy import match_score, rank

NAMES = ["cheap_spells", "spell_lists", "spells", "class_features", "Spellbooks", "monsters"]


def test_exact_name_first_then_prefixes() -> None:
    ranked = [NAMES[i] for i in rank("spells", NAMES)]
    # Then the word inside a name, then the letters in order in the shortest stretch.
    assert ranked == ["spells", "cheap_spells", "spell_lists", "Spellbooks"]
    ranked = [NAMES[i] for i in rank("spell", NAMES)]
    assert ranked[:3] == ["spells", "Spellbooks", "spell_lists"]
    assert ranked[3] == "cheap_spells"  # a word inside the name comes after the prefixes


def test_letters_in_order_match_after_substrings() -> None:
    ranked = [NAMES[i] for i in rank("cf", NAMES)]
    assert ranked == ["class_features"]
    assert match_score("mstr", "monsters") is not None
    assert match_score("xyz", "monsters") is None


def test_case_does_not_matter_and_empty_keeps_order() -> None:
    assert rank("SPELLS", NAMES)[0] == NAMES.index("spells")
    assert rank("", NAMES) == list(range(len(NAMES)))


def test_substring_before_scattered_letters() -> None:
    names = ["a_b_c_sp", "xspx"]
    assert [names[i] for i in rank("sp", names)] == ["a_b_c_sp", "xspx"]
    names = ["s_x_p", "xspx"]
    assert [names[i] for i in rank("sp", names)] == ["xspx", "s_x_p"]
