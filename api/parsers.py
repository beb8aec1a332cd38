"""JSON in, with the same rule as every form (careerpath.middleware.HostileInputMiddleware):
no control character but tab, LF and CR in any key or string."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from careerpath.input import control_problem

MAX_DEPTH = 20


def _problem(value, depth=0) -> str | None:
    if depth > MAX_DEPTH:
        return "is nested too deeply"
    if isinstance(value, str):
        return control_problem(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if problem := control_problem(str(key)) or _problem(item, depth + 1):
                return problem
    if isinstance(value, list):
        for item in value:
            if problem := _problem(item, depth + 1):
                return problem
    return None


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's json module recurses per level: thousands of "[" were a 500.
            raise ParseError("The JSON body is nested too deeply.") from None
        if problem := _problem(data):
            raise ParseError(f"The JSON body {problem}.")
        return data
