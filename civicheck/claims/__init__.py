"""Claims files: YAML a reporter writes, loaded with line numbers and validated before anything is fetched.

Every problem in every file is collected and reported together (file:line, claim id, what to do):
model.py (Claim, Check), loading.py (finding and loading files), validate.py (a file's claims and checks),
fields.py (the readers claims and check kinds share), yaml_lines.py (YAML with line numbers, refusing attacks).
"""

from civicheck.claims.fields import MAX_URL, Fields, url_problem
from civicheck.claims.loading import MAX_CLAIMS, MAX_FILE_BYTES, MAX_PROBLEMS, find_claim_files, load_claims
from civicheck.claims.model import DEFAULT_TIMEOUT, Check, Claim
from civicheck.claims.validate import SAID_BY_TYPES
from civicheck.claims.yaml_lines import MAX_DEPTH, MAX_ID, MAX_TEXT, RefusedYAML

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_CLAIMS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_ID",
    "MAX_PROBLEMS",
    "MAX_TEXT",
    "MAX_URL",
    "SAID_BY_TYPES",
    "Check",
    "Claim",
    "Fields",
    "RefusedYAML",
    "find_claim_files",
    "load_claims",
    "url_problem",
]
