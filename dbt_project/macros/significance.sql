{#-
  Significance of a difference between two shares: the ONE place the test is written.

  two_proportion_z(p1, n1, p2, n2): pooled two-proportion z statistic

      p  = (p1 n1 + p2 n2) / (n1 + n2)
      z  = (p1 - p2) / sqrt(p (1 - p) (1 / n1 + 1 / n2))

  p1, p2 are proportions (0-1). For weighted data (the polls) p1, p2 are weighted shares and n1,
  n2 the Kish effective bases (sum w)^2 / sum w^2, which carry the design effect of the weights
  into the standard error; for unweighted data (Talk London) the effective base is the
  unweighted base. Null when a base is empty or the pooled share is 0 or 1 (no variance).
-#}
{% macro two_proportion_z(p1, n1, p2, n2) -%}
    case
        when {{ n1 }} > 0 and {{ n2 }} > 0 then
            ({{ p1 }} - {{ p2 }}) / nullif(sqrt(
                (({{ p1 }} * {{ n1 }} + {{ p2 }} * {{ n2 }}) / ({{ n1 }} + {{ n2 }}))
                * (1 - ({{ p1 }} * {{ n1 }} + {{ p2 }} * {{ n2 }}) / ({{ n1 }} + {{ n2 }}))
                * (1.0 / {{ n1 }} + 1.0 / {{ n2 }})
            ), 0)
    end
{%- endmacro %}

{#-
  two_sided_p_value(z) = P(|Z| >= |z|) = erfc(|z| / sqrt 2) for a standard normal Z.

  DuckDB has no erf/erfc, so erfc is computed with the Chebyshev fit of Numerical Recipes
  (Press et al., 2nd ed., section 6.2, `erfcc`): fractional error below 1.2e-7 for every
  argument, i.e. p-values good to 7 significant figures, far below any rounding in the report.
  tests/dbt checks it against Python's math.erfc.
-#}
{% macro two_sided_p_value(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.5 * ' ~ x ~ '))' -%}
    ({{ t }} * exp(
        -{{ x }} * {{ x }} - 1.26551223
        + {{ t }} * (1.00002368 + {{ t }} * (0.37409196 + {{ t }} * (0.09678418
        + {{ t }} * (-0.18628806 + {{ t }} * (0.27886807 + {{ t }} * (-1.13520398
        + {{ t }} * (1.48851587 + {{ t }} * (-0.82215223 + {{ t }} * 0.17087277))))))))
    ))
{%- endmacro %}
