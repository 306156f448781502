"""English the checks and the builtin specialist both read: sentences, lemmas, function
words and noun phrases.

It lives apart from any provider so a check judges every producer's artifacts with words
no provider owns (a check must not depend on the builtin it verifies).
"""
