"""The embedding adapter: fake embedder, model folders, the ONNX query encoder and its costs.

Fast tests run the query encoder on a tiny hand-built ONNX graph and word-level tokenizer;
the slow ones export the real packaged model once per session and compare it with
sentence-transformers.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fakes import HashEmbedder
from ijdqa.errors import ModelUnavailableError
from ijdqa.search.embed import EncoderSpec, QueryEncoder
from ijdqa.search.model import (
    PACKAGED_MODEL_NAME,
    export_query_encoder,
    load_document_embedder,
    model_name,
    resolve_model_path,
)

HEAVY = ("torch", "sentence_transformers", "transformers", "langchain_huggingface")


def cosine(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def loaded_modules(code: str) -> set[str]:
    """Run `code` in a fresh interpreter; return the top-level modules it left loaded."""
    probe = code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return {name.split(".")[0] for name in json.loads(result.stdout.splitlines()[-1])}


# --- the fake embedder ---------------------------------------------------------------------


def test_hash_embedder_is_deterministic_and_normalized() -> None:
    texts = ["Jerusalem Day events", "القدس عاصمة", ""]
    first, second = HashEmbedder().embed_documents(texts), HashEmbedder().embed_documents(texts)
    assert first == second
    assert all(len(v) == 64 and math.isclose(sum(x * x for x in v), 1.0) for v in first)
    assert HashEmbedder(dimension=16).embed_query("x") != HashEmbedder(dimension=32).embed_query(
        "x"
    )


def test_hash_embedder_puts_texts_sharing_words_closer() -> None:
    fake = HashEmbedder(dimension=128)
    query = fake.embed_query("events organized for Jerusalem Day")
    near = fake.embed_query("Jerusalem Day events were organized in many countries")
    far = fake.embed_query("the committee published its budget figures")
    assert cosine(query, near) > 0.5 > cosine(query, far)


def test_hash_embedder_offers_the_async_interface() -> None:
    import asyncio

    fake = HashEmbedder()
    assert asyncio.run(fake.aembed_query("a b")) == fake.embed_query("a b")
    with pytest.raises(ValueError):
        HashEmbedder(dimension=0)


# --- model folders -------------------------------------------------------------------------


def test_packaged_model_resolves() -> None:
    folder = resolve_model_path(None)
    assert (folder / "modules.json").is_file() and folder.is_absolute()
    assert model_name(folder) == PACKAGED_MODEL_NAME
    assert resolve_model_path(str(folder)) == folder


def test_missing_model_folder_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="IJDQA_EMBEDDING_MODEL"):
        resolve_model_path(tmp_path / "absent")


def test_folder_without_model_files_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("not a model")
    with pytest.raises(ModelUnavailableError, match="IJDQA_EMBEDDING_MODEL"):
        resolve_model_path(tmp_path)
    with pytest.raises(ModelUnavailableError, match="IJDQA_EMBEDDING_MODEL"):
        load_document_embedder(tmp_path)


def test_model_names_are_short_and_stable(tmp_path: Path) -> None:
    assert model_name(tmp_path / "all-MiniLM-L12-v2") == "all-MiniLM-L12-v2"
    cached = tmp_path / "models--sentence-transformers--all-mpnet-base-v2" / "snapshots" / "abc"
    assert model_name(cached) == "sentence-transformers/all-mpnet-base-v2"


def test_models_the_query_encoder_cannot_reproduce_are_refused(tmp_path: Path) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ModelUnavailableError, match="Dense"):
        export_query_encoder(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "pooling", [{"pooling_mode_max_tokens": True}, {"pooling_mode": ["mean", "max"]}]
)
def test_pooling_the_query_encoder_cannot_reproduce_is_refused(
    tmp_path: Path, pooling: dict[str, object]
) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
    ]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    with pytest.raises(ModelUnavailableError, match="pooling"):
        export_query_encoder(tmp_path, tmp_path / "out")


# --- the query encoder on a tiny fake model ------------------------------------------------

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "jerusalem", "day", "events", "report", "budget"]


def write_tiny_encoder(folder: Path, *, max_seq_length: int = 6, dimension: int = 8) -> Path:
    """An encoder folder whose 'transformer' is an embedding lookup, with a word tokenizer."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    table = np.random.default_rng(0).normal(size=(len(WORDS), dimension)).astype(np.float32)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"])],
        "tiny",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"]) for n in names],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(folder / "model.onnx"))
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    EncoderSpec("tiny", dimension, max_seq_length, do_lower_case=True).write(folder)
    return folder


