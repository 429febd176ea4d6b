-- Report section A for BI: fct_estimates rows of the section with question text, table and
-- significance columns (macro section_mart).
{{ section_mart('A') }}
