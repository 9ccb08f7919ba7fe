"""The Python package against the command line: the same numbers, the same offsets, the same
errors. `cargo test` runs these (tests/python.rs, through scripts/python-test.sh)."""

import json
import os
import pathlib
import subprocess

import pandas as pd
import pandas.testing as pdt
import pytest

import thematic


def cli(root: pathlib.Path) -> str:
    exe = os.environ.get("THEMATIC_BIN") or str(root / "target" / "release" / "thematic")
    if not pathlib.Path(exe).is_file():
        pytest.fail(f"the command line is not built at {exe}: run `cargo build --release` first")
    return exe


def run_cli(root, *args) -> str:
    return subprocess.run(
        [cli(root), "-q", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def cli_tables(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "out"
    run_cli(root, "analyze", "corpus", "-o", str(out))
    return out


@pytest.fixture(scope="module")
def shipped(root):
    return thematic.analyze(root / "corpus")


def csv(path: pathlib.Path) -> pd.DataFrame:
    return thematic._frame(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "table, file",
    [
        ("frequencies", "frequencies.csv"),
        ("cooccurrence", "cooccurrence.csv"),
        ("code_by_document", "code_by_document.csv"),
        ("excerpts", "excerpts.csv"),
    ],
)
def test_tables_equal_the_command_lines_on_the_shipped_corpus(shipped, cli_tables, table, file):
    frame = getattr(shipped, table)
    assert len(frame) > 0
    pdt.assert_frame_equal(frame, csv(cli_tables / file))


def test_the_frequency_table_in_five_lines(root):
    result = thematic.analyze(root / "corpus")
    top = result.frequencies.set_index("code")
    assert result.documents == 32
    assert top.loc["brain_drain", "passages"] > 0
    assert set(result.frequencies.columns) >= {"code", "label", "passages", "documents", "share"}


def test_options_reach_the_tables(root, tmp_path):
    out = tmp_path / "out"
    run_cli(root, "analyze", "corpus", "-o", str(out), "--roll-up", "--cooccur", "window:1", "--by", "year")
    result = thematic.analyze(root / "corpus", roll_up=True, cooccur="window:1", by=["year"])
    pdt.assert_frame_equal(result.frequencies, csv(out / "frequencies.csv"))
    pdt.assert_frame_equal(result.cooccurrence, csv(out / "cooccurrence.csv"))
    pdt.assert_frame_equal(result.crosstabs["year"], csv(out / "crosstab_year.csv"))


CYRILLIC = (
    "Утечка мозгов — 🧠 серьёзная проблема: страну покинуло 11,4 тыс. специалистов.\r\n\r\n"
    "Ғалымдарды Отанына қайтару бағдарламасы іске қосылды.\n\n"
    "The brain drain from Kazakhstan continues, and the Bolashak scholarship brings graduates home."
)


def test_offsets_are_python_string_offsets_and_equal_the_command_lines(root, tmp_path):
    coder = thematic.Coder()
    segments = coder.code(CYRILLIC, doc="note")
    assert {s["code"].split("/")[0] for s in segments} >= {"brain_drain"}
    stored = CYRILLIC.replace("\r\n", "\n")  # as thematic stores a text
    for s in segments:
        assert stored[s["start"] : s["end"]] == s["text"]
        for h in s["hits"]:
            assert s["start"] <= h["start"] < h["end"] <= s["end"]
    (tmp_path / "note.txt").write_bytes(CYRILLIC.encode("utf-8"))
    records = [json.loads(l) for l in run_cli(root, "code", str(tmp_path / "note.txt")).splitlines()]
    assert [(r["start"], r["end"], r["code"], r["hits"]) for r in records] == [
        (s["start"], s["end"], s["code"], s["hits"]) for s in segments
    ]


def test_code_many_equals_code_one_by_one_and_keeps_order():
    coder = thematic.Coder()
    texts = [CYRILLIC, "", "Nothing here.", "The brain drain continues."] * 25
    ids = [f"t{i}" for i in range(len(texts))]
    many = coder.code_many(texts, ids=ids)
    assert many == [coder.code(t, doc=i) for t, i in zip(texts, ids)]
    assert [s["doc"] for s in many[3]] == ["t3"] * len(many[3])
    with pytest.raises(ValueError, match="2 ids for 3 texts"):
        coder.code_many(["a", "b", "c"], ids=["x", "y"])


def test_code_columns_hold_code_many_segments_in_order():
    coder = thematic.Coder()
    texts = [CYRILLIC, "", "Nothing here.", "The brain drain continues."] * 25
    ids = [f"t{i}" for i in range(len(texts))]
    rows = [s for segs in coder.code_many(texts, ids=ids) for s in segs]
    columns = coder.code_columns(texts, ids=ids)
    assert set(columns) == set(rows[0])
    assert all(len(values) == len(rows) for values in columns.values())
    assert [dict(zip(columns, values)) for values in zip(*columns.values())] == rows
    frame = pd.DataFrame(coder.code_columns(texts, ids=ids, lang="kk"))
    assert set(frame["lang"]) == {"kk"}
    with pytest.raises(ValueError, match="2 ids for 3 texts"):
        coder.code_columns(["a", "b", "c"], ids=["x", "y"])


def test_a_language_given_is_used_instead_of_the_detected_one():
    coder = thematic.Coder()
    assert all(s["lang"] == "kk" for s in coder.code(CYRILLIC, lang="kk"))
    with pytest.raises(ValueError, match="thematic knows en, ru, kk and uk"):
        coder.code("text", lang="de")


def test_errors_name_the_pattern_and_the_file(tmp_path):
    bad = '[codebook]\nname = "t"\n[[code]]\nid = "x"\nlabel = "X"\npatterns = [{ regex = "(unclosed" }]\n'
    with pytest.raises(thematic.ThematicError) as err:
        thematic.Codebook.from_toml(bad)
    assert "(unclosed" in str(err.value)
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(thematic.ThematicError, match="bad.toml"):
        thematic.Codebook.load(str(path))
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        thematic.Codebook.load(str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="unit"):
        thematic.Coder(unit="chapter")
    with pytest.raises(ValueError, match="a folder or file path, a list of texts"):
        thematic.analyze(42)


def test_an_unreadable_document_is_skipped_with_a_warning_and_the_rest_analysed(tmp_path):
    (tmp_path / "good.txt").write_text("The brain drain continues.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00broken \xc3\x28 text")
    with pytest.warns(UserWarning, match="bad.txt"):
        result = thematic.analyze(tmp_path)
    assert result.documents == 1
    assert [p for p, _ in result.skipped] == [str(tmp_path / "bad.txt")]


def test_texts_in_memory_and_the_codebook_object():
    codebook = thematic.Codebook()
    assert len(codebook) == len(codebook.codes) > 5
    assert codebook.codes[0]["id"] == "education_pull"
    result = thematic.analyze({"a": "The brain drain continues.", "b": "Nothing."}, codebook)
    assert result.documents == 2
    assert result.code_by_document["doc"].tolist() == ["a"]
