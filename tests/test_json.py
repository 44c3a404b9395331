"""The answer JSON of docs/json.md: validated against docs/answer.schema.json, through the real
CLI (single questions and batches) and on hand-made answers whose sources are known."""

from __future__ import annotations

import json
import re
import subprocess

import jsonschema
import pytest

from ijdqa.cli_ask import batch_items
from ijdqa.render import answer_dict, citation_sources, timings_ms
from ijdqa.types import Answer, Citation, Footnote, Report, Turn
from support import IJDQA, ROOT, run

SCHEMA = json.loads((ROOT / "docs" / "answer.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FOUNDED = "When was the IHRC founded?"
TWEET = "Which tweet is cited for Khamenei's call to arm the west bank?"
OFF_TOPIC = "Who is the president of France?"


def valid(data: object) -> None:
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_schema_is_a_valid_schema_and_the_doc_names_every_field() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    doc = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    defs = SCHEMA["$defs"]
    for name in ("answer", "citation", "error"):
        for key in defs[name]["properties"]:
            assert f"`{key}`" in doc, f"docs/json.md does not describe {name}.{key}"


# --- hand-made answers: sources follow Ibid, every URL is one entry ------------------------

TWEET_NOTE = Footnote(12, "19.5.20 https://t.example/1", ("https://t.example/1",), "2020-05-19",
                      "tweet", None, 3, "S.", 10)  # fmt: skip
IBID = Footnote(13, "Ibid.", (), None, "tweet", 12, 3, "S.", 20)
PROSE = Footnote(19, "They were A and B.", (), None, "note", None, 4, "S.", 30)
TWO = Footnote(5, "a https://a.example b https://b.example", ("https://a.example",
               "https://b.example"), "2020-05-01", "news", None, 2, "S.", 5)  # fmt: skip


def citation(marker: int, notes: tuple[Footnote, ...]) -> Citation:
    return Citation(marker, f"c{marker}", "Said.", 0, 5, 3, "S", "body", "report", notes)


def test_sources_resolve_ibid_and_keep_notes_without_urls() -> None:
    lookup = Report.of_footnotes((TWEET_NOTE, IBID, PROSE, TWO)).footnote_map
    sources = citation_sources((IBID, PROSE, TWO), lookup)
    assert [s["footnote"] for s in sources] == [13, 19, 5, 5]
    assert sources[0]["url"] == "https://t.example/1" and sources[0]["date"] == "2020-05-19"
    assert "footnote 12" in str(sources[0]["note"])
    assert sources[1] == {"footnote": 19, "url": None, "date": None, "note": PROSE.text}
    assert [s["url"] for s in sources[2:]] == list(TWO.urls)


def test_answer_dict_has_footnote_numbers_details_generator_and_timings() -> None:
    answer = Answer(
        question="q",
        text="Said [1]. Again [2].",
        citations=(citation(1, (TWEET_NOTE,)), citation(2, (IBID,))),
        answerer="llm:gemma",
        timings={"retrieve": 0.010, "llm": 0.5, "total": 0.6},
    )
    data = answer_dict(answer)  # no lookup: the Ibid's target is in the same answer
    valid(data)
    first, second = data["citations"]
    assert first["footnotes"] == [12] and second["footnotes"] == [13]
    assert second["footnote_details"][0]["same_as"] == 12
    assert second["sources"][0]["url"] == "https://t.example/1"
    assert data["generator"]["answerer"] == "llm" and data["generator"]["model"] == "gemma"
    assert data["timings_ms"] == {"llm": 500.0, "retrieve": 10.0, "answer": 590.0, "total": 600.0}


def test_timings_without_retrieval_count_it_as_zero() -> None:
    assert timings_ms({"total": 0.25}) == {"retrieve": 0.0, "answer": 250.0, "total": 250.0}


# --- batch files ---------------------------------------------------------------------------


def test_batch_lines_plain_jsonl_and_bad() -> None:
    text = '\n'.join([
        "  When?  ",
        "",
        '{"id": "a", "question": "Who?", "history": [{"role": "user", "content": "x"}]}',
        "{not json",
        '{"id": 3}',
        '{"question": "Q", "history": "oops"}',
        '{"question": ["a list"]}',
    ])  # fmt: skip
    items = list(batch_items(text, (Turn("user", "default"),)))
    assert [i.line for i in items] == [1, 3, 4, 5, 6, 7]
    assert items[0].question == "When?" and items[0].history == (Turn("user", "default"),)
    assert items[1].id == "a" and items[1].history == (Turn("user", "x"),)
    assert items[2].error and "not valid JSON" in items[2].error
    assert items[3].id == 3 and items[3].error and '"question"' in items[3].error
    assert items[4].question == "Q" and items[4].error and "history" in items[4].error
    assert items[5].error and items[5].question is None
    assert all(i.error is None for i in items[:2])


# --- through the CLI -----------------------------------------------------------------------


def test_ask_json_is_one_valid_line_and_the_short_form_matches(report, shared_index) -> None:
    index = ("--index-dir", str(shared_index))
    long = run("ask", TWEET, "--format", "json", *index)
    short = run("ask", TWEET, "--json", *index)
    assert long.returncode == short.returncode == 0, long.stderr + short.stderr
    assert len(long.stdout.strip().splitlines()) == 1
    data, again = json.loads(long.stdout), json.loads(short.stdout)
    valid(data)
    data.pop("timings_ms"), again.pop("timings_ms")
    assert data == again
    assert data["generator"]["answerer"] == "extractive" and data["generator"]["model"] is None
    lookup = report.footnote_map
    for c in data["citations"]:
        assert {s["footnote"] for s in c["sources"]} == set(c["footnotes"])
        for s in c["sources"]:
            note = lookup[s["footnote"]]
            target = lookup[note.same_as] if note.same_as else note
            assert s["url"] in (target.urls or (None,)) and s["date"] == target.date
    urls = [s["url"] for c in data["citations"] for s in c["sources"]]
    assert any(u and "twitter.com" in u for u in urls)  # a tweet question cites a tweet


def test_batch_gives_one_result_per_question_in_order_and_goes_on_after_bad_lines(
    tmp_path, shared_index
) -> None:
    index = ("--index-dir", str(shared_index))
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        "\n".join([
            FOUNDED,
            "{broken",
            json.dumps({"id": "off", "question": OFF_TOPIC}),
            json.dumps({"id": 4, "question": "And where?",
                        "history": [{"role": "user", "content": FOUNDED}]}),
            json.dumps({"question": "   "}),
        ]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    result = run("ask", "--batch", str(batch), "--json", *index)
    assert result.returncode == 1  # some lines failed; the rest were answered
    assert "2 of 5" in result.stderr and "Traceback" not in result.stderr
    out = lines(result.stdout)
    for row in out:
        valid(row)
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5]
    assert [r["id"] for r in out] == [None, None, "off", 4, None]
    assert "error" in out[1] and "line 2" in out[1]["error"]
    assert out[2]["refused"] is True and not out[0]["refused"]
    assert out[3]["question"] == "And where?" and "error" not in out[3]
    assert "error" in out[4] and out[4]["question"] == "   "
    assert out[0]["answer"] == json.loads(run("ask", FOUNDED, "--json", *index).stdout)["answer"]


def test_batch_from_stdin_as_markdown_keeps_footnote_labels_apart(shared_index) -> None:
    index = ("--index-dir", str(shared_index))
    result = subprocess.run(
        [*run_argv("ask", "--batch", "-", "--format", "markdown", *index)],
        input=f"{FOUNDED}\n{TWEET}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    refs = re.findall(r"\[\^([\w-]+)\]:", result.stdout)
    assert refs and len(refs) == len(set(refs))
    assert {r.split("-")[0] for r in refs} == {"1", "2"}
    assert result.stdout.index(FOUNDED) < result.stdout.index(TWEET)


def test_an_empty_ask_is_one_line_of_error() -> None:
    result = run("ask", "--no-build")
    assert result.returncode == 1 and "give a question" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_common_options_go_before_or_after_the_command(where: str, tmp_path) -> None:
    synthetic = str(ROOT / "tests" / "data" / "synthetic_report.txt")
    option = ["--report", synthetic]
    argv = (
        [*option, "footnotes", "--json"] if where == "before" else ["footnotes", "--json", *option]
    )
    result = run(*argv)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 17  # the synthetic report's, not the bundled 24
    missing = ["--index-dir", str(tmp_path / "none")]
    argv = (
        [*missing, "ask", FOUNDED, "--no-build"]
        if where == "before"
        else ["ask", FOUNDED, "--no-build", *missing]
    )
    result = run(*argv)
    assert result.returncode == 1 and "ijdqa index" in result.stderr  # that folder was used


def run_argv(*args: str) -> list[str]:
    return [IJDQA, *args]


def test_timings_split_retrieval_from_answering(assistant) -> None:
    answer = assistant.ask(FOUNDED)
    data = answer_dict(answer)
    valid(data)
    timings = data["timings_ms"]
    assert 0 < timings["retrieve"] < timings["total"]
    assert abs(timings["retrieve"] + timings["answer"] - timings["total"]) < 0.05
    for _ in range(20):  # retrieval outside a question leaves time on this thread's clock
        assistant.clock.search("Malaysian partner organizations", k=50)
    again = assistant.ask(FOUNDED).timings  # ... which the next question does not count
    assert again["retrieve"] <= again["total"]
