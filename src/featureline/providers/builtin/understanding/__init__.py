"""How the builtin specialist reads English it has not seen: a lexicon (lemmas and parts of
speech from ``lemminflect``'s bundled tables, no model download), then small readers for
roles, records named by verbs, the passive voice, parties of a record, nested collections,
lifecycles and rules.

Every reader records the words of the request it used (a span), so what the builtin emits
stays grounded; what no reader recognises is left to the caller to defer or ask about.
"""
