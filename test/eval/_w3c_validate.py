"""Validate feed files with a local copy of the W3C Feed Validation Service.

Usage: python3 _w3c_validate.py VALIDATOR_SRC BASE_URL FILE...

VALIDATOR_SRC is the `src` folder of a checkout of github.com/w3c/feedvalidator (never part of
this repository); BASE_URL is where the files will be served from (the feeds' self links must match
it). Prints one line per error or warning, at the online service's level ("AA"), and exits 1 when
there is any. Written for `npm run eval:w3c`.
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
import feedvalidator  # noqa: E402
from feedvalidator import compatibility  # noqa: E402
from feedvalidator.formatter.text_plain import Formatter  # noqa: E402
from feedvalidator.logging import Error, Warning as FeedWarning  # noqa: E402

base = sys.argv[2]
problems = 0
for path in sys.argv[3:]:
    with open(path, 'rb') as stream:
        try:
            result = feedvalidator.validateStream(stream, firstOccurrenceOnly=0, base=base + os.path.basename(path))
            events = result['loggedEvents']
        except feedvalidator.logging.ValidationFailure as failure:
            events = [failure.event]
    events = [event for event in compatibility.AA(events) if isinstance(event, (Error, FeedWarning))]
    lines = Formatter(events)
    kinds = ['error' if isinstance(event, Error) else 'warning' for event in events]
    print('%s: %d errors, %d warnings' % (os.path.basename(path), kinds.count('error'), kinds.count('warning')))
    for kind, line in zip(kinds, lines):
        print('  %s: %s' % (kind, line))
    problems += len(events)
sys.exit(1 if problems else 0)
