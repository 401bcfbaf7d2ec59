"""``hw7 check``: judge a student's answer against the toolkit's derived answer.

Readers turn plain text, LaTeX and Unicode math into one tree (SymPy objects built
by a whitelist, never by evaluating the text); one judge per answer kind decides
equivalence; the sandbox bounds time and memory; verdicts have output formats.
"""
