"""Secrets: where they rest (the vault backends), how one is chosen (``door``), the files
only the operator may read (``private_files``) and how they are kept out of any text
(``redaction``).

Empty on purpose: :mod:`armstui.model` imports ``redaction``, so importing this package
must not pull in a backend (which imports the model back).
"""
