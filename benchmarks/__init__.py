"""`make bench`: wall time and peak memory of the pipeline by stage, for the bundled sample and
resampled deliveries of 10k / 100k / 1M respondents, with the raking and tabulation comparisons.

Results go to `$SURVEY_BUILD_DIR/bench/` (results.csv, models.csv); docs/scaling.md reads them.
"""
