"""Open comments (report Section I, Table I1), from the warehouse's text to safe published quotes.

- `exclusion`: which comments are analysed (fn 23); `codeframe` (+ `codeframe.yaml`) and `rules`:
  the versioned themes and their term rules; `coder`: automatic codes with evidence;
  `overrides`: analysts' manual codes (ingest.coded_comments) replace automatic ones.
- `counts`: Table I1 and the drugs split; `agreement` and `evaluation`: the coder measured
  against the generator's true themes; `warehouse`: the `comments` schema.
- `personal_data`, `redaction`, `quotes`: safe quotes; `gate`: the final scan of published
  outputs; `publish`: files written beside Table I1.
"""
