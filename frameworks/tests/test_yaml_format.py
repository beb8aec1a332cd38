"""The shape of framework files: every problem is reported with its place (no database)."""

import pytest

from frameworks.yaml_format import FrameworkFormatError, dump_framework_yaml, parse_framework_yaml

MINIMAL = """\
format: careerpath-framework/1
slug: tiny
name: Tiny framework
tracks:
  - slug: support
    name: Support
levels:
  - code: one
    title: One
    track: support
    rank: 1
    next_levels: [two]
  - code: two
    title: Two
    track: support
    rank: 2
    requirements:
      - kind: tenure
        months: 24
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(FrameworkFormatError) as info:
        parse_framework_yaml(text)
    return info.value.errors


def test_minimal_file_is_normalised_with_defaults():
    data = parse_framework_yaml(MINIMAL)
    two = data["levels"][1]
    assert two["requirements"][0]["months"] == 24
    assert two["requirements"][0]["assumed"] is False
    assert two["next_levels"] == []
    assert data["notes"] == []


def test_invalid_yaml_names_the_line():
    (message,) = errors_of("format: careerpath-framework/1\nlevels: [unclosed\n")
    assert message.startswith("Invalid YAML at line 3")


def test_unknown_key_is_rejected_with_its_place():
    text = MINIMAL.replace("        months: 24", "        months: 24\n        monthz: 3")
    (message,) = errors_of(text)
    assert message.startswith("levels[two].requirements[0]: unknown key 'monthz'")


def test_missing_required_key_is_reported():
    text = MINIMAL.replace("    title: Two\n", "")
    assert errors_of(text) == ["levels[two].title: is required."]


def test_every_problem_is_reported_at_once():
    text = MINIMAL.replace("rank: 1", "rank: first").replace("name: Support", "colour: blue")
    errors = errors_of(text)
    assert "levels[one].rank: must be a whole number of 0 or more, got 'first'." in errors
    assert any(e.startswith("tracks[support]: unknown key 'colour'") for e in errors)
    assert "tracks[support].name: is required." in errors


def test_unquoted_number_where_text_is_expected_is_explained():
    text = MINIMAL.replace("    title: One\n", "    title: One\n    subtitle: 01\n")
    (message,) = errors_of(text)
    assert message == "levels[one].subtitle: must be text (put it in double quotes), got 1."


def test_wrong_format_marker_is_rejected():
    text = MINIMAL.replace("careerpath-framework/1", "careerpath-framework/9")
    assert errors_of(text) == [
        "format: must be 'careerpath-framework/1', got 'careerpath-framework/9'."
    ]


def test_empty_file_is_rejected():
    assert errors_of("") == ["The file is empty."]


def test_dump_leaves_out_defaults_and_reads_back_the_same():
    data = parse_framework_yaml(MINIMAL)
    text = dump_framework_yaml(data)
    assert "assumed" not in text
    assert "summary" not in text
    assert parse_framework_yaml(text) == data


def test_dump_keeps_a_zero_that_is_not_a_default():
    data = parse_framework_yaml(MINIMAL.replace("months: 24", "months: 0"))
    assert "months: 0" in dump_framework_yaml(data)
