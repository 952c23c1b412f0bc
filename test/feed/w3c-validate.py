# Runs the W3C Feed Validation Service's own code (a local copy of github.com/w3c/feedvalidator,
# never part of this repository) over built feed files, the way the online service checks a feed
# (compatibility level "AA"), and prints every error and warning it reports.
#
#   python3 test/feed/w3c-validate.py VALIDATOR_SRC_DIR FILE...
#
# VALIDATOR_SRC_DIR is the validator's `src` folder (it needs lxml, html5lib and rdflib). Each
# file is validated as if served from https://northwind.example/feeds/NAME, so that self links
# match. Exits 1 when any file has an error or a warning.
import os
import sys

sys.path.insert(0, sys.argv[1])

import feedvalidator  # noqa: E402
from feedvalidator import compatibility  # noqa: E402
from feedvalidator.formatter.text_plain import Formatter  # noqa: E402

BASE = os.environ.get('FEED_BASE', 'https://northwind.example/feeds/')
failed = 0
for path in sys.argv[2:]:
    with open(path, 'rb') as stream:
        try:
            events = feedvalidator.validateStream(
                stream, firstOccurrenceOnly=1, base=BASE + os.path.basename(path)
            )['loggedEvents']
        except feedvalidator.logging.ValidationFailure as failure:
            events = [failure.event]
    messages = Formatter(compatibility.AA(events))
    if messages:
        failed += 1
        print(f'{path}:')
        for message in messages:
            print(f'  {message}')
    else:
        print(f'{path}: no errors or warnings')
sys.exit(1 if failed else 0)
