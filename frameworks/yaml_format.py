"""The framework YAML format (docs/framework-format.md): parse, check, write.

This module knows the *shape* of a file. `parse_framework_yaml()` turns text
into a normalised dict (every key present, defaults filled) or raises
`FrameworkFormatError` listing every problem with the place it occurs;
`dump_framework_yaml()` writes a normalised dict back in the short canonical
form (defaults left out). Meaning (references between levels, per-kind
requirement parameters) is checked when the dict is turned into rows, in
`frameworks.services`.
"""

import contextlib
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml

from careerpath.input import control_problem, date_bounds_problem

FORMAT = "careerpath-framework/1"

# A framework file is a few hundred lines; these bounds refuse what only an attack needs:
# a huge file, nesting deep enough to exhaust Python's stack, and "billion laughs"
# anchors whose aliases expand to far more values than the file holds.
MAX_CHARS = 2_000_000
MAX_DEPTH = 40
MAX_VALUES = 100_000
# PostgreSQL's integer, the column every whole number of the format ends in.
MAX_INT = 2**31 - 1


class _LimitError(yaml.MarkedYAMLError):
    """A file refused by one of our bounds, at the place where it was crossed."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, bounded in depth and in the values aliases expand to, and
    refusing control characters in text (a raw one is refused by YAML itself; an escaped
    one, "\\0", is not)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _LimitError(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self):
        node = super().compose_document()
        if _expanded_size(node, {}) > MAX_VALUES:
            raise _LimitError(
                problem=f"its aliases expand to more than {MAX_VALUES:,} values",
                problem_mark=node.start_mark,
            )
        return node

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and (problem := control_problem(value)):
            raise _LimitError(problem=f"the text {problem}", problem_mark=node.start_mark)
        return value

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # 0000-01-01 matches YAML's pattern
            raise _LimitError(
                problem=f"{node.value!r} is not a date", problem_mark=node.start_mark
            ) from None


_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp
)


def _expanded_size(node, sizes: dict) -> int:
    """How many values `node` stands for once every alias is expanded (linear in the nodes
    the file holds; aliases share their node, so each is counted once and reused)."""
    key = id(node)
    if key in sizes:
        if sizes[key] is None:  # an alias inside its own anchor
            return MAX_VALUES + 1
        return sizes[key]
    sizes[key] = None
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    else:
        size = 1
    sizes[key] = min(size, MAX_VALUES + 1)
    return sizes[key]


class FrameworkFormatError(Exception):
    """A framework file that cannot be used; `errors` names each place and reason."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Key:
    name: str
    type: object  # "str", "int", "bool", "date", "number", "str_list", or a tuple of Keys
    required: bool = False

    @property
    def default(self):
        if isinstance(self.type, tuple) or self.type == "str_list":
            return []
        if self.type == "number_map":
            return {}
        if self.required:
            return None
        return {"str": "", "bool": False}.get(self.type)

    def is_default(self, value) -> bool:
        default = self.default
        return value is None or (value == default and type(value) is type(default))


def _mapping(*keys: Key) -> tuple[Key, ...]:
    return keys


