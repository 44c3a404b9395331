"""The query side of the embedding adapter: `QueryEncoder` runs the exported ONNX model with
onnxruntime + tokenizers + numpy only, so a cold `ijdqa ask` never imports torch (1.4 s) or
sentence-transformers (about 5 s); `EncoderSpec` is what the export (model.py) leaves beside the
ONNX file. The vectors are the ones the index was built with.

The only module that imports onnxruntime. Importing it does no work: every heavy import lives
inside a function, and even LangChain's `Embeddings` base class (about 0.5 s to import) is only
a type-checking base, see `EmbeddingsBase`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ijdqa.errors import ModelUnavailableError

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime
    from langchain_core.embeddings import Embeddings
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
SPEC_FILE = "query_encoder.json"
QUERY_CACHE = 64  # query vectors kept: a few questions' worth of texts
Pooling = Literal["mean", "cls"]

_REEXPORT = "rebuild the index to export the query encoder again"

if TYPE_CHECKING:
    EmbeddingsBase = Embeddings
else:

    class EmbeddingsBase:
        """Runtime stand-in for `langchain_core.embeddings.Embeddings`.

        Importing the real base class costs about 0.5 s (it pulls in LangChain's callback
        machinery), half the budget of a cold `ijdqa ask`. LangChain vector stores (Chroma
        included) only call the methods, so subclasses provide the whole interface here and
        type-check as `Embeddings`; `isinstance(x, Embeddings)` is False at runtime.
        """

        async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
            import asyncio

            return await asyncio.to_thread(self.embed_documents, texts)

        async def aembed_query(self, text: str) -> list[float]:
            import asyncio

            return await asyncio.to_thread(self.embed_query, text)


# --- the query encoder's description -------------------------------------------------------


@dataclass(frozen=True)
class EncoderSpec:
    """What a `QueryEncoder` needs beyond the ONNX graph and tokenizer: stored as JSON beside them.

    Mirrors the sentence-transformers pipeline: tokenize (optionally lower-cased first),
    truncate at `max_seq_length`, pool, then L2-normalize (always, as the index does).
    """

    model_name: str
    dimension: int
    max_seq_length: int
    pooling: Pooling = "mean"
    do_lower_case: bool = False
    pad_token: str = "[PAD]"

    def write(self, folder: Path) -> None:
        (folder / SPEC_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> EncoderSpec:
        path = folder / SPEC_FILE
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise ModelUnavailableError(
                f"cannot read the query encoder {path}: {exc}; {_REEXPORT}"
            ) from exc


# --- query time: onnxruntime + tokenizers + numpy ------------------------------------------


def configure_tokenizer(tokenizer: Tokenizer, spec: EncoderSpec) -> None:
    """Truncate and pad as sentence-transformers does (tokenizer.json may say otherwise)."""
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    pad_id = tokenizer.token_to_id(spec.pad_token)
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=spec.pad_token)


def tokenize_batch(tokenizer: Tokenizer, texts: list[str]) -> dict[str, NDArray[np.int64]]:
    import numpy as np

    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def onnx_session(onnx_path: Path, *, threads: int) -> onnxruntime.InferenceSession:
    import onnxruntime as ort  # ORT_DISABLE_TELEMETRY is set by the entry point (offline.py)

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


def _pool(
    hidden: NDArray[np.float32], mask: NDArray[np.int64], pooling: Pooling
) -> NDArray[np.float32]:
    import numpy as np

    if pooling == "cls":
        pooled = hidden[:, 0]
    else:
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class QueryEncoder(EmbeddingsBase):
    """The exported model run with onnxruntime: same vectors as the index, no torch import.

    Also a LangChain `Embeddings` (queries and documents go through the same path).
    """

    def __init__(
        self,
        session: onnxruntime.InferenceSession,
        tokenizer: Tokenizer,
        spec: EncoderSpec,
        *,
        batch_size: int = 32,
    ) -> None:
        """Wrap a session and tokenizer; configures the tokenizer's truncation and padding."""
        configure_tokenizer(tokenizer, spec)
        self.spec = spec
        self.batch_size = batch_size
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = [i.name for i in session.get_inputs()]
        # one question is embedded several times while it is answered (its search, its
        # sentence scoring, a refusal's closest passages): the last few are kept. lru_cache
        # is thread-safe; the vectors are tuples, so no caller can change a kept one.
        self._query = lru_cache(maxsize=QUERY_CACHE)(self._embed_one)

    @classmethod
    def load(cls, directory: Path | str, *, threads: int = 1) -> QueryEncoder:
        """Load an `export_query_encoder` folder. About 0.2 s for all-MiniLM-L6-v2."""
        folder = Path(directory)
        spec = EncoderSpec.read(folder)
        try:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            session = onnx_session(folder / ONNX_FILE, threads=threads)
        except Exception as exc:  # onnxruntime and tokenizers raise their own exception types
            raise ModelUnavailableError(
                f"cannot load the query encoder in {folder}: {exc}; {_REEXPORT}"
            ) from exc
        return cls(session, tokenizer, spec)

    @property
    def dimension(self) -> int:
        return self.spec.dimension

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed texts: an (n, dimension) float32 array of L2-normalized rows, in input order."""
        import numpy as np

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            vectors[rows] = self._embed_batch([texts[i] for i in rows])
        return vectors

    def _embed_batch(self, texts: list[str]) -> NDArray[np.float32]:
        # HuggingFaceEmbeddings replaces newlines before encoding; do the same.
        prepared = [t.replace("\n", " ") for t in texts]
        if self.spec.do_lower_case:
            prepared = [t.lower() for t in prepared]
        features = tokenize_batch(self._tokenizer, prepared)
        hidden = self._session.run(None, {name: features[name] for name in self._inputs})[0]
        return _pool(hidden, features["attention_mask"], self.spec.pooling)

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))

    def _embed_one(self, text: str) -> tuple[float, ...]:
        return tuple(float(x) for x in self.embed([text])[0])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()
