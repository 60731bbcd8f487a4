"""The knowledge base's use cases: articles and their review workflow (articles.py,
workflow.py), reads (queries.py), diffs (diff.py), document imports (import_document.py,
importing.py), and the one writer of article rows (writer.py)."""
