from assessments.history_importers import ratings_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update competency ratings from a CSV with the columns email, competency, "
        "proficiency, rated_on and rater_email (a rater who is the person is a self rating; "
        "DESIGN.md, More importers). All rows or nothing: any bad row is reported and nothing "
        "changes."
    )
    importer = staticmethod(ratings_import)
