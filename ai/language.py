"""Which language a customer wrote in, from the share of each language's common words.

Small and deterministic on purpose: support messages are short, and a few function words
tell the languages a help centre is written in apart. (py3langid, the offline package that
could replace it, guesses poorly on one-line messages.) Unknown or undecided text is
reported as `default`."""

from __future__ import annotations

import re

__all__ = ["SUPPORTED_LANGUAGES", "detect_language"]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset(
        "the a an and or is are was were be been i my me you your we our it its this that "
        "to of in on for with at by from how what why when where can could do does did not "
        "have has had will would should there their they them if please thanks hi hello "
        "after before into about which who just get got"
    ),
    "de": _wordset(
        "der die das und oder ist sind war ich mein meine mich mir sie ihr wir unser es "
        "nicht ein eine einen zu von mit auf für wie was warum wann wo kann können habe "
        "hat haben wird würde bitte danke hallo dem den des im bei aus nach auch noch "
        "schon aber wenn dass"
    ),
    "fr": _wordset(
        "le la les un une des et ou est sont était je mon ma mes moi vous votre nous notre "
        "il elle ce cette de du au aux en pour avec sur par comment quoi pourquoi quand où "
        "peut pouvez puis ai avez pas ne merci bonjour qui que dans mais si"
    ),
    "es": _wordset(
        "el la los las un una y o es son era yo mi mis me usted su nosotros nuestro esto "
        "esta de del al en para con por cómo como qué por qué cuándo dónde puede puedo "
        "tengo tiene no gracias hola que pero si se lo"
    ),
    "nl": _wordset(
        "de het een en of is zijn was ik mijn mij u uw jij je wij ons onze dit dat van in "
        "op voor met bij hoe wat waarom wanneer waar kan kunnen heb heeft niet geen bedankt "
        "hallo graag maar als er"
    ),
    "it": _wordset(
        "il lo la gli le un una e o è sono era io mio mia mi lei suo noi nostro questo questa "
        "di del al in per con su come cosa perché quando dove può posso ho ha non grazie "
        "ciao che ma se"
    ),
    "pt": _wordset(
        "o a os as um uma e ou é são era eu meu minha me você seu nós nosso isto esta de do "
        "da ao em para com por como que porque quando onde pode posso tenho tem não "
        "obrigado olá mas se"
    ),
}
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(_STOPWORDS)


def detect_language(text: str, *, default: str = "en") -> str:
    """The ISO 639-1 code of `text`'s language, or `default` when too few words decide."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words:
        return default
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    # Accented letters most languages here have and English lacks tip a tie.
    if re.search(r"[äöüß]", text.casefold()):
        counts["de"] += 1
    if re.search(r"[àâçèéêëîïôœùû]", text.casefold()):
        counts["fr"] += 1
    if re.search(r"[ñ¿¡áíóú]", text.casefold()):
        counts["es"] += 1
    best = max(counts, key=lambda lang: (counts[lang], lang == default))
    runner_up = max(c for lang, c in counts.items() if lang != best)
    if counts[best] < 2 or counts[best] == runner_up:
        return default
    return best
