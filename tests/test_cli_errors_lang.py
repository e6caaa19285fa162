"""Errors of a plan file, a path or an output reach the planner in Vietnamese first: the CLI
prints ``Lỗi:`` and the message in Vietnamese, ``Error:`` and English with ``--lang en``; the
library's ``str(exc)`` stays English. Never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from geoplan.cli import cli
from geoplan.errors import PlanError
from geoplan.plan import read_plan_file


def _plan(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "plan.toml").write_text(text, encoding="utf-8")
    return folder


CASES = [
    ('[plan]\nname = "x"\ncolour = 1\n[layers.a]\nkind = "substation"\npath = "a.gpkg"\n',
     "Lỗi: {file}: khóa không hợp lệ 'colour' trong [plan]; các khóa hợp lệ: name,",
     "Error: {file}: unknown key 'colour' in [plan]; valid keys: name,"),
    ('[plan]\nname = "x"\n[layers.a]\nkind = "industrial_clustr"\npath = "a.gpkg"\n',
     "Lỗi: {file}: [layers.a] kind = 'industrial_clustr' không phải loại lớp nào (có phải là "
     "'industrial_cluster'?)",
     "Error: {file}: [layers.a] kind = 'industrial_clustr' is not a layer kind (did you mean "
     "'industrial_cluster'?)"),
    ('[plan]\nname = "x"\n[layers.a]\nkind = "substation"\n',
     "Lỗi: {file}: [layers.a] cần có path = \"...\"",
     "Error: {file}: [layers.a] needs path = \"...\""),
    ('[plan]\nname = "x"\n[rules]\n',
     "Lỗi: {file}: chưa khai báo lớp nào; hãy thêm ít nhất một bảng [layers.TÊN]",
     "Error: {file}: no layers; add at least one [layers.NAME]"),
    ('[plan\nname = "x"\n',
     "Lỗi: {file}: không phải TOML hợp lệ: ",
     "Error: {file}: not valid TOML: "),
    ('[layers.a]\nkind = "substation"\npath = "a.gpkg"\n',
     "Lỗi: {file}: cần có bảng [plan] với ít nhất name = \"...\"",
     "Error: {file}: a [plan] table with at least name = \"...\" is required"),
]


@pytest.mark.parametrize(("text", "vi", "en"), CASES)
@pytest.mark.parametrize("command", ["check", "validate", "grid", "coverage", "export"])
def test_a_bad_plan_file_is_told_in_the_language_asked(tmp_path: Path, text: str, vi: str,
                                                       en: str, command: str) -> None:
    folder = _plan(tmp_path, text)
    file = folder / "plan.toml"
    extra = ["-o", str(tmp_path / "out")] if command == "export" else []
    for lang, expected in ((None, vi), ("en", en)):
        args = [command, str(folder), *extra, *(["--lang", lang] if lang else [])]
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 1, res.output
        assert expected.format(file=file) in res.stderr, res.stderr
        assert "Traceback" not in res.output
    with pytest.raises(PlanError, match="^" + en.format(file=file).removeprefix("Error: ")
                       .replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?").replace(".", r"\.")):
        read_plan_file(folder)


def test_a_folder_without_a_plan_says_which_tomls_it_holds(tmp_path: Path) -> None:
    (tmp_path / "bac-ninh.toml").write_text("", encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert res.exit_code == 1
    assert res.stderr == (f"Lỗi: {tmp_path}: thư mục này không có tệp plan.toml (thấy "
                          "bac-ninh.toml: hãy chỉ định một trong các tệp đó)\n")


def test_an_existing_output_is_refused_in_vietnamese(tmp_path: Path,
                                                     sample_plan_path: Path) -> None:
    out = tmp_path / "findings.geojson"
    out.write_text("keep me", encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "-o", str(out)])
    assert res.exit_code == 1
    assert res.stderr == (f"Lỗi: {out}: đã tồn tại; thêm --overwrite (overwrite=True) để ghi "
                          "đè, hoặc chọn tên khác\n")
    assert out.read_text(encoding="utf-8") == "keep me"
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "-o", str(out),
                                   "--lang", "en"])
    assert res.stderr.startswith(f"Error: {out}: exists already; pass --overwrite")
