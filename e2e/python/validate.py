"""Checks JSON files against a schema of Herald's contract.

    python validate.py SCHEMA_FILE DEFINITION EXPECT FILE...

SCHEMA_FILE is the OpenAPI document or the events schema; DEFINITION names
a schema in it (`#/components/schemas/EventList`), or `#` for the file's own
root; EXPECT is `valid` or `invalid`. Prints one line per file that is not
what was expected, and exits 1 if there is any.
"""

import json
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:herald:contract"


def main(schema_file, definition, expect, *files):
    with open(schema_file, encoding="utf-8") as source:
        document = json.load(source)
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(BASE, resource)
    validator = Draft202012Validator({"$ref": BASE + definition}, registry=registry)
    wrong = 0
    for name in files:
        with open(name, encoding="utf-8") as source:
            instance = json.load(source)
        errors = list(validator.iter_errors(instance))
        if expect == "valid" and errors:
            wrong += 1
            print(f"{name}: refused: {errors[0].message}")
        elif expect == "invalid" and not errors:
            wrong += 1
            print(f"{name}: accepted, but it is malformed")
    print(f"{len(files) - wrong} of {len(files)} {expect} as expected")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