@pytest.fixture
def tiny(tmp_path: Path) -> QueryEncoder:
    return QueryEncoder.load(write_tiny_encoder(tmp_path / "tiny"))


def test_query_encoder_returns_normalized_float32_rows_in_order(tiny: QueryEncoder) -> None:
    texts = ["jerusalem day events report", "budget", "day"]
    vectors = tiny.embed(texts)
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    for text, row in zip(texts, vectors, strict=True):  # order survives length sorting
        assert np.allclose(tiny.embed([text])[0], row, atol=1e-6)
    assert tiny.embed([]).shape == (0, 8)


def test_query_encoder_mean_pools_over_real_tokens_only(tiny: QueryEncoder) -> None:
    alone = tiny.embed(["budget"])[0]
    padded = tiny.embed(["budget", "jerusalem day events report"])[0]
    assert np.allclose(alone, padded, atol=1e-6)


def test_query_encoder_truncates_and_applies_the_spec(tiny: QueryEncoder) -> None:
    # max_seq_length 6 = [CLS] + 4 words + [SEP]: a fifth word changes nothing.
    assert np.allclose(tiny.embed(["day day day day"]), tiny.embed(["day day day day budget"]))
    assert np.allclose(tiny.embed(["JERUSALEM\nDay"]), tiny.embed(["jerusalem day"]))


def test_a_repeated_query_is_embedded_once_and_its_kept_vector_cannot_be_changed(
    tiny: QueryEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = []
    original = tiny._embed_batch
    monkeypatch.setattr(tiny, "_embed_batch", lambda texts: runs.append(texts) or original(texts))
    first = tiny.embed_query("jerusalem day budget")
    first[0] = 99.0  # a caller's list is its own
    again = tiny.embed_query("jerusalem day budget")
    assert runs == [["jerusalem day budget"]] and again[0] != 99.0
    assert np.allclose(again, tiny.embed(["jerusalem day budget"])[0], atol=1e-6)
    tiny.embed_query("budget")
    assert len(runs) == 3  # embed() above, then a new text: each run once


def test_cls_pooling_takes_the_first_token(tmp_path: Path) -> None:
    folder = write_tiny_encoder(tmp_path / "tiny")
    spec = EncoderSpec.read(folder)
    EncoderSpec(spec.model_name, spec.dimension, spec.max_seq_length, pooling="cls").write(folder)
    vectors = QueryEncoder.load(folder).embed(["budget", "jerusalem day"])
    assert np.allclose(vectors[0], vectors[1])  # both are the [CLS] row


def test_query_encoder_is_a_langchain_embeddings(tiny: QueryEncoder) -> None:
    import asyncio

    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import InMemoryVectorStore

    required = {name for name in dir(Embeddings) if not name.startswith("_")}
    assert required <= set(dir(tiny)) and required <= set(dir(HashEmbedder()))
    assert np.allclose(tiny.embed_documents(["day"])[0], tiny.embed_query("day"))
    assert asyncio.run(tiny.aembed_documents(["day"])) == tiny.embed_documents(["day"])
    store = InMemoryVectorStore(embedding=tiny)
    store.add_texts(["budget report", "jerusalem day events"])
    assert store.similarity_search("events of jerusalem day", k=1)[0].page_content.startswith("jer")


def test_broken_encoder_folder_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="rebuild the index"):
        QueryEncoder.load(tmp_path)
    folder = write_tiny_encoder(tmp_path / "tiny")
    (folder / "model.onnx").write_bytes(b"not onnx")
    with pytest.raises(ModelUnavailableError, match="rebuild the index"):
        QueryEncoder.load(folder)


# --- what importing costs ------------------------------------------------------------------


def test_importing_embed_loads_no_heavy_library() -> None:
    loaded = loaded_modules("import ijdqa.search.embed")
    assert not loaded & {*HEAVY, "onnxruntime", "numpy", "langchain_core"}


def test_query_encoder_never_imports_torch(tmp_path: Path) -> None:
    folder = write_tiny_encoder(tmp_path / "tiny")
    loaded = loaded_modules(
        f"from ijdqa.search.embed import QueryEncoder\n"
        f"QueryEncoder.load({str(folder)!r}).embed_query('jerusalem day')"
    )
    assert "onnxruntime" in loaded and not loaded & set(HEAVY)


# --- the real model (slow) -----------------------------------------------------------------