MEMBER = _mapping(  # a requirement inside an "any N of" group (groups nest one level)
    Key("kind", "str", required=True),
    Key("label", "str"),
    Key("code", "str"),
    Key("months", "int"),
    Key("count", "int"),
    Key("evidence_kind", "str"),
    Key("category", "str"),
    Key("window", "str"),
    Key("window_months", "int"),
    Key("metric", "str"),
    Key("comparison", "str"),
    Key("threshold", "number"),
    Key("competency", "str"),
    Key("proficiency", "str"),
    Key("valid_months", "int"),
    Key("points_source", "str"),
    Key("weights", "number_map"),
    Key("source_text", "str"),
    Key("assumed", "bool"),
)
REQUIREMENT = (*MEMBER, Key("members", MEMBER))
ENTITLEMENT = _mapping(
    Key("kind", "str", required=True),
    Key("value", "int", required=True),
    Key("unit", "str"),
    Key("label", "str"),
    Key("source_text", "str"),
    Key("assumed", "bool"),
    Key("conditions", REQUIREMENT),
)
RESPONSIBILITY = _mapping(Key("text", "str", required=True), Key("assumed", "bool"))
AREA = _mapping(
    Key("number", "str"),
    Key("title", "str", required=True),
    Key("assumed", "bool"),
    Key("responsibilities", RESPONSIBILITY),
)
REQUIRED_PROFICIENCY = _mapping(
    Key("competency", "str", required=True),
    Key("proficiency", "str", required=True),
    Key("assumed", "bool"),
)
LEVEL = _mapping(
    Key("code", "str", required=True),
    Key("title", "str", required=True),
    Key("subtitle", "str"),
    Key("track", "str", required=True),
    Key("rank", "int", required=True),
    Key("summary", "str"),
    Key("summary_assumed", "bool"),
    Key("is_entry", "bool"),
    Key("perk_note", "str"),
    Key("builds_on", "str"),
    Key("next_levels", "str_list"),
    Key("responsibility_areas", AREA),
    Key("required_proficiencies", REQUIRED_PROFICIENCY),
    Key("requirements", REQUIREMENT),
    Key("entitlements", ENTITLEMENT),
)
TRACK = _mapping(
    Key("slug", "str", required=True), Key("name", "str", required=True), Key("description", "str")
)
INDICATOR = _mapping(
    Key("proficiency", "str", required=True),
    Key("text", "str", required=True),
    Key("assumed", "bool"),
)
COMPETENCY = _mapping(
    Key("slug", "str", required=True),
    Key("name", "str", required=True),
    Key("definition", "str"),
    Key("assumed", "bool"),
    Key("indicators", INDICATOR),
)
PROFICIENCY = _mapping(
    Key("slug", "str", required=True),
    Key("name", "str", required=True),
    Key("description", "str"),
    Key("assumed", "bool"),
)
METRIC = _mapping(
    Key("slug", "str", required=True),
    Key("name", "str", required=True),
    Key("unit", "str"),
    Key("direction", "str"),
    Key("aggregation", "str"),
    Key("description", "str"),
)
EVIDENCE_CATEGORY = _mapping(
    Key("evidence_kind", "str", required=True),
    Key("slug", "str", required=True),
    Key("name", "str", required=True),
)
MILESTONE = _mapping(
    Key("months", "int", required=True),
    Key("subject", "str", required=True),
    Key("body", "str"),
    Key("assumed", "bool"),
)
NOTE = _mapping(
    Key("section", "str", required=True),
    Key("title", "str", required=True),
    Key("body", "str"),
    Key("assumed", "bool"),
)
FRAMEWORK = _mapping(
    Key("format", "str", required=True),
    Key("slug", "str", required=True),
    Key("name", "str", required=True),
    Key("version", "int"),
    Key("status", "str"),
    Key("effective_date", "date"),
    Key("source_note", "str"),
    Key("direct_manager_review_only", "bool"),
    Key("metrics", METRIC),
    Key("evidence_categories", EVIDENCE_CATEGORY),
    Key("milestones", MILESTONE),
    Key("notes", NOTE),
    Key("proficiency_levels", PROFICIENCY),
    Key("competencies", COMPETENCY),
    Key("tracks", TRACK),
    Key("levels", LEVEL),
)

# How an item of a list is named in a message: levels[S2] reads better than levels[3].
_ITEM_NAME_KEYS = ("code", "slug")


def _item_path(path: str, index: int, item) -> str:
    if isinstance(item, dict):
        for key in _ITEM_NAME_KEYS:
            if isinstance(item.get(key), str) and item[key]:
                return f"{path}[{item[key]}]"
    return f"{path}[{index}]"


def _check_value(value, key: Key, path: str, errors: list[str]):
    kind = key.type
    if isinstance(kind, tuple):
        if not isinstance(value, list):
            errors.append(f"{path}: must be a list.")
            return []
        return [
            _normalise(item, kind, _item_path(path, i, item), errors)
            for i, item in enumerate(value)
        ]
    if kind == "str":
        if not isinstance(value, str):
            errors.append(f"{path}: must be text (put it in double quotes), got {value!r}.")
            return ""
        return value.strip()
    if kind == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: must be true or false, got {value!r}.")
            return False
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(f"{path}: must be a whole number of 0 or more, got {_shown(value)}.")
            return None
        if value > MAX_INT:
            errors.append(
                f"{path}: must be a whole number of at most {MAX_INT}, got {_shown(value)}."
            )
            return None
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            errors.append(f"{path}: must be a number, got {value!r}.")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            errors.append(f"{path}: must be a number, got {value!r}.")
            return None
        return number
    if kind == "date":
        date = None
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            date = value
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                date = datetime.date.fromisoformat(value)
        if date is None:
            errors.append(f"{path}: must be a date written YYYY-MM-DD, got {_shown(value)}.")
        elif problem := date_bounds_problem(date):
            errors.append(f"{path}: {problem}.")
            date = None
        return date
    if kind == "number_map":
        if not isinstance(value, dict):
            errors.append(f"{path}: must be a mapping of names to numbers, got {value!r}.")
            return {}
        result = {}
        for name, number in value.items():
            checked = _check_value(number, Key(str(name), "number"), f"{path}.{name}", errors)
            if not isinstance(name, str) or not name.strip():
                errors.append(f"{path}: {name!r} must be a name (text).")
            elif checked is not None:
                result[name.strip()] = checked
        return result
    if kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{path}: must be a list of level codes, got {value!r}.")
            return []
        return [v.strip() for v in value]
    raise AssertionError(f"unknown key type {kind!r}")  # pragma: no cover


