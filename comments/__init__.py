"""Open comments (report Section I, Table I1), from the warehouse's text to safe published quotes.

- `exclusion`: which comments are analysed (fn 23); `codeframe` (+ `codeframe.yaml`) and `rules`:
  the versioned themes and their term rules; `coder`: automatic codes with evidence;
  `overrides`: analysts' manual codes (ingest.coded_comments) replace automatic ones.
- `counts`: Table I1 and the stance theme's split; `agreement` and `evaluation`: the coder
  measured against the analysts' double-coded comments of the pack (`coded_comments.csv`);
  `warehouse`: the `comments` schema.
- `personal_data` (patterns and the text scan), `redaction`, `quotes`: safe quotes; `publish`:
  files written beside Table I1. The release-wide scan is publication.personal_data_gate.
"""