LONG = " ".join(["Jerusalem Day rallies were held in many cities and online."] * 60)  # 600 words
SENTENCES = [
    "hello",
    "What did the report say about Jerusalem Day events in 2020?",
    "Organizations in Malaysia and Indonesia held rallies.",
    "القدس عاصمة فلسطين",
    "يوم القدس العالمي",
    "Café résumé naïve Émile",
    "Footnote 12 cites a tweet\nfrom 1 March 2020.",
    "   leading and trailing spaces   ",
    "日本語のテキスト",
    LONG,
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_query_encoder(resolve_model_path(None), tmp_path_factory.mktemp("q") / "encoder")


@pytest.mark.slow
def test_onnx_encoder_matches_sentence_transformers(exported: Path, no_network: None) -> None:
    reference = load_document_embedder(resolve_model_path(None)).embed_documents(SENTENCES)
    encoder = QueryEncoder.load(exported)
    assert encoder.spec.model_name == PACKAGED_MODEL_NAME and encoder.dimension == 384
    ours = encoder.embed(SENTENCES)
    similarities = [cosine(a, b) for a, b in zip(ours, reference, strict=True)]
    assert min(similarities) >= 0.999, similarities
    longer = encoder.embed_query(LONG + " and the text goes on well past 256 tokens")
    assert cosine(longer, ours[-1]) > 0.99999  # both truncated at 256 tokens


@pytest.mark.slow
def test_export_replaces_an_older_export_atomically(exported: Path) -> None:
    again = export_query_encoder(resolve_model_path(None), exported)
    assert sorted(p.name for p in again.iterdir()) == [
        "model.onnx",
        "query_encoder.json",
        "tokenizer.json",
    ]
    assert [p.name for p in exported.parent.iterdir()] == [exported.name]  # no leftovers


@pytest.mark.slow
def test_failed_export_leaves_the_old_one_and_no_debris(exported: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "bert"}))
    before = sorted(exported.parent.iterdir())
    with pytest.raises(ModelUnavailableError, match="IJDQA_EMBEDDING_MODEL"):
        export_query_encoder(broken, exported)
    assert sorted(exported.parent.iterdir()) == before
    assert QueryEncoder.load(exported).embed_query("still works")


@pytest.mark.slow
def test_real_query_encoder_never_imports_torch(exported: Path) -> None:
    loaded = loaded_modules(
        textwrap.dedent(f"""
        from ijdqa.search.embed import QueryEncoder
        QueryEncoder.load({str(exported)!r}).embed_query('hello')
        """)
    )
    assert not loaded & set(HEAVY)


# --- what a killed export leaves behind (issue 12) ------------------------------------------


def test_sweep_staging_removes_only_what_dead_exports_left(tmp_path: Path) -> None:
    import os
    import time

    from ijdqa.search.model import sweep_staging

    target = tmp_path / "encoder" / "abc123"
    target.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    left = {
        "dead": tmp_path / "encoder" / f".abc123.{dead}.x1y2",
        "retired": tmp_path / "encoder" / ".abc123.old.q9",
        "legacy-old": tmp_path / "encoder" / ".abc123.k3j4h5",
        "mine": tmp_path / "encoder" / f".abc123.{os.getpid()}.z9",  # an export running now
        "legacy-new": tmp_path / "encoder" / ".abc123.n0w1",
        "other": tmp_path / "encoder" / ".zzz999.1.a",  # another model's
    }
    for path in left.values():
        path.mkdir()
    hour_ago = time.time() - 7200
    os.utime(left["legacy-old"], (hour_ago, hour_ago))
    removed = set(sweep_staging(target))
    assert removed == {left["dead"], left["retired"], left["legacy-old"]}
    assert all(left[k].exists() for k in ("mine", "legacy-new", "other")) and target.exists()


@pytest.mark.slow
def test_an_export_killed_part_way_leaves_nothing_after_the_next_command(
    tmp_path: Path, shared_index: Path
) -> None:
    """`ijdqa model --force` killed (SIGKILL) while its staging folder exists; the next
    `ijdqa index` sweeps it (and the encoder in use is untouched)."""
    import shutil
    import time

    index = tmp_path / "index"
    shutil.copytree(shared_index / "encoder", index / "encoder")
    ijdqa = str(Path(sys.executable).parent / "ijdqa")
    proc = subprocess.Popen([ijdqa, "model", "--force", "--index-dir", str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((index / "encoder").glob(".*")):
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=30)
    assert list((index / "encoder").glob(".*")), "no staging folder appeared to kill"
    done = subprocess.run([ijdqa, "index", "--index-dir", str(index)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list((index / "encoder").glob(".*")) == []
    assert [p.name for p in (index / "encoder").iterdir()] == [
        p.name for p in (shared_index / "encoder").iterdir()
    ]