def _normalise(data, schema: tuple[Key, ...], path: str, errors: list[str]) -> dict:
    if not isinstance(data, dict):
        errors.append(f"{path}: must be a mapping of keys to values, got {data!r}.")
        return {key.name: key.default for key in schema}
    known = {key.name for key in schema}
    for name in data:
        if name not in known:
            errors.append(
                f"{path}: unknown key {name!r} (allowed: {', '.join(k.name for k in schema)})."
            )
    result = {}
    for key in schema:
        where = f"{path}.{key.name}" if path else key.name
        value = data.get(key.name)
        if value is None or value == "":
            if key.required:
                errors.append(f"{where}: is required.")
            result[key.name] = key.default
            continue
        result[key.name] = _check_value(value, key, where, errors)
    return result


def _character_name(character) -> str:
    if isinstance(character, int):
        return "NUL" if character == 0 else f"U+{character:04X}"
    return repr(character)


def _shown(value) -> str:
    """A value as quoted in a message, at most 60 characters of it."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**60 else "a huge number"
    return text if len(text) <= 60 else f"{text[:60]}… ({len(text)} characters)"


def parse_framework_yaml(text: str) -> dict:
    """Parse and check the shape of a framework file; return the normalised dict."""
    data = yaml_load_bounded(text)
    if data is None:
        raise FrameworkFormatError(["The file is empty."])
    errors: list[str] = []
    result = _normalise(data, FRAMEWORK, "", errors)
    if not errors and result["format"] != FORMAT:
        errors.append(f"format: must be {FORMAT!r}, got {result['format']!r}.")
    if errors:
        raise FrameworkFormatError(errors)
    return result


def yaml_load_bounded(text: str):
    """Any small YAML (or JSON) document, read safely: PyYAML's safe loader bounded in size,
    depth and alias expansion, refusing control characters; FrameworkFormatError names the
    place of a problem. Also used for import profiles (assessments.hris)."""
    if len(text) > MAX_CHARS:
        raise FrameworkFormatError(
            [f"The file is too large: {len(text):,} characters (at most {MAX_CHARS:,})."]
        )
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader, bounded
    except RecursionError:  # pragma: no cover (MAX_DEPTH stops nesting long before)
        raise FrameworkFormatError([f"Nested more than {MAX_DEPTH} levels deep."]) from None
    except _LimitError as exc:
        mark = exc.problem_mark
        raise FrameworkFormatError(
            [f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem}."]
        ) from None
    except yaml.reader.ReaderError as exc:  # a raw control character, or not Unicode text
        line = text[: exc.position].count("\n") + 1
        raise FrameworkFormatError(
            [f"line {line}: a character YAML does not allow ({_character_name(exc.character)})."]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkFormatError([f"Invalid YAML at {where}: {problem}."]) from None
    return data


def plain_number(value: Decimal) -> int | float:
    """A number as YAML and JSON write it: whole numbers without a decimal point."""
    return int(value) if value == value.to_integral_value() else float(value)


def _shorten(data: dict, schema: tuple[Key, ...]) -> dict:
    """Leave out defaults, so that files stay short and exports are canonical."""
    out = {}
    for key in schema:
        value = data.get(key.name)
        if isinstance(key.type, tuple):
            value = [_shorten(item, key.type) for item in value or []]
        if isinstance(value, Decimal):
            value = plain_number(value)
        elif isinstance(value, dict):
            value = {k: plain_number(v) for k, v in value.items()}
        if not key.required and key.is_default(value):
            continue
        out[key.name] = value
    return out


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as people write YAML by hand.
        return super().increase_indent(flow, False)


def _str_presenter(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_framework_yaml(data: dict) -> str:
    """Write a normalised framework dict as YAML text in the canonical short form."""
    return yaml.dump(
        _shorten(data, FRAMEWORK),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=float("inf"),  # one line per text: diffs stay readable
        default_flow_style=False,
    )


def comparable(data: dict) -> dict:
    """A framework dict without the keys that differ between versions of the same content."""
    # Metric definitions are shared by every framework and edited by HR on their own:
    # they are not part of a version's content.
    return {k: v for k, v in data.items() if k not in ("version", "status", "metrics")}
