{#-
  A comment as the 'no suggestion' rule compares it (report fn 23, questionnaire
  base_rules.comment.no_suggestion): whitespace trimmed, trailing '.' and '!' removed, trimmed
  again, lower case. With int_responses' no-letter-or-digit clause, the same rule as
  survey.figures.is_substantive_comment.
-#}
{% macro normalise_comment(text) -%}
    lower(regexp_replace(
        rtrim(regexp_replace({{ text }}, '^\s+|\s+$', '', 'g'), '.!'),
        '^\s+|\s+$', '', 'g'
    ))
{%- endmacro %}
