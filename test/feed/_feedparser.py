# Reads each feed file named on the command line with Python's feedparser (the reader behind many
# aggregators) and prints what it understood as JSON, for test/feed/feedparser.test.ts to compare.
import json
import sys

import feedparser

result = {}
for path in sys.argv[1:]:
    parsed = feedparser.parse(path)
    result[path] = {
        'bozo': bool(parsed.bozo),
        'bozo_exception': str(parsed.get('bozo_exception', '')),
        'version': parsed.version,
        'title': parsed.feed.get('title'),
        'link': parsed.feed.get('link'),
        'language': parsed.feed.get('language'),
        'links': [[link.get('rel'), link.get('href')] for link in parsed.feed.get('links', [])],
        'entries': [
            {
                'id': entry.get('id'),
                'title': entry.get('title'),
                'link': entry.get('link'),
                'authors': [author.get('name') for author in entry.get('authors', [])],
                'tags': [tag.get('term') for tag in entry.get('tags', [])],
                'content': [content.get('value') for content in entry.get('content', [])],
                'summary': entry.get('summary'),
            }
            for entry in parsed.entries
        ],
    }
json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
