import pytest

from people.tests.factories import EmployeeFactory


@pytest.fixture
def team(seeded):
    """Named personas: skip_level -> manager -> report; a peer of the report; an outsider."""
    skip_level = EmployeeFactory(level_code="senior-superhero")
    manager = EmployeeFactory(level_code="senior-superhero", manager=skip_level)
    report = EmployeeFactory(manager=manager)
    peer = EmployeeFactory(manager=manager)
    outsider = EmployeeFactory()
    return {
        "skip_level": skip_level,
        "manager": manager,
        "report": report,
        "peer": peer,
        "outsider": outsider,
    }
